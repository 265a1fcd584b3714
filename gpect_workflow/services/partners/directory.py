"""Territories, organisations and people: looked up or created by their natural keys."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload
from werkzeug.security import generate_password_hash

from ...errors import NotFound, PermissionDenied, ValidationError
from ...models import (
    Language,
    Organisation,
    OrganisationKind,
    Person,
    PersonRole,
    ReminderMode,
    Territory,
)
from ...validation import check_timezone, collect, normalise_email
from ..access import can_create_role, can_edit_people, require_directory_manager, visible_people
from ..context import now, session
from ..paging import Page, paginate


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
    """The organisation called ``name`` on ``territory``, created when missing; ``email`` obeys the address rule."""
    email = normalise_email(email) if email else None
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


def active_person(person_id: int) -> Person | None:
    """The person with this id when their account is active: whom a session or an emailed link acts as."""
    person = session().get(Person, person_id)
    return person if person is not None and person.is_active else None


def get_person(person_id: int) -> Person:
    """One person of the directory (``NotFound`` when there is none)."""
    person = session().get(Person, person_id)
    if person is None:
        raise NotFound("no such person")
    return person


def find_person(email: str) -> Person | None:
    """The person with this address, if any; an address the rule refuses raises ``ValidationError``."""
    return session().scalar(sa.select(Person).where(Person.email == normalise_email(email)))


def create_person(
    email: str,
    role: PersonRole,
    name: str | None = None,
    *,
    password: str | None = None,
    organisation: Organisation | None = None,
    language: Language = Language.FR,
    timezone: str | None = None,
    reminder_mode: ReminderMode = ReminderMode.IMMEDIATE,
    is_referent: bool = False,
) -> Person:
    """Create an account (in ``DEFAULT_TIMEZONE`` unless told); refused when the address or time zone breaks its
    rule, the address is taken or the password is too weak."""
    problems: dict[str, list[str]] = {}
    address = collect(problems, normalise_email, email)
    zone = collect(problems, check_timezone, timezone or current_app.config["DEFAULT_TIMEZONE"])
    if address is not None and find_person(address) is not None:
        problems["email"] = [f"{address} already has an account"]
    if password is not None and len(password) < 10:
        problems["password"] = ["use at least 10 characters"]
    if problems or address is None or zone is None:
        raise ValidationError("the person cannot be created", problems)
    person = Person(
        email=address,
        name=(name or address.split("@")[0]).strip(),
        role=role,
        organisation_id=organisation.id if organisation else None,
        language=language,
        timezone=zone,
        reminder_mode=reminder_mode,
        is_referent=is_referent,
        password_hash=generate_password_hash(password) if password else None,
        is_active=True,
        created_dt=now(),
    )
    session().add(person)
    session().flush()
    return person


_REFERENT_TAKEN = "the organisation already has a referent"
_SELF_FIELDS = {"name", "language", "timezone", "reminder_mode"}


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
    require_directory_manager(actor)
    name = name.strip()
    problems = _organisation_problems(name, territory_id, email)
    if problems:
        raise ValidationError("the organisation cannot be created", problems)
    territory = session().get(Territory, territory_id) if territory_id is not None else None
    if ensure_organisation_exists(name, territory_id):
        raise ValidationError("already in the directory", {"name": [f"{name} is already in the directory"]})
    return ensure_organisation(name, kind, territory, email)


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
        collect(problems, normalise_email, email)
    return problems


def update_organisation(actor: Person, organisation_id: int, **changes: object) -> Organisation:
    """Change an organisation's name, kind, territory or address (leads and administrators)."""
    require_directory_manager(actor)
    organisation = session().get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("no such organisation")
    name = str(changes.get("name", organisation.name)).strip()
    territory_id = changes.get("territory_id", organisation.territory_id)
    email = changes.get("email", organisation.email)
    problems = _organisation_problems(name, territory_id, email)  # type: ignore[arg-type]
    if not problems and _name_taken(name, territory_id, organisation.id):  # type: ignore[arg-type]
        problems["name"] = ["another organisation of that territory has this name"]
    if problems:
        raise ValidationError("the organisation cannot be changed", problems)
    organisation.name, organisation.territory_id = name, territory_id  # type: ignore[assignment]
    organisation.email = normalise_email(email) if email else None  # type: ignore[arg-type]
    if "kind" in changes:
        organisation.kind = OrganisationKind(changes["kind"])
    try:
        session().flush()
    except sa.exc.IntegrityError as error:  # the (name, territory) key, taken by someone at the same moment
        raise ValidationError(
            "already in the directory", {"name": ["another organisation of that territory has this name"]}
        ) from error
    return organisation


