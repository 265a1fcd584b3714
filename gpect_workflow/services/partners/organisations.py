"""Territories and organisations of the directory: looked up or created by their natural keys, added and
changed by project leads and administrators."""

from __future__ import annotations

from typing import TypedDict, Unpack

import sqlalchemy as sa

from ...errors import NotFound, ValidationError
from ...models import Organisation, OrganisationKind, Person, Territory
from ...refusals import NAME_LENGTH, NAME_TAKEN, UNKNOWN_TERRITORY, Refusal
from ...validation import collect, normalise_email
from ..access import require_directory_manager
from ..context import now, session


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
        raise ValidationError(Refusal.INVALID_INPUT, problems)
    territory = session().get(Territory, territory_id) if territory_id is not None else None
    if ensure_organisation_exists(name, territory_id):
        raise ValidationError(Refusal.INVALID_INPUT, {"name": [NAME_TAKEN]})
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
        problems["name"] = [NAME_LENGTH]
    if territory_id is not None and session().get(Territory, territory_id) is None:
        problems["territory_id"] = [UNKNOWN_TERRITORY]
    if email:
        collect(problems, normalise_email, email)
    return problems


class OrganisationChanges(TypedDict, total=False):
    """What ``update_organisation`` may change; a field left out keeps its value."""

    name: str
    kind: str
    territory_id: int | None
    email: str | None


def update_organisation(actor: Person, organisation_id: int, **changes: Unpack[OrganisationChanges]) -> Organisation:
    """Change an organisation's name, kind, territory or address (leads and administrators)."""
    require_directory_manager(actor)
    organisation = session().get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(Refusal.NO_SUCH_ORGANISATION)
    name = str(changes.get("name", organisation.name)).strip()
    territory_id = changes.get("territory_id", organisation.territory_id)
    email = changes.get("email", organisation.email)
    problems = _organisation_problems(name, territory_id, email)
    if not problems and _name_taken(name, territory_id, organisation.id):
        problems["name"] = [NAME_TAKEN]
    if problems:
        raise ValidationError(Refusal.INVALID_INPUT, problems)
    organisation.name, organisation.territory_id = name, territory_id
    organisation.email = normalise_email(email) if email else None
    if "kind" in changes:
        organisation.kind = OrganisationKind(changes["kind"])
    try:
        session().flush()
    except sa.exc.IntegrityError as error:  # the (name, territory) key, taken by someone at the same moment
        raise ValidationError(Refusal.INVALID_INPUT, {"name": [NAME_TAKEN]}) from error
    return organisation


def _name_taken(name: str, territory_id: int | None, except_id: int) -> bool:
    """Whether another organisation of that territory has that name (the table's unique key)."""
    on_territory = (
        Organisation.territory_id.is_(None) if territory_id is None else Organisation.territory_id == territory_id
    )
    query = sa.select(Organisation.id).where(Organisation.name == name, on_territory, Organisation.id != except_id)
    return session().scalar(query.limit(1)) is not None
