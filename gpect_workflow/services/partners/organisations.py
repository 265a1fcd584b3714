"""Territories and organisations of the directory: looked up or created by their natural keys, added and
changed by project leads and administrators.

An organisation's scope says where it acts: on its one territory, on every territory of a region (the
region named as territories name it, ``Territory.region``), or everywhere. Its name is unique within that
scope; a name that folds to the same words as one acting on an overlapping place (``names``) is a likely
duplicate, refused unless the person confirms it is another organisation.
"""

from __future__ import annotations

from typing import TypedDict, Unpack

import sqlalchemy as sa

from ...errors import NotFound, ValidationError
from ...models import Organisation, OrganisationKind, OrganisationScope, Person, Territory
from ...refusals import (
    NAME_LENGTH,
    NAME_TAKEN,
    REGION_NEEDED,
    REGION_NOT_FOR_SCOPE,
    SIMILAR_ORGANISATION,
    TERRITORY_NEEDED,
    TERRITORY_NOT_FOR_SCOPE,
    UNKNOWN_REGION,
    UNKNOWN_SCOPE,
    UNKNOWN_TERRITORY,
    Refusal,
)
from ...validation import collect, normalise_email
from ..access import require_directory_manager
from ..context import now, session
from .names import normalised_name


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
    name: str,
    kind: OrganisationKind,
    territory: Territory | None,
    email: str | None = None,
    *,
    region: str | None = None,
) -> Organisation:
    """The organisation called ``name`` on ``territory`` (or, with ``region``, serving that region; with
    neither, national), created when missing; ``email`` obeys the address rule."""
    email = normalise_email(email) if email else None
    scope = _scope_of(territory.id if territory else None, region)
    territory_id = territory.id if territory else None
    organisation = session().scalar(sa.select(Organisation).where(_same_scope(name, scope, territory_id, region)))
    if organisation is None:
        organisation = Organisation(
            name=name, kind=kind, scope=scope, territory_id=territory_id, region=region, created_dt=now()
        )
        session().add(organisation)
    organisation.kind, organisation.email = kind, email
    session().flush()
    return organisation


def _scope_of(territory_id: int | None, region: str | None) -> OrganisationScope:
    """The scope an organisation placed so has when none is named (callers that predate scopes)."""
    if territory_id is not None:
        return OrganisationScope.TERRITORY
    return OrganisationScope.REGION if region else OrganisationScope.NATIONAL


def _same_scope(
    name: str, scope: OrganisationScope, territory_id: int | None, region: str | None
) -> sa.ColumnElement[bool]:
    """The organisations of exactly that name and scope (what the unique indexes key on)."""
    condition = sa.and_(Organisation.name == name, Organisation.scope == scope)
    if scope is OrganisationScope.TERRITORY:
        return sa.and_(condition, Organisation.territory_id == territory_id)
    if scope is OrganisationScope.REGION:
        return sa.and_(condition, Organisation.region == region)
    return condition


def list_regions() -> list[str]:
    """The regions territories lie in, by name: those a region-wide organisation may serve."""
    query = sa.select(Territory.region).where(Territory.region.is_not(None)).distinct().order_by(Territory.region)
    return [region for region in session().scalars(query) if region]


def list_organisations(actor: Person, territory_id: int | None = None) -> list[Organisation]:
    """The partners directory's organisations (every signed-in person may read it)."""
    query = sa.select(Organisation).order_by(Organisation.name, Organisation.id)
    if territory_id is not None:
        query = query.where(Organisation.territory_id == territory_id)
    return list(session().scalars(query))


