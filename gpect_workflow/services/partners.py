"""Territories, organisations and people: looked up or created by their natural keys."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from ..errors import NotFound, PermissionDenied, ValidationError
from ..models import (
    Language,
    Organisation,
    OrganisationKind,
    Person,
    PersonRole,
    Plan,
    ReminderMode,
    RoleAssignment,
    RoleAssignmentMember,
    Territory,
)
from .context import now, session


def ensure_territory(code: str, name: str, department: str | None = None, region: str | None = None) -> Territory:
    """The territory with ``code``, created when missing (names are refreshed)."""
    territory = session().scalar(sa.select(Territory).where(Territory.code == code))
    if territory is None:
        territory = Territory(code=code, name=name)
        session().add(territory)
    territory.name, territory.department, territory.region = name, department, region
    session().flush()
    return territory


def ensure_organisation(
    name: str, kind: OrganisationKind, territory: Territory | None, email: str | None = None
) -> Organisation:
    """The organisation called ``name`` on ``territory``, created when missing."""
    territory_id = territory.id if territory else None
    on_territory = (
        Organisation.territory_id.is_(None) if territory_id is None else Organisation.territory_id == territory_id
    )
    organisation = session().scalar(sa.select(Organisation).where(Organisation.name == name, on_territory))
    if organisation is None:
        organisation = Organisation(name=name, kind=kind, territory_id=territory_id, created_dt=now())
        session().add(organisation)
    organisation.kind, organisation.email = kind, email
    session().flush()
    return organisation


def normalise_email(email: str) -> str:
    """Addresses are compared and stored lower-case and without surrounding blanks."""
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email:
        raise ValidationError("invalid email address", {"email": [f"'{email}' is not an email address"]})
    return email


def find_person(email: str) -> Person | None:
    """The person with this address, if any."""
    return session().scalar(sa.select(Person).where(Person.email == normalise_email(email)))


def create_person(
    email: str,
    role: PersonRole,
    name: str | None = None,
    *,
    password: str | None = None,
    organisation: Organisation | None = None,
    language: Language = Language.FR,
    timezone: str = "Europe/Paris",
    reminder_mode: ReminderMode = ReminderMode.IMMEDIATE,
    is_referent: bool = False,
) -> Person:
    """Create an account; refused when the address is taken or the password is too weak."""
    email = normalise_email(email)
    if find_person(email) is not None:
        raise ValidationError("address already in use", {"email": [f"{email} already has an account"]})
    if password is not None and len(password) < 10:
        raise ValidationError("password too short", {"password": ["use at least 10 characters"]})
    person = Person(
        email=email,
        name=(name or email.split("@")[0]).strip(),
        role=role,
        organisation_id=organisation.id if organisation else None,
        language=language,
        timezone=timezone,
        reminder_mode=reminder_mode,
        is_referent=is_referent,
        password_hash=generate_password_hash(password) if password else None,
        is_active=True,
        created_dt=now(),
    )
    session().add(person)
    session().flush()
    return person


_MANAGERS = (PersonRole.ADMIN, PersonRole.LEAD)
_SELF_FIELDS = {"name", "language", "timezone", "reminder_mode"}


def _require_manager(actor: Person) -> None:
    if actor.role not in _MANAGERS:
        raise PermissionDenied("only administrators and project leads manage the partners directory")


def list_organisations(actor: Person, territory_id: int | None = None) -> list[Organisation]:
    """The partners directory's organisations (every signed-in person may read it)."""
    query = sa.select(Organisation).order_by(Organisation.name, Organisation.id)
    if territory_id is not None:
        query = query.where(Organisation.territory_id == territory_id)
    return list(session().scalars(query))


def create_organisation(
    actor: Person, name: str, kind: OrganisationKind, territory_id: int | None, email: str | None = None
) -> Organisation:
    """Add an organisation to the directory (leads and administrators)."""
    _require_manager(actor)
    name = name.strip()
    problems = _organisation_problems(name, territory_id, email)
    if problems:
        raise ValidationError("the organisation cannot be created", problems)
    territory = session().get(Territory, territory_id) if territory_id is not None else None
    if ensure_organisation_exists(name, territory_id):
        raise ValidationError("already in the directory", {"name": [f"{name} is already in the directory"]})
    return ensure_organisation(name, kind, territory, normalise_email(email) if email else None)


