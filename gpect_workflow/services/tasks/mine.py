"""My tasks: the tasks that are the person's, open and lately finished, with the changes one click makes.

A task is the person's when it is assigned to them, or unassigned and owned by a role they hold in the plan,
in plans they may see (``access``). The "my tasks" page lists them by urgency and the dashboard shows
the first overdue and soon-due ones; either costs a fixed number of queries whatever the number of plans and
tasks, and renders a bounded number of rows: each list (overdue, due soon, later, lately finished) is a
``Page``, counted whole and read a window at a time.

Whether a task is overdue depends on today in its plan's time zone. The zones of the person's plans are read
first (one short statement), then "today" and "today + horizon" become SQL ``CASE`` expressions on the plan's
zone, so the database sorts, counts and windows each list exactly as the page groups it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from ...engine.tasks import TASK_TRANSITIONS, allowed_targets
from ...models import (
    FINISHED_TASK_STATUSES,
    OPEN_TASK_STATUSES,
    Person,
    Plan,
    PlanStage,
    PlanStatus,
    RoleAssignmentMember,
    StageStatus,
    Task,
    TaskDependency,
    TaskStatus,
)
from ..access import is_active_admin, plan_row_visible_to
from ..context import now, session
from ..definitions import Definitions, definitions_for
from ..loading import plan_today
from ..paging import Page, within
from ..zones import stored_plan_zones, zone_or_default

#: "Due soon" means within this many days, in the plan's time zone.
HORIZON_DAYS = 14
#: Finished tasks stay on "my tasks" this many days.
RECENT_DAYS = 14
#: The status changes offered in one click on lists (the others need a form: a reason, an override).
QUICK_TARGETS = (TaskStatus.IN_PROGRESS, TaskStatus.DONE, TaskStatus.BLOCKED)


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One of my tasks with its plan and stage, as of today in the plan's time zone."""

    task: Task
    plan: Plan
    stage_key: str
    today: date
    #: The status changes offered in one click (only those the engine allows this person now).
    actions: tuple[TaskStatus, ...] = ()
    #: How many tasks this one waits for (unfinished prerequisites).
    waiting_on: int = 0

    @property
    def finished_on(self) -> date | None:
        """The day the task was finished, in the plan's time zone."""
        done = self.task.completed_dt
        return done.astimezone(zone_or_default(self.plan.timezone)).date() if done else None

    @property
    def is_open(self) -> bool:
        return self.task.status in OPEN_TASK_STATUSES

    @property
    def days_left(self) -> int:
        """Days until the deadline (negative once it has passed)."""
        return (self.task.due_date - self.today).days

    @property
    def days_late(self) -> int:
        """Days past the deadline of an open task (0 when not late)."""
        return max(-self.days_left, 0) if self.is_open else 0


class Urgency(StrEnum):
    """The lists of "my tasks", in the order the page shows them (also the name of each list's page number)."""

    OVERDUE = "overdue"
    DUE_SOON = "soon"
    LATER = "later"
    FINISHED = "finished"


#: My tasks with their plan, as the lists count and order them (the page's rows add the stage's key): the
#: columns of ``_MyTaskRows`` joined to their plan.
Work = sa.Select[Any]

#: My tasks meeting some conditions, as ``_my_task_rows`` reads them: the columns the lists count, order
#: and window (``id``, ``plan_id``, ``due_date``, ``completed_dt``).
_MyTaskRows = sa.Subquery

#: The open lists, in the order of ``_urgency``'s values (0, 1, 2).
OPEN_URGENCIES = (Urgency.OVERDUE, Urgency.DUE_SOON, Urgency.LATER)


def _empty_page() -> Page[WorkItem]:
    return Page([], 1, 1, 0)


@dataclass(frozen=True, slots=True)
class MyTasks:
    """My tasks, grouped as the "my tasks" page shows them: one page of each list, with its whole count."""

    overdue: Page[WorkItem] = field(default_factory=_empty_page)
    due_soon: Page[WorkItem] = field(default_factory=_empty_page)
    later: Page[WorkItem] = field(default_factory=_empty_page)
    recently_finished: Page[WorkItem] = field(default_factory=_empty_page)
    definitions: Definitions = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not (self.overdue.total or self.due_soon.total or self.later.total or self.recently_finished.total)

    def of(self, urgency: Urgency) -> Page[WorkItem]:
        """The page of one list."""
        return {
            Urgency.OVERDUE: self.overdue,
            Urgency.DUE_SOON: self.due_soon,
            Urgency.LATER: self.later,
            Urgency.FINISHED: self.recently_finished,
        }[urgency]