def create_organisation(
    actor: Person,
    name: str,
    kind: OrganisationKind,
    territory_id: int | None,
    email: str | None = None,
    *,
    scope: str | None = None,
    region: str | None = None,
    allow_similar: bool = False,
) -> Organisation:
    """Add an organisation to the directory (leads and administrators).

    Without ``scope`` it acts on its territory, or nationally when it has none. A name like that of an
    organisation acting on an overlapping place is refused (``SIMILAR_IN_DIRECTORY``, naming it) unless
    ``allow_similar``: the person confirmed it is another one.
    """
    require_directory_manager(actor)
    name = name.strip()
    scope = scope if scope is not None else _scope_of(territory_id, region)
    problems = _organisation_problems(name, scope, territory_id, region, email)
    if problems:
        raise ValidationError(Refusal.INVALID_INPUT, problems)
    place = OrganisationScope(scope)
    if session().scalar(sa.select(Organisation.id).where(_same_scope(name, place, territory_id, region))):
        raise ValidationError(Refusal.INVALID_INPUT, {"name": [NAME_TAKEN]})
    if not allow_similar:
        _refuse_similar(name, place, territory_id, region, None)
    organisation = Organisation(
        name=name, kind=kind, scope=place, territory_id=territory_id, region=region, created_dt=now()
    )
    organisation.email = normalise_email(email) if email else None
    session().add(organisation)
    _flush_keyed()
    return organisation


def similar_organisation(
    name: str, scope: OrganisationScope, territory_id: int | None, region: str | None, except_id: int | None = None
) -> Organisation | None:
    """An organisation whose name folds to the same words as ``name`` and that acts on a place the scope
    overlaps: the same territory, the region around it, the territories within it, or the country."""
    wanted = normalised_name(name)
    query = sa.select(Organisation.id, Organisation.name).where(_overlapping(scope, territory_id, region))
    if except_id is not None:
        query = query.where(Organisation.id != except_id)
    for organisation_id, other in session().execute(query.order_by(Organisation.id)):
        if normalised_name(other) == wanted:
            return session().get(Organisation, organisation_id)
    return None


def _overlapping(scope: OrganisationScope, territory_id: int | None, region: str | None) -> sa.ColumnElement[bool]:
    """Organisations acting on a place that the scope's place overlaps."""
    national = Organisation.scope == OrganisationScope.NATIONAL
    if scope is OrganisationScope.NATIONAL:
        return sa.true()
    if scope is OrganisationScope.TERRITORY:
        region = session().scalar(sa.select(Territory.region).where(Territory.id == territory_id))
        same = sa.and_(Organisation.scope == OrganisationScope.TERRITORY, Organisation.territory_id == territory_id)
        return sa.or_(same, national, _of_region(region))
    within = sa.select(Territory.id).where(Territory.region == region).scalar_subquery()
    inside = sa.and_(Organisation.scope == OrganisationScope.TERRITORY, Organisation.territory_id.in_(within))
    return sa.or_(national, _of_region(region), inside)


def _of_region(region: str | None) -> sa.ColumnElement[bool]:
    if not region:
        return sa.false()
    return sa.and_(Organisation.scope == OrganisationScope.REGION, Organisation.region == region)


def _refuse_similar(
    name: str, scope: OrganisationScope, territory_id: int | None, region: str | None, except_id: int | None
) -> None:
    similar = similar_organisation(name, scope, territory_id, region, except_id)
    if similar is not None:
        raise ValidationError(
            Refusal.SIMILAR_IN_DIRECTORY,
            {"name": [SIMILAR_ORGANISATION]},
            similar=similar.name,
            similar_id=similar.id,
        )


def _organisation_problems(
    name: str, scope: str, territory_id: int | None, region: str | None, email: str | None
) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if not 1 <= len(name) <= 200:
        problems["name"] = [NAME_LENGTH]
    problems.update(_scope_problems(scope, territory_id, region))
    if email:
        collect(problems, normalise_email, email)
    return problems


