"""The partners directory a page at a time: organisations by territory and kind, and the people the reader
may see, filtered and searched, in a fixed number of queries whatever its size."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TypeVarTuple

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ...errors import NotFound
from ...models import Organisation, OrganisationKind, OrganisationScope, Person, Territory
from ...refusals import Refusal
from ..access import visible_people
from ..context import session
from ..paging import Page, paginate

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
    #: Where the organisations act: one territory, a whole region, the country.
    scope: OrganisationScope | None = None


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


#: The columns a query selects, kept by the functions that only narrow it.
Columns = TypeVarTuple("Columns")


def list_territories() -> list[Territory]:
    """Every territory, by name (a few hundred at most: the directory's filter and forms list them)."""
    return list(session().scalars(_territories_statement()))


@cache
def _territories_statement() -> sa.Select[Territory]:
    return sa.select(Territory).order_by(Territory.name, Territory.id)


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
        raise NotFound(Refusal.NO_SUCH_ORGANISATION)
    return organisation


def directory_organisations(actor: Person, filters: DirectoryFilters, page: int, per_page: int) -> OrganisationPage:
    """A page of organisations, those of a territory first (by territory), then region-wide ones (by region),
    then national ones, each by name; counts and referents only of people ``actor`` sees."""
    query = _filtered_organisations(sa.select(Organisation), filters)
    scope_order = sa.case(
        (Organisation.scope == OrganisationScope.TERRITORY, 0),
        (Organisation.scope == OrganisationScope.REGION, 1),
        else_=2,
    )
    ordered = (
        query.outerjoin(Territory, Territory.id == Organisation.territory_id)
        .options(joinedload(Organisation.territory))
        .order_by(scope_order, Territory.name, Organisation.region, Organisation.name, Organisation.id)
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
        # Both queries keep people of the listed organisations: ``organisation_id`` is never None in them.
        {organisation_id: int(count) for organisation_id, count in counts if organisation_id is not None},
        {
            person.organisation_id: person
            for person in session().scalars(visible_people(referents, actor))
            if person.organisation_id is not None
        },
    )


def directory_people(actor: Person, filters: DirectoryFilters, page: int, per_page: int) -> PeoplePage:
    """A page of the people ``actor`` may see (the rule of ``list_people``), by name."""
    query = sa.select(Person).outerjoin(Organisation, Organisation.id == Person.organisation_id)
    if filters.search.strip():
        term = filters.search.strip()
        query = query.where(
            sa.or_(Person.name.icontains(term, autoescape=True), Person.email.icontains(term, autoescape=True))
        )
    on_organisations = DirectoryFilters("", filters.territory_id, filters.kind, filters.organisation_id, filters.scope)
    query = visible_people(_filtered_organisations(query, on_organisations), actor)
    ordered = query.options(joinedload(Person.organisation).joinedload(Organisation.territory)).order_by(
        Person.name, Person.id
    )
    found = paginate(query, ordered, page, per_page, keep_within=True)
    return PeoplePage(found.items, found.page, found.per_page, found.total)


def _filtered_organisations(query: sa.Select[*Columns], filters: DirectoryFilters) -> sa.Select[*Columns]:
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
    if filters.scope is not None:
        query = query.where(Organisation.scope == filters.scope)
    return query