def list_people(actor: Person, organisation_id: int | None = None) -> list[Person]:
    """People of the directory: all for leads, committees and administrators; a partner sees the people
    of the plans they take part in."""
    query = sa.select(Person).order_by(Person.name, Person.id)
    if organisation_id is not None:
        query = query.where(Person.organisation_id == organisation_id)
    return list(session().scalars(visible_people(query, actor)))


def create_person_as(actor: Person, email: str, role: PersonRole, name: str | None, **options: object) -> Person:
    """Add a person to the directory (leads and administrators; only administrators create administrators)."""
    require_directory_manager(actor)
    if not can_create_role(actor, role):
        raise PermissionDenied("only administrators create administrators")
    organisation_id = options.pop("organisation_id", None)
    organisation = session().get(Organisation, organisation_id) if organisation_id is not None else None
    if organisation_id is not None and organisation is None:
        raise ValidationError("unknown organisation", {"organisation_id": ["unknown organisation"]})
    if name is not None and len(name.strip()) > 200:
        raise ValidationError("name too long", {"name": ["give a name of 1 to 200 characters"]})
    if options.get("is_referent") and organisation is not None and _referent_of(organisation.id, None):
        raise ValidationError("the organisation has a referent", {"is_referent": [_REFERENT_TAKEN]})
    return create_person(email, role, name, organisation=organisation, **options)  # type: ignore[arg-type]


def update_person(actor: Person, person_id: int, **changes: object) -> Person:
    """Change a person: administrators anything; anyone their own name, language, time zone, reminder mode."""
    person = session().get(Person, person_id)
    if person is None:
        raise NotFound("no such person")
    if not can_edit_people(actor) and (person.id != actor.id or set(changes) - _SELF_FIELDS):
        raise PermissionDenied("you may change only your own name, language, time zone and reminder mode")
    problems = _person_problems(changes)
    if "organisation_id" not in problems and _would_be_second_referent(person, changes):
        problems["is_referent"] = [_REFERENT_TAKEN]
    if problems:
        raise ValidationError("the person cannot be changed", problems)
    if "timezone" in changes:
        changes["timezone"] = check_timezone(str(changes["timezone"]))
    for name, value in changes.items():
        setattr(person, name, value)
    session().flush()
    return person