def _scope_problems(scope: str, territory_id: int | None, region: str | None) -> dict[str, list[str]]:
    """What is wrong with an organisation's place: each scope needs its own column, and only it."""
    if scope not in {member.value for member in OrganisationScope}:
        return {"scope": [UNKNOWN_SCOPE]}
    problems: dict[str, list[str]] = {}
    if scope == OrganisationScope.TERRITORY and territory_id is None:
        problems["territory_id"] = [TERRITORY_NEEDED]
    elif scope != OrganisationScope.TERRITORY and territory_id is not None:
        problems["territory_id"] = [TERRITORY_NOT_FOR_SCOPE]
    elif territory_id is not None and session().get(Territory, territory_id) is None:
        problems["territory_id"] = [UNKNOWN_TERRITORY]
    if scope == OrganisationScope.REGION and not region:
        problems["region"] = [REGION_NEEDED]
    elif scope != OrganisationScope.REGION and region:
        problems["region"] = [REGION_NOT_FOR_SCOPE]
    elif region and region not in list_regions():
        problems["region"] = [UNKNOWN_REGION]
    return problems


class OrganisationChanges(TypedDict, total=False):
    """What ``update_organisation`` may change; a field left out keeps its value."""

    name: str
    kind: str
    scope: str
    territory_id: int | None
    region: str | None
    email: str | None
    allow_similar: bool


def update_organisation(actor: Person, organisation_id: int, **changes: Unpack[OrganisationChanges]) -> Organisation:
    """Change an organisation's name, kind, scope, place or address (leads and administrators).

    Changing the scope alone clears the place the new scope does not use; a new territory without a scope
    makes the organisation act on that territory. A new name or place like another's is refused as in
    ``create_organisation`` unless ``allow_similar``.
    """
    require_directory_manager(actor)
    organisation = session().get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(Refusal.NO_SUCH_ORGANISATION)
    name = str(changes.get("name", organisation.name)).strip()
    scope, territory_id, region = _new_place(organisation, changes)
    email = changes.get("email", organisation.email)
    problems = _organisation_problems(name, scope, territory_id, region, email)
    if not problems and _name_taken(name, OrganisationScope(scope), territory_id, region, organisation.id):
        problems["name"] = [NAME_TAKEN]
    if problems:
        raise ValidationError(Refusal.INVALID_INPUT, problems)
    place = OrganisationScope(scope)
    moved = (name, place, territory_id, region) != (
        organisation.name,
        organisation.scope,
        organisation.territory_id,
        organisation.region,
    )
    if moved and not changes.get("allow_similar"):
        _refuse_similar(name, place, territory_id, region, organisation.id)
    organisation.name, organisation.scope = name, place
    organisation.territory_id, organisation.region = territory_id, region
    organisation.email = normalise_email(email) if email else None
    if "kind" in changes:
        organisation.kind = OrganisationKind(changes["kind"])
    _flush_keyed()
    return organisation


def _new_place(organisation: Organisation, changes: OrganisationChanges) -> tuple[str, int | None, str | None]:
    """The scope, territory and region an organisation has after ``changes``."""
    territory_id = changes.get("territory_id", organisation.territory_id)
    region = changes.get("region", organisation.region)
    if "scope" in changes:
        scope = str(changes["scope"])
        if "territory_id" not in changes and scope != OrganisationScope.TERRITORY:
            territory_id = None
        if "region" not in changes and scope != OrganisationScope.REGION:
            region = None
    elif "territory_id" in changes or "region" in changes:
        scope = _scope_of(territory_id, region)
        if territory_id is not None and "region" not in changes:
            region = None
    else:
        scope = organisation.scope.value
    return scope, territory_id, region


def _flush_keyed() -> None:
    """Flush; the name's unique key taken by someone at the same moment is the form's ``NAME_TAKEN``."""
    try:
        session().flush()
    except sa.exc.IntegrityError as error:
        raise ValidationError(Refusal.INVALID_INPUT, {"name": [NAME_TAKEN]}) from error


def _name_taken(
    name: str, scope: OrganisationScope, territory_id: int | None, region: str | None, except_id: int
) -> bool:
    """Whether another organisation of that scope and place has that name (the table's unique keys)."""
    query = sa.select(Organisation.id).where(
        _same_scope(name, scope, territory_id, region), Organisation.id != except_id
    )
    return session().scalar(query.limit(1)) is not None
