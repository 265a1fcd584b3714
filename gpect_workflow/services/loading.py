"""Loading plans and tasks for a change: locked, fresh, and checked against the version the caller saw."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import TypeVar

import sqlalchemy as sa

from ..errors import NotFound, StaleObject
from ..models import (
    DelayRequest,
    DelayStatus,
    Event,
    EvidenceFile,
    Measurement,
    Person,
    Plan,
    PlanStage,
    Task,
    TaskDependency,
)
from ..refusals import Refusal
from .access import role_keys_in, split_role_keys
from .context import now, session
from .zones import zone_or_default

_Row = TypeVar("_Row", DelayRequest, EvidenceFile, Measurement)


def hold_write_lock() -> None:
    """On SQLite, take the database's write lock now, until the unit's commit or rollback, unless it is held.

    SQLite has no row locks: ``SELECT ... FOR UPDATE`` is read as a plain ``SELECT``, and Python's
    ``sqlite3`` begins a transaction only at the first write, so what a change read before writing (a
    version, a count, a status) could be changed by another writer in between. ``BEGIN IMMEDIATE`` takes the
    one write lock SQLite has at the point where PostgreSQL locks a row: a second writer waits for it (the
    busy timeout) and then reads what the first one committed. Beginning a plain (deferred) transaction
    earlier would not do: a transaction that has read cannot write once another one has committed since,
    and SQLite refuses it at once ("database is locked") instead of waiting.
    """
    connection = session().connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.driver_connection.in_transaction:  # type: ignore[union-attr]
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def read_again(model: type[_Row], row_id: int) -> _Row | None:
    """The row as stored now (``None`` once deleted), its loaded copy refreshed: what a change decides on,
    read after ``lock_plan`` when it was first read before it (the lock refreshes the plan only)."""
    query = sa.select(model).where(model.id == row_id).execution_options(populate_existing=True)
    return session().scalar(query)


def lock_plan(plan_id: int) -> Plan:
    """The plan, row-locked until commit so that changes to one plan happen one at a time (on SQLite, every
    change to the database: ``hold_write_lock``).

    Serialising per plan is what keeps two partners finishing the last two tasks of a stage at once
    from both missing the stage's exit.
    """
    hold_write_lock()
    query = sa.select(Plan).where(Plan.id == plan_id).with_for_update().execution_options(populate_existing=True)
    plan = session().scalar(query)
    if plan is None:
        raise NotFound(Refusal.NO_SUCH_PLAN)
    return plan


@dataclass(frozen=True, slots=True)
class TaskForChange:
    """A task about to change, with its plan and stage, all three locked and fresh."""

    plan: Plan
    task: Task
    stage: PlanStage
    #: Whether the task depends on others (whose states are then worth counting).
    has_dependencies: bool
    #: Whether a delay request of the task waits for the lead (finishing the task then closes it).
    has_pending_delay: bool = False
    #: The keys of the roles the person changing the task holds in its plan, when they were read with it.
    reader_role_keys: frozenset[str] | None = None


def task_for_change(task_id: int) -> tuple[Plan, Task]:
    """The task and its plan, the plan locked first, the task read fresh after the lock (one statement)."""
    loaded = lock_task_for_change(task_id)
    return loaded.plan, loaded.task


def lock_task_for_change(task_id: int, reader: Person | None = None) -> TaskForChange:
    """The task, its plan and its stage in one statement, row-locked until commit (PostgreSQL); with
    ``reader``, the keys of the roles they hold in the plan too (``access.role_keys_in``), which every change
    checks: no statement of their own.

    The plan comes first in the statement, so its row is locked first, as ``lock_plan`` does: changes to
    one plan happen one at a time, and a statement that waited for the lock reads the task and stage as
    the previous change left them (locked rows are read again once the lock is granted). Every other path
    that changes a task or a stage holds its plan's lock already, so none waits for these rows the other
    way round.
    """
    hold_write_lock()
    query = _lock_statement(with_reader=reader is not None)
    params = {"gpect_task_id": task_id, "gpect_reader_id": reader.id if reader is not None else None}
    row = session().execute(query, params).first()
    if row is None:
        raise NotFound(Refusal.NO_SUCH_TASK)
    role_keys = split_role_keys(row[5]) if reader is not None else None
    return TaskForChange(row[0], row[1], row[2], bool(row[3]), bool(row[4]), role_keys)


@cache
def _lock_statement(*, with_reader: bool) -> sa.Select[Plan, Task, PlanStage, bool, bool, str | None]:
    """``lock_task_for_change``'s statement, built once per process (its values are bound parameters): built
    afresh it cost about a tenth of a plain completion's CPU, in constructing the expression."""
    depends = sa.exists().where(TaskDependency.task_id == Task.id)
    waiting = sa.exists().where(DelayRequest.task_id == Task.id, DelayRequest.status == DelayStatus.PENDING)
    roles = role_keys_in(sa.bindparam("gpect_reader_id"), Plan.id) if with_reader else sa.null()
    return (
        sa.select(Plan, Task, PlanStage, depends, waiting, roles)
        .join(Task, Task.plan_id == Plan.id)
        .join(PlanStage, PlanStage.id == Task.stage_id)
        .where(Task.id == sa.bindparam("gpect_task_id"))
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def stage_for_change(stage_id: int) -> tuple[Plan, PlanStage]:
    """The stage and its plan, the plan locked first."""
    plan_id = session().scalar(sa.select(PlanStage.plan_id).where(PlanStage.id == stage_id))
    if plan_id is None:
        raise NotFound(Refusal.NO_SUCH_STAGE)
    plan = lock_plan(plan_id)
    query = sa.select(PlanStage).where(PlanStage.id == stage_id).execution_options(populate_existing=True)
    stage = session().scalar(query)
    assert stage is not None
    return plan, stage


def check_version(
    kind: str, current: int, expected: int | None, last_change: Event | Callable[[], Event | None] | None
) -> None:
    """Raise ``StaleObject`` when someone changed the object since the caller read version ``expected``.

    The refusal names who changed it; its parameters also say what (the journal event's kind and states).
    ``last_change`` is that event, or better a function that reads it, called only when there is a conflict
    to explain (most changes check no version, or the right one: the journal need not be read)."""
    if expected is None or expected == current:
        return
    event = last_change() if callable(last_change) else last_change
    change: dict[str, str | None] = {"kind": kind}
    if event is not None:
        change.update(event=event.kind, from_state=event.from_state, to_state=event.to_state)
    actor = session().get(Person, event.actor_id) if event and event.actor_id else None
    if actor is None:
        raise StaleObject(Refusal.CHANGED_MEANWHILE_BY_SOMEONE, **change)
    raise StaleObject(Refusal.CHANGED_MEANWHILE, who=actor.name, **change)


def last_event(plan_id: int, task_id: int | None = None) -> Event | None:
    """The latest journal event of a plan (or of one of its tasks)."""
    query = sa.select(Event).where(Event.plan_id == plan_id)
    if task_id is not None:
        query = query.where(Event.task_id == task_id)
    return session().scalar(query.order_by(Event.occurred_dt.desc(), Event.id.desc()).limit(1))


def plan_today(plan: Plan) -> date:
    """Today in the plan's time zone: the day deadlines are compared with."""
    return now().astimezone(zone_or_default(plan.timezone)).date()