def _left_to_my_role(person_id: int | sa.BindParameter[int]) -> ColumnElement[bool]:
    """Unassigned tasks owned by a role the person holds in the plan, by the member's copy of its role's key
    (migration 0023): either each unassigned task probes the members' index, or each of the person's
    memberships looks up its role's unassigned tasks (migration 0028), whichever the planner finds cheaper."""
    holds_owner_role = (
        sa.select(RoleAssignmentMember.plan_id)
        .where(
            RoleAssignmentMember.person_id == person_id,
            RoleAssignmentMember.plan_id == Task.plan_id,
            RoleAssignmentMember.role_key == Task.owner_role,
        )
        .exists()
    )
    return sa.and_(Task.assignee_id.is_(None), holds_owner_role)


def my_tasks(person: Person, pages: dict[Urgency, int] | None = None, per_page: int = 25) -> MyTasks:
    """One page of each of my lists: open tasks overdue, due soon and later (with the changes I may make in
    one click), and those finished in the last days; ``pages`` gives the page of each list (the first by
    default; a page past a list's end shows its last page).

    A fixed number of statements whatever the data: the zones of my plans, the three open lists (counted and
    windowed in one statement, ``_pages``), the finished ones (one more), and the prerequisites of the rows
    shown."""
    asked = pages or {}
    finished = _pages(_finished_statement(person, per_page), _finished_values(person, asked), per_page)[0]
    found_open = _open_statement(person, _OPEN_PARTS, per_page)
    if found_open is None:
        return MyTasks(recently_finished=finished)
    statement, zones = found_open
    wanted = {value: asked.get(name, 1) for value, name in enumerate(OPEN_URGENCIES)}
    found = _pages(statement, _open_values(person, zones, wanted), per_page)
    shown = [item for value in wanted for item in found[value].items]
    waiting = _unfinished_prerequisites([item.task.id for item in shown])
    lists = {
        name: Page(
            [_with_actions(person, item, waiting.get(item.task.id, 0)) for item in found[value].items],
            found[value].page,
            per_page,
            found[value].total,
        )
        for value, name in enumerate(OPEN_URGENCIES)
    }
    return MyTasks(
        overdue=lists[Urgency.OVERDUE],
        due_soon=lists[Urgency.DUE_SOON],
        later=lists[Urgency.LATER],
        recently_finished=finished,
        definitions=definitions_for([item.plan for item in shown + finished.items]),
    )


@dataclass(frozen=True, slots=True)
class UrgentWork:
    """What the dashboard shows of my tasks."""

    #: The first of my overdue tasks and of those due soon, each with its whole count.
    overdue: Page[WorkItem]
    due_soon: Page[WorkItem]


def urgent_work(person: Person, limit: int) -> UrgentWork:
    """The first ``limit`` of my overdue tasks and of those due soon, each with its whole count (the
    dashboard; whether I have any open task at all is ``open_work_probe``, which the dashboard asks with its
    plans).

    The lists read only my open tasks due by the latest "today + horizon" of any zone (``_BOUND``), from the
    index (assignee, stage status, status, due date): a lead's tasks due later, most of them (2,251 of 2,572
    for a lead of 2,400 plans), are neither read nor checked against their plan."""
    found_open = _open_statement(person, (0, 1), limit, bounded=True)
    if found_open is None:
        return UrgentWork(_empty_page(), _empty_page())
    statement, zones = found_open
    values = _open_values(person, zones, {0: 1, 1: 1})
    found = _pages(statement, values | {_BOUND: max(values[f"{_HORIZON}{i}"] for i in range(len(zones)))}, limit)
    return UrgentWork(found[0], found[1])