def ensure_organisation_exists(name: str, territory_id: int | None) -> bool:
    """Whether an organisation of that name is already on that territory."""
    on_territory = (
        Organisation.territory_id.is_(None) if territory_id is None else Organisation.territory_id == territory_id
    )
    return session().scalar(sa.select(Organisation.id).where(Organisation.name == name, on_territory)) is not None


def _organisation_problems(name: str, territory_id: int | None, email: str | None) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if not 1 <= len(name) <= 200:
        problems["name"] = ["give a name of 1 to 200 characters"]
    if territory_id is not None and session().get(Territory, territory_id) is None:
        problems["territory_id"] = ["unknown territory"]
    if email:
        try:
            normalise_email(email)
        except ValidationError as error:
            problems.update(error.fields)
    return problems


def update_organisation(actor: Person, organisation_id: int, **changes: object) -> Organisation:
    """Change an organisation's name, kind, territory or address (leads and administrators)."""
    _require_manager(actor)
    organisation = session().get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("no such organisation")
    name = str(changes.get("name", organisation.name)).strip()
    territory_id = changes.get("territory_id", organisation.territory_id)
    email = changes.get("email", organisation.email)
    problems = _organisation_problems(name, territory_id, email)  # type: ignore[arg-type]
    if problems:
        raise ValidationError("the organisation cannot be changed", problems)
    organisation.name, organisation.territory_id = name, territory_id  # type: ignore[assignment]
    organisation.email = normalise_email(email) if email else None  # type: ignore[arg-type]
    if "kind" in changes:
        organisation.kind = OrganisationKind(changes["kind"])
    session().flush()
    return organisation


def list_people(actor: Person, organisation_id: int | None = None) -> list[Person]:
    """People of the directory: all for leads, committees and administrators; a partner sees the people
    of the plans they take part in."""
    query = sa.select(Person).order_by(Person.name, Person.id)
    if organisation_id is not None:
        query = query.where(Person.organisation_id == organisation_id)
    if actor.role is PersonRole.PARTNER:
        from .queries import visible_plans

        shared = (
            sa.select(RoleAssignmentMember.person_id)
            .join(RoleAssignment, RoleAssignment.id == RoleAssignmentMember.assignment_id)
            .where(RoleAssignment.plan_id.in_(visible_plans(actor)))
        )
        leads = sa.select(Plan.lead_id).where(Plan.id.in_(visible_plans(actor)))
        query = query.where(sa.or_(Person.id == actor.id, Person.id.in_(shared), Person.id.in_(leads)))
    return list(session().scalars(query))


def create_person_as(actor: Person, email: str, role: PersonRole, name: str | None, **options: object) -> Person:
    """Add a person to the directory (leads and administrators; only administrators create administrators)."""
    _require_manager(actor)
    if role is PersonRole.ADMIN and actor.role is not PersonRole.ADMIN:
        raise PermissionDenied("only administrators create administrators")
    organisation_id = options.pop("organisation_id", None)
    organisation = session().get(Organisation, organisation_id) if organisation_id is not None else None
    if organisation_id is not None and organisation is None:
        raise ValidationError("unknown organisation", {"organisation_id": ["unknown organisation"]})
    return create_person(email, role, name, organisation=organisation, **options)  # type: ignore[arg-type]


def update_person(actor: Person, person_id: int, **changes: object) -> Person:
    """Change a person: administrators anything; anyone their own name, language, time zone, reminder mode."""
    person = session().get(Person, person_id)
    if person is None:
        raise NotFound("no such person")
    if actor.role is not PersonRole.ADMIN and (person.id != actor.id or set(changes) - _SELF_FIELDS):
        raise PermissionDenied("you may change only your own name, language, time zone and reminder mode")
    problems = _person_problems(changes)
    if problems:
        raise ValidationError("the person cannot be changed", problems)
    for field, value in changes.items():
        setattr(person, field, value)
    session().flush()
    return person


def _person_problems(changes: dict[str, object]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if "timezone" in changes:
        try:
            ZoneInfo(str(changes["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            problems["timezone"] = [f"unknown time zone {changes['timezone']!r}"]
    if "name" in changes and not 1 <= len(str(changes["name"]).strip()) <= 200:
        problems["name"] = ["give a name of 1 to 200 characters"]
    organisation_id = changes.get("organisation_id")
    if organisation_id is not None and session().get(Organisation, organisation_id) is None:
        problems["organisation_id"] = ["unknown organisation"]
    return problems
