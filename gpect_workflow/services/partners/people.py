"""People of the directory: found by their address, created with the rules of every entry, changed by
themselves or by administrators, one referent per organisation."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from ...errors import NotFound, PermissionDenied, ValidationError
from ...models import Language, Organisation, Person, PersonRole, ReminderMode
from ...refusals import ADDRESS_TAKEN, NAME_LENGTH, REFERENT_TAKEN, SIMILAR_PERSON, UNKNOWN_ORGANISATION, Refusal
from ...validation import check_timezone, collect, normalise_email
from ..access import can_create_role, can_edit_people, require_directory_manager, visible_people
from ..accounts.password_policy import password_problems
from ..accounts.passwords import hash_password
from ..accounts.sessions import end_sessions
from ..context import now, session
from .names import normalised_name


def active_person(person_id: int) -> Person | None:
    """The person with this id when their account is active: whom a session or an emailed link acts as."""
    person = session().get(Person, person_id)
    return person if person is not None and person.is_active else None


def get_person(person_id: int) -> Person:
    """One person of the directory (``NotFound`` when there is none)."""
    person = session().get(Person, person_id)
    if person is None:
        raise NotFound(Refusal.NO_SUCH_PERSON)
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
        problems["email"] = [ADDRESS_TAKEN]
    if password is not None and (weak := password_problems(password, email=email, name=name or "")):
        problems["password"] = weak
    if problems or address is None or zone is None:
        raise ValidationError(Refusal.INVALID_INPUT, problems)
    person = Person(
        email=address,
        name=(name or address.split("@")[0]).strip(),
        role=role,
        organisation_id=organisation.id if organisation else None,
        language=language,
        timezone=zone,
        reminder_mode=reminder_mode,
        is_referent=is_referent,
        password_hash=hash_password(password) if password else None,
        is_active=True,
        created_dt=now(),
    )
    session().add(person)
    session().flush()
    return person


_SELF_FIELDS = {"name", "language", "timezone", "reminder_mode"}


def list_people(actor: Person, organisation_id: int | None = None) -> list[Person]:
    """People of the directory: all for leads, committees and administrators; a partner sees the people
    of the plans they take part in."""
    query = sa.select(Person).order_by(Person.name, Person.id)
    if organisation_id is not None:
        query = query.where(Person.organisation_id == organisation_id)
    return list(session().scalars(visible_people(query, actor)))


def create_person_as(
    actor: Person, email: str, role: PersonRole, name: str | None, allow_similar: bool = False, **options: object
) -> Person:
    """Add a person to the directory (leads and administrators; only administrators create administrators).

    Someone of the same organisation whose name folds to the same words is a likely duplicate: refused
    (``SIMILAR_IN_DIRECTORY``, naming them) unless ``allow_similar``, the person adding confirmed it.
    """
    require_directory_manager(actor)
    if not can_create_role(actor, role):
        raise PermissionDenied(Refusal.ADMINISTRATORS_CREATE_ADMINISTRATORS)
    organisation_id = options.pop("organisation_id", None)
    organisation = session().get(Organisation, organisation_id) if organisation_id is not None else None
    if organisation_id is not None and organisation is None:
        raise ValidationError(Refusal.INVALID_INPUT, {"organisation_id": [UNKNOWN_ORGANISATION]})
    if name is not None and len(name.strip()) > 200:
        raise ValidationError(Refusal.INVALID_INPUT, {"name": [NAME_LENGTH]})
    if options.get("is_referent") and organisation is not None and _referent_of(organisation.id, None):
        raise ValidationError(Refusal.INVALID_INPUT, {"is_referent": [REFERENT_TAKEN]})
    if name and organisation is not None and not allow_similar and not _address_known(email):
        similar = similar_person(name, organisation.id)
        if similar is not None:
            raise ValidationError(
                Refusal.SIMILAR_IN_DIRECTORY,
                {"name": [SIMILAR_PERSON]},
                similar=f"{similar.name} <{similar.email}>",
                similar_id=similar.id,
            )
    return create_person(email, role, name, organisation=organisation, **options)  # type: ignore[arg-type]


def _address_known(email: str) -> bool:
    """Whether the address is someone's (an address the rule refuses is nobody's: its own check tells why)."""
    try:
        return find_person(email) is not None
    except ValidationError:
        return False


def similar_person(name: str, organisation_id: int) -> Person | None:
    """Someone of the organisation whose name folds to the same words as ``name`` (a likely duplicate)."""
    wanted = normalised_name(name)
    query = sa.select(Person).where(Person.organisation_id == organisation_id).order_by(Person.id)
    return next((person for person in session().scalars(query) if normalised_name(person.name) == wanted), None)


def update_person(actor: Person, person_id: int, **changes: object) -> Person:
    """Change a person: administrators anything; anyone their own name, language, time zone, reminder mode."""
    person = session().get(Person, person_id)
    if person is None:
        raise NotFound(Refusal.NO_SUCH_PERSON)
    if not can_edit_people(actor) and (person.id != actor.id or set(changes) - _SELF_FIELDS):
        raise PermissionDenied(Refusal.OWN_PREFERENCES_ONLY)
    problems = _person_problems(changes)
    if "organisation_id" not in problems and _would_be_second_referent(person, changes):
        problems["is_referent"] = [REFERENT_TAKEN]
    if problems:
        raise ValidationError(Refusal.INVALID_INPUT, problems)
    if "timezone" in changes:
        changes["timezone"] = check_timezone(str(changes["timezone"]))
    if changes.get("is_active") is False and person.is_active:
        end_sessions(person)  # a deactivated person's open sessions end with the account
    for name, value in changes.items():
        setattr(person, name, value)
    session().flush()
    return person


def _person_problems(changes: dict[str, object]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if "timezone" in changes:
        collect(problems, check_timezone, str(changes["timezone"]))
    if "name" in changes and not 1 <= len(str(changes["name"]).strip()) <= 200:
        problems["name"] = [NAME_LENGTH]
    organisation_id = changes.get("organisation_id")
    if organisation_id is not None and session().get(Organisation, organisation_id) is None:
        problems["organisation_id"] = [UNKNOWN_ORGANISATION]
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
