"""The plans list: the plans a person may see, filtered, newest first, a page at a time, with their progress.

Its filters are the committee page's and the API's too (``PlanFilters``, ``filter_plans``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.elements import ColumnElement

from ...engine.progress import Progress
from ...models import (
    OPEN_TASK_STATUSES,
    Person,
    Plan,
    PlanStatus,
    Task,
    Territory,
)
from ..access import is_active_admin, plans_visible_to, visible_plans
from ..context import now, session
from ..definitions import Definitions, definitions_of_records, list_definition_records
from ..paging import Page, counted_page_of_keys, paginate
from ..zones import known_zone, stored_plan_zones
from .progress import plans_progress


@dataclass(frozen=True, slots=True)
class PlanFilters:
    """Filters of plan lists; ``None`` means any."""

    territory_id: int | None = None
    definition_key: str | None = None
    status: PlanStatus | None = None
    stage_key: str | None = None
    late: bool | None = None


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """A plan and its progress: a row of a list, as the API answers it."""

    plan: Plan
    progress: Progress


@dataclass(frozen=True, slots=True)
class PlanList(Page[Plan]):
    """A page of plans with their progress."""

    #: Progress by plan id.
    progress: dict[int, Progress] = field(default_factory=dict)

    @property
    def plans(self) -> list[Plan]:
        """The plans of the page, newest first."""
        return self.items

    @property
    def summaries(self) -> list[PlanSummary]:
        """Each plan of the page with its progress."""
        return [PlanSummary(plan, self.progress.get(plan.id, Progress())) for plan in self.items]


def list_plans(person: Person, filters: PlanFilters, page: int = 1, per_page: int = 25) -> PlanList:
    """A page of the plans the person may see, filtered, newest first, with their progress (two statements
    whatever the size for most readers, three for an administrator).

    For a reader who sees some plans, the page's plans are chosen and counted in one statement
    (``counted_page_of_keys``: a window counts the plans before the limit), and only those 25 are joined to
    their territory and lead: counted apart, the visible plans were found twice per page (2.3 ms of a lead's
    12 ms at 10,000 plans). An administrator sees every plan, with no visibility condition: the page is read
    from the index of plans by creation and the plans counted apart, where a window would read every plan
    stored to count them (30 ms at 100,000 plans, against 9 ms for ``count(*)`` and 0.1 ms for the page).

    A page past the last is empty, with the whole count: the plans page sends its reader to the last one, the
    API answers it.
    """
    loaded = sa.select(Plan).options(joinedload(Plan.territory), joinedload(Plan.lead)).order_by(*_NEWEST_FIRST)
    if is_active_admin(person):
        query = filter_plans(sa.select(Plan), filters)
        found = paginate(query, filter_plans(loaded, filters), page, per_page)
    else:
        query = filter_plans(sa.select(Plan).where(Plan.id.in_(visible_plans(person))), filters)
        chosen = query.with_only_columns(Plan.id).order_by(*_NEWEST_FIRST)
        found = counted_page_of_keys(chosen, loaded, Plan.id, page, per_page, keep_within=False)
    return PlanList(found.items, found.page, found.per_page, found.total, plans_progress(found.items))


#: The plans list's order: the newest first (``ix_gpect_plans_created_dt``), the id breaking ties.
_NEWEST_FIRST = (Plan.created_dt.desc(), Plan.id.desc())


def filter_plans(query: sa.Select[Plan], filters: PlanFilters) -> sa.Select[Plan]:
    """``query`` over plans narrowed by ``filters`` (the plans list's, the committee's, the API's)."""
    if filters.territory_id is not None:
        query = query.where(Plan.territory_id == filters.territory_id)
    if filters.definition_key is not None:
        query = query.where(Plan.definition_key == filters.definition_key)
    if filters.status is not None:
        query = query.where(Plan.status == filters.status)
    if filters.stage_key is not None:
        query = query.where(Plan.current_stage_key == filters.stage_key)
    if filters.late is not None:
        today = _plan_today()
        late = sa.exists().where(Task.plan_id == Plan.id, Task.status.in_(OPEN_TASK_STATUSES), Task.due_date < today)
        query = query.where(late if filters.late else ~late)
    return query


def _plan_today() -> ColumnElement[date]:
    """Today in each plan's time zone, as SQL over ``Plan.timezone`` (as progress counts overdue tasks)."""
    instant = now()
    default = sa.literal(instant.astimezone(ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])).date(), sa.Date)
    # A stored name the rule refuses (an old row) counts in the default zone, like the pages read it.
    zones = {name: zone for name in stored_plan_zones() if (zone := known_zone(name))}
    if not zones:
        return default
    whens = [
        (Plan.timezone == name, sa.literal(instant.astimezone(zone).date(), sa.Date)) for name, zone in zones.items()
    ]
    return sa.case(*whens, else_=default)


@dataclass(frozen=True, slots=True)
class PlanListChoices:
    """What the plans list may be filtered by, for one person."""

    #: Territories of the plans the person may see, by name.
    territories: list[Territory]
    #: Every registered definition version, by key and version.
    definitions: Definitions


def plan_list_choices(person: Person) -> PlanListChoices:
    """The territories and definitions the plans list offers as filters (two queries)."""
    territories = session().scalars(_territories_statement(is_active_admin(person)), {"gpect_person_id": person.id})
    return PlanListChoices(list(territories), definitions_of_records(list_definition_records()))


@lru_cache(maxsize=2)
def _territories_statement(admin: bool) -> sa.Select[Territory]:
    """The territories having a plan the person (``gpect_person_id``) may see, by name: built once per process
    for administrators and for the others. Asked of each territory (a few dozen, each an index probe on the
    plans' territory that stops at the first plan seen) rather than by collecting the territory of every plan
    seen: at 10,000 plans that read every plan for an administrator (9.6 ms) and 2,400 for a lead."""
    on_territory = Plan.territory_id == Territory.id
    seen = (
        on_territory
        if admin
        else sa.and_(on_territory, Plan.id.in_(plans_visible_to(sa.bindparam("gpect_person_id"), admin=False)))
    )
    return sa.select(Territory).where(sa.exists().where(seen)).order_by(Territory.name, Territory.id)