def _person_problems(changes: dict[str, object]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if "timezone" in changes:
        collect(problems, check_timezone, str(changes["timezone"]))
    if "name" in changes and not 1 <= len(str(changes["name"]).strip()) <= 200:
        problems["name"] = ["give a name of 1 to 200 characters"]
    organisation_id = changes.get("organisation_id")
    if organisation_id is not None and session().get(Organisation, organisation_id) is None:
        problems["organisation_id"] = ["unknown organisation"]
    return problems


def _would_be_second_referent(person: Person, changes: dict[str, object]) -> bool:
    """Whether the changes make ``person`` referent of an organisation that already has one."""
    if "is_referent" not in changes and "organisation_id" not in changes:
        return False
    organisation_id = changes.get("organisation_id", person.organisation_id)
    is_referent = changes.get("is_referent", person.is_referent)
    return bool(is_referent) and organisation_id is not None and _referent_of(organisation_id, person.id)  # type: ignore[arg-type]


def _referent_of(organisation_id: int, except_person_id: int | None) -> bool:
    """Whether someone other than ``except_person_id`` is the organisation's referent."""
    query = sa.select(Person.id).where(Person.organisation_id == organisation_id, Person.is_referent.is_(True))
    if except_person_id is not None:
        query = query.where(Person.id != except_person_id)
    return session().scalar(query.limit(1)) is not None


def _name_taken(name: str, territory_id: int | None, except_id: int) -> bool:
    """Whether another organisation of that territory has that name (the table's unique key)."""
    on_territory = (
        Organisation.territory_id.is_(None) if territory_id is None else Organisation.territory_id == territory_id
    )
    query = sa.select(Organisation.id).where(Organisation.name == name, on_territory, Organisation.id != except_id)
    return session().scalar(query.limit(1)) is not None


# --------------------------------------------------------------------------------------------------------------
# The directory, a page at a time (the web pages; a fixed number of queries whatever the size)
# --------------------------------------------------------------------------------------------------------------

#: ``DirectoryFilters.territory_id`` meaning "regional or national bodies, on no territory".
NO_TERRITORY = 0


@dataclass(frozen=True, slots=True)
class DirectoryFilters:
    """Filters of the directory; empty or ``None`` means any."""

    #: Part of a name (organisations) or of a name or address (people), any case.
    search: str = ""
    #: A territory id, ``NO_TERRITORY`` for organisations on none, ``None`` for any.
    territory_id: int | None = None
    kind: OrganisationKind | None = None
    #: One organisation only (its people, on the organisation's page).
    organisation_id: int | None = None


@dataclass(frozen=True, slots=True)
class OrganisationPage(Page[Organisation]):
    """A page of organisations with, for each, the people the reader sees and its referent."""

    #: How many people of each organisation the reader sees, by organisation id.
    people_counts: dict[int, int] = field(default_factory=dict)
    #: Each organisation's referent (when the reader sees them), by organisation id.
    referents: dict[int, Person] = field(default_factory=dict)

    @property
    def organisations(self) -> list[Organisation]:
        """The organisations of the page."""
        return self.items


@dataclass(frozen=True, slots=True)
class PeoplePage(Page[Person]):
    """A page of the people the reader sees, with their organisation and its territory loaded."""

    @property
    def people(self) -> list[Person]:
        """The people of the page."""
        return self.items


def list_territories() -> list[Territory]:
    """Every territory, by name (a few hundred at most: the directory's filter and forms list them)."""
    return list(session().scalars(sa.select(Territory).order_by(Territory.name, Territory.id)))


def organisations_of_territory(territory_id: int | None) -> list[Organisation]:
    """The organisations of one territory (``None``: of none), by name: what a form offers to choose from."""
    on_territory = (
        Organisation.territory_id.is_(None) if territory_id is None else Organisation.territory_id == territory_id
    )
    return list(session().scalars(sa.select(Organisation).where(on_territory).order_by(Organisation.name)))


def get_organisation(actor: Person, organisation_id: int) -> Organisation:
    """One organisation of the directory, with its territory (every signed-in person may read it)."""
    query = (
        sa.select(Organisation).options(joinedload(Organisation.territory)).where(Organisation.id == organisation_id)
    )
    organisation = session().scalar(query)
    if organisation is None:
        raise NotFound("no such organisation")
    return organisation


def directory_organisations(actor: Person, filters: DirectoryFilters, page: int, per_page: int) -> OrganisationPage:
    """A page of organisations, by territory then name; counts and referents only of people ``actor`` sees."""
    query = _filtered_organisations(sa.select(Organisation), filters)
    ordered = (
        query.outerjoin(Territory, Territory.id == Organisation.territory_id)
        .options(joinedload(Organisation.territory))
        .order_by(Territory.name.is_(None), Territory.name, Organisation.name, Organisation.id)
    )
    found = paginate(query, ordered, page, per_page, keep_within=True)
    ids = [organisation.id for organisation in found.items]
    counted = sa.select(Person.organisation_id, sa.func.count()).where(Person.organisation_id.in_(ids))
    counts = session().execute(visible_people(counted, actor).group_by(Person.organisation_id))
    referents = sa.select(Person).where(Person.organisation_id.in_(ids), Person.is_referent.is_(True))
    return OrganisationPage(
        found.items,
        found.page,
        found.per_page,
        found.total,
        {organisation_id: int(count) for organisation_id, count in counts},
        {person.organisation_id: person for person in session().scalars(visible_people(referents, actor))},
    )


def directory_people(actor: Person, filters: DirectoryFilters, page: int, per_page: int) -> PeoplePage:
    """A page of the people ``actor`` may see (the rule of ``list_people``), by name."""
    query = sa.select(Person).outerjoin(Organisation, Organisation.id == Person.organisation_id)
    if filters.search.strip():
        term = filters.search.strip()
        query = query.where(
            sa.or_(Person.name.icontains(term, autoescape=True), Person.email.icontains(term, autoescape=True))
        )
    on_organisations = DirectoryFilters("", filters.territory_id, filters.kind, filters.organisation_id)
    query = visible_people(_filtered_organisations(query, on_organisations), actor)
    ordered = query.options(joinedload(Person.organisation).joinedload(Organisation.territory)).order_by(
        Person.name, Person.id
    )
    found = paginate(query, ordered, page, per_page, keep_within=True)
    return PeoplePage(found.items, found.page, found.per_page, found.total)


def _filtered_organisations(query: sa.Select, filters: DirectoryFilters) -> sa.Select:  # type: ignore[type-arg]
    """``query`` (on ``Organisation``, or joined to it) narrowed by the filters' name, territory and kind."""
    if filters.search.strip():
        query = query.where(Organisation.name.icontains(filters.search.strip(), autoescape=True))
    if filters.territory_id == NO_TERRITORY:
        query = query.where(Organisation.territory_id.is_(None))
    elif filters.territory_id is not None:
        query = query.where(Organisation.territory_id == filters.territory_id)
    if filters.kind is not None:
        query = query.where(Organisation.kind == filters.kind)
    if filters.organisation_id is not None:
        query = query.where(Organisation.id == filters.organisation_id)
    return query