def open_work_probe(admin: bool) -> sa.ColumnElement[bool]:
    """Whether the person (the bound parameter ``gpect_person_id``) has an open task of an open stage of an
    active plan they see, whenever it falls due: a column for a statement the page runs anyway (the
    dashboard's plans, which hold every plan such a task could belong to). Two ``EXISTS``, the tasks
    assigned to them first, each on its own index path: asked as one ``OR``, PostgreSQL walked the index of
    tasks by assignee past every closed stage's task to find the first open one (16 ms for a lead of 24,000
    plans at 100,000). Neither is correlated to the statement that carries them: they ask about every plan,
    not the row's."""
    person_id = sa.bindparam(_PERSON, type_=sa.Integer)
    open_work = (
        sa.select(Task.id)
        .join(Plan, Plan.id == Task.plan_id)
        .where(*_OPEN, plan_row_visible_to(person_id, admin=admin))
        .correlate(None)
    )
    assigned = open_work.where(Task.assignee_id == person_id).exists()
    return sa.or_(assigned, open_work.where(_left_to_my_role(person_id)).exists())


def _by_deadline(mine: _MyTaskRows) -> tuple[sa.ColumnElement[Any], ...]:
    """The order of the open lists: by deadline, then plan name."""
    return (mine.c.due_date.asc(), Plan.name.asc(), mine.c.id.asc())


def _latest_first(mine: _MyTaskRows) -> tuple[sa.ColumnElement[Any], ...]:
    """The order of the finished list: the latest first."""
    return (mine.c.completed_dt.desc(), mine.c.id.desc())


def _pages(
    statement: sa.Select[Task, Plan, str, int, int],
    values: dict[str, Any],
    per_page: int,
) -> dict[int, Page[WorkItem]]:
    """The pages ``statement`` (``_paged``'s) reads with ``values``: those asked (``gpect_page_<part>`` in
    ``values``), each with its whole count."""
    wanted = {int(key.removeprefix(_PAGE)): page for key, page in values.items() if key.startswith(_PAGE)}
    rows = session().execute(statement, values)
    items: dict[int, list[WorkItem]] = {value: [] for value in wanted}
    totals: dict[int, int] = dict.fromkeys(wanted, 0)
    for task, plan, stage_key, value, total in rows:
        totals[value] = total
        if value in items:
            items[value].append(WorkItem(task, plan, stage_key, plan_today(plan)))
    return {
        value: Page(items[value], within(wanted[value], totals[value], per_page), per_page, totals[value])
        for value in wanted
    }


#: The names of the statements' bound parameters: the person, the page asked of each part, the first
#: instant of the finished list, "today" and "today + horizon" in the n-th zone of ``_open_statement``.
_PERSON = "gpect_person_id"
_PAGE = "gpect_page_"
_SINCE = "gpect_since"
_TODAY = "gpect_today_"
_HORIZON = "gpect_horizon_"
_BOUND = "gpect_bound"

#: The open lists' parts: the values of the urgency (0 overdue, 1 due soon, 2 later), as in ``OPEN_URGENCIES``.
_OPEN_PARTS = (0, 1, 2)


