"""Territories, organisations and people: looked up or created by their natural keys."""

from __future__ import annotations

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from ..errors import ValidationError
from ..models import Language, Organisation, OrganisationKind, Person, PersonRole, ReminderMode, Territory
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