def _paged(
    query: Work,
    task_id: ColumnElement[int],
    part: ColumnElement[Any],
    wanted: tuple[int, ...],
    per_page: int,
    order: tuple[ColumnElement[Any], ...],
    has_least: bool,
) -> sa.Select[Task, Plan, str, int, int]:
    """The statement of the pages of ``query``'s parts (its rows whose ``part`` is a value of ``wanted``),
    each part counted whole (``task_id`` names the task of a row): the database numbers the rows of each part
    and counts them (window functions), and keeps those of the page asked (bound parameter
    ``gpect_page_<part>``), or of the last page when the one asked is past the end."""
    ranked = query.with_only_columns(
        task_id.label("task_id"),
        part.label("part"),
        sa.func.row_number().over(partition_by=part, order_by=order).label("position"),
        sa.func.count().over(partition_by=part).label("total"),
        maintain_column_froms=True,
    ).subquery()
    last_page = (ranked.c.total + (per_page - 1)) // per_page
    asked = sa.case({value: sa.bindparam(f"{_PAGE}{value}") for value in wanted}, value=ranked.c.part, else_=1)
    shown_page = sa.func.least(asked, last_page) if has_least else sa.func.min(asked, last_page)
    on_page = sa.and_(ranked.c.part.in_(list(wanted)), (ranked.c.position - 1) // per_page + 1 == shown_page)
    return (
        sa.select(Task, Plan, PlanStage.stage_key, ranked.c.part, ranked.c.total)
        .join(ranked, ranked.c.task_id == Task.id)
        .join(Plan, Plan.id == Task.plan_id)
        .join(PlanStage, PlanStage.id == Task.stage_id)
        .where(on_page)
        .order_by(ranked.c.part, ranked.c.position)
    )


def _has_least() -> bool:
    """Whether the database has ``least()`` (PostgreSQL); SQLite's two-argument ``min()`` does the same."""
    return session().get_bind().dialect.name != "sqlite"


def _finished_statement(person: Person, per_page: int) -> sa.Select[Task, Plan, str, int, int]:
    """The page of my tasks finished since ``gpect_since``, the latest first."""
    return _finished_paged(is_active_admin(person), per_page, _has_least())


@lru_cache(maxsize=32)
def _finished_paged(admin: bool, per_page: int, has_least: bool) -> sa.Select[Task, Plan, str, int, int]:
    """``_finished_statement``'s, built once per process and kind of reader (see ``_open_paged``)."""
    mine = _my_task_rows(Task.status.in_(FINISHED_TASK_STATUSES), Task.completed_dt >= sa.bindparam(_SINCE))
    return _paged(_work_query(admin, mine), mine.c.id, sa.literal(0), (0,), per_page, _latest_first(mine), has_least)


def _finished_values(person: Person, asked: dict[Urgency, int]) -> dict[str, Any]:
    return {
        _PERSON: person.id,
        _SINCE: now() - timedelta(days=RECENT_DAYS),
        f"{_PAGE}0": asked.get(Urgency.FINISHED, 1),
    }


def _open_statement(
    person: Person, wanted: tuple[int, ...], per_page: int, *, bounded: bool = False
) -> tuple[sa.Select[Task, Plan, str, int, int], tuple[str, ...]] | None:
    """The statement of the pages ``wanted`` of my open tasks of open stages of active plans by urgency (0
    overdue, 1 due soon, 2 later) as of today in each plan's time zone, and the zones it takes "today" in;
    ``None`` when there is no plan at all (nothing open then). "Today" is a ``CASE`` on the zones of every
    stored plan (``stored_plan_zones``: the same cost whatever the number of plans), a few more than those
    of my plans; its days are bound parameters (``_open_values``). ``bounded``: only tasks due by the date
    ``gpect_bound`` (a parameter too) are read, enough for the overdue and soon-due lists when it is the
    latest "today + horizon" of the zones."""
    zones = tuple(stored_plan_zones())
    if not zones:
        return None
    return _open_paged(is_active_admin(person), zones, wanted, per_page, _has_least(), bounded), zones


@lru_cache(maxsize=64)
def _open_paged(
    admin: bool,
    zones: tuple[str, ...],
    wanted: tuple[int, ...],
    per_page: int,
    has_least: bool,
    bounded: bool = False,
) -> sa.Select[Task, Plan, str, int, int]:
    """``_open_statement``'s, built once per process for each kind of reader, set of zones and paging: built
    on every request, the expression cost more Python than the database took to run it. Its values (the
    person, the days, the pages asked) are bound parameters, which a caller must give: none has a default
    that could show one person's tasks to another."""
    today = sa.case(
        {zone: sa.bindparam(f"{_TODAY}{index}", type_=sa.Date) for index, zone in enumerate(zones)},
        value=Plan.timezone,
    )
    horizon = sa.case(
        {zone: sa.bindparam(f"{_HORIZON}{index}", type_=sa.Date) for index, zone in enumerate(zones)},
        value=Plan.timezone,
    )
    due_by = (Task.due_date <= sa.bindparam(_BOUND, type_=sa.Date),) if bounded else ()
    mine = _my_task_rows(*_OPEN_TASK, *due_by)
    urgency = sa.case((mine.c.due_date < today, 0), (mine.c.due_date <= horizon, 1), else_=2)
    query = _work_query(admin, mine).where(Plan.status == PlanStatus.ACTIVE)
    return _paged(query, mine.c.id, urgency, wanted, per_page, _by_deadline(mine), has_least)


#: Open tasks of open stages of active plans. The task's copy of its stage's status (migration 0022), not the
#: stage: the index on (assignee, stage status, status, due date) then finds a person's open tasks of open
#: stages without looking up the stage of each.
_OPEN_TASK = (Task.status.in_(OPEN_TASK_STATUSES), Task.stage_status == StageStatus.OPEN)
_OPEN = (*_OPEN_TASK, Plan.status == PlanStatus.ACTIVE)


def _open_values(person: Person, zones: tuple[str, ...], wanted: dict[int, int]) -> dict[str, Any]:
    """The values of ``_open_statement``'s parameters: the person, today and today + horizon in each zone,
    the page asked of each list."""
    moment = now()
    values: dict[str, Any] = {_PERSON: person.id}
    for index, zone in enumerate(zones):
        day = moment.astimezone(zone_or_default(zone)).date()
        values[f"{_TODAY}{index}"] = day
        values[f"{_HORIZON}{index}"] = day + timedelta(days=HORIZON_DAYS)
    return values | {f"{_PAGE}{value}": page for value, page in wanted.items()}


def quick_actions(status: TaskStatus, *, is_lead: bool, dependencies_done: bool) -> tuple[TaskStatus, ...]:
    """The one-click changes the engine allows from ``status``; starting or finishing waits for prerequisites."""
    return tuple(
        target
        for target in allowed_targets(status, is_lead=is_lead)
        if target in QUICK_TARGETS and (dependencies_done or not TASK_TRANSITIONS[status, target].needs_dependencies)
    )


def my_task_ids(person: Person, *conditions: ColumnElement[bool]) -> sa.Select[int]:
    """The ids of the person's tasks meeting ``conditions`` (on ``Task``), as ``_my_task_rows`` reads them:
    for ``Task.id.in_(...)`` in other statements (the calendar feed), which then agree with "my tasks"."""
    rows = _my_task_rows(*conditions, person_id=sa.bindparam(_PERSON, person.id, type_=sa.Integer))
    return sa.select(rows.c.id)


def _my_task_rows(*conditions: ColumnElement[bool], person_id: sa.BindParameter[int] | None = None) -> _MyTaskRows:
    """My tasks meeting ``conditions`` (on ``Task``), the person a bound parameter (``gpect_person_id``, given
    at execution unless ``person_id`` carries its value): those assigned to me, then the unassigned ones
    left to a role I hold, as the two parts of a ``UNION ALL`` (a task is in one at most: it has an
    assignee or none).

    Asked as one condition (an ``OR``), the database could only read every unassigned task of
    the database and check each against my memberships: a partner with two roles paid for the 12,536
    unassigned open tasks of 100,000 plans. Apart, each part has its own path: mine by the index on the
    assignee, the unassigned ones by the index on (plan, owner role) of migration 0028, looked up from my
    memberships when I have few, or read whole and matched when I have many (the planner weighs both)."""
    if person_id is None:
        person_id = sa.bindparam(_PERSON, type_=sa.Integer)
    columns = (Task.id, Task.plan_id, Task.due_date, Task.completed_dt)
    assigned = sa.select(*columns).where(Task.assignee_id == person_id, *conditions)
    left_to_my_role = sa.select(*columns).where(_left_to_my_role(person_id), *conditions)
    return sa.union_all(assigned, left_to_my_role).subquery("gpect_my_tasks")


def _work_query(admin: bool, mine: _MyTaskRows) -> Work:
    """My tasks of ``mine`` with their plan, in the plans I may see."""
    person_id = sa.bindparam(_PERSON, type_=sa.Integer)
    return (
        sa.select(mine.c.id, Plan.id)
        .join(Plan, Plan.id == mine.c.plan_id)
        .where(plan_row_visible_to(person_id, admin=admin))
    )


def _unfinished_prerequisites(task_ids: Sequence[int]) -> dict[int, int]:
    """How many unfinished tasks each of ``task_ids`` waits for (those waiting for none left out)."""
    rows = session().execute(_unfinished_prerequisites_statement(), {"gpect_task_ids": list(task_ids)})
    return {task_id: int(count) for task_id, count in rows}


@cache
def _unfinished_prerequisites_statement() -> sa.Select[int, int]:
    """``_unfinished_prerequisites``' statement, built once per process."""
    prerequisite = aliased(Task)
    return (
        sa.select(TaskDependency.task_id, sa.func.count())
        .join(prerequisite, prerequisite.id == TaskDependency.depends_on_id)
        .where(
            TaskDependency.task_id.in_(sa.bindparam("gpect_task_ids", expanding=True)),
            prerequisite.status.not_in(FINISHED_TASK_STATUSES),
        )
        .group_by(TaskDependency.task_id)
    )


def _with_actions(person: Person, item: WorkItem, waiting_on: int) -> WorkItem:
    is_lead = is_active_admin(person) or item.plan.lead_id == person.id
    actions = quick_actions(item.task.status, is_lead=is_lead, dependencies_done=not waiting_on)
    return WorkItem(item.task, item.plan, item.stage_key, item.today, actions, waiting_on)
