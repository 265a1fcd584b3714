"""Changing a running plan: its name, and the one-off tasks the lead adds to (or removes from) a stage.

Each change is the lead's (or an active administrator's), takes the plan's version the person read, is
journaled and moves the plan's version on. Who plays a role changes in ``plans.roles``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm.attributes import flag_modified

from ...definitions import WorkflowDefinition
from ...errors import InvalidTransition, NotFound, ValidationError
from ...models import Event, Person, Plan, PlanStage, PlanStatus, StageStatus, Task, TaskDependency, TaskStatus
from ...refusals import (
    DESCRIPTION_TOO_LONG,
    DUE_DATE_RANGE,
    NAME_LENGTH,
    NO_CONTROL_CHARACTERS,
    NOT_A_ROLE_OF_THE_PLAN,
    NOT_TASKS_OF_THE_PLAN,
    TITLE_LENGTH,
    TITLE_NEEDED,
    WEIGHT_RANGE,
    Refusal,
)
from ...validation import NOTE_MAX_LENGTH, check_date
from ..access import plan_access, require
from ..context import now, session
from ..definitions import get_definition
from ..journal import record
from ..loading import check_version, last_event, lock_plan
from ..stages.progression import advance_if_ready
from ..tasks.deadlines import due_date_window

#: A plan's name and a one-off task's titles: at most this many characters (the columns' size).
NAME_MAX_LENGTH = 200
#: A one-off task's weight in progress percentages.
MAX_WEIGHT = 100
#: A one-off task depends on at most this many tasks.
MAX_DEPENDENCIES = 50
#: What a generated one-off task key looks like.
ONE_OFF_KEY = re.compile(r"^oneoff-(\d+)$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_IN_LINE = re.compile(r"[\x00-\x1f\x7f]")


def managed_plan(actor: Person, plan_id: int, expected_version: int | None) -> tuple[Plan, WorkflowDefinition]:
    """The plan, locked, for a change by its lead or an active administrator (anyone else:
    ``PermissionDenied``, as for holding a plan), checked against the version they read. A finished or
    cancelled plan no longer changes."""
    plan = lock_plan(plan_id)
    definition = get_definition(plan.definition_key, plan.definition_version)
    access = plan_access(actor, plan, definition)
    require(access.can_manage, Refusal.LEAD_CHANGES_PLANS)
    check_version("plan", plan.version, expected_version, lambda: last_event(plan.id))
    if plan.status in (PlanStatus.COMPLETED, PlanStatus.CANCELLED):
        raise InvalidTransition(Refusal.PLAN_ENDED)
    return plan, definition


def plan_changed(plan: Plan) -> None:
    """Move the plan's version on (someone who read it before the change is told it changed), even when the
    clock has not moved since the plan's last change."""
    plan.updated_dt = now()
    flag_modified(plan, "updated_dt")
    session().flush()


def plan_name(typed: str) -> str:
    """``typed`` as a plan's name (spaces collapsed), or ``ValidationError`` as at the plan's creation."""
    name = " ".join(typed.split())
    if _CONTROL_IN_LINE.search(name):
        raise ValidationError(Refusal.INVALID_INPUT, {"name": [NO_CONTROL_CHARACTERS]})
    if not 1 <= len(name) <= NAME_MAX_LENGTH:
        raise ValidationError(Refusal.INVALID_INPUT, {"name": [NAME_LENGTH]})
    return name


def rename_plan(actor: Person, plan_id: int, name: str, *, expected_version: int | None = None) -> Plan:
    """Give the plan another name; journaled as ``plan_renamed`` with both names."""
    plan, _ = managed_plan(actor, plan_id, expected_version)
    new = plan_name(name)
    if new != plan.name:
        record(plan, "plan_renamed", actor, data={"from": plan.name, "to": new})
        plan.name = new
        plan_changed(plan)
    return plan


@dataclass(frozen=True, slots=True)
class OneOffTask:
    """A task to add to a stage of a running plan, outside its definition."""

    stage_id: int
    owner_role: str
    due_date: date
    title_fr: str = ""
    title_en: str = ""
    description: str = ""
    depends_on: Sequence[int] = field(default_factory=tuple)
    weight: int = 1
    is_required: bool = True


def check_one_off_due_date(plan: Plan, due: date) -> tuple[list[str], dict[str, date]]:
    """What is wrong with ``due`` as a one-off task's deadline (nothing: ``[]``) and the parameters its message
    names: the rule of every deadline a person sets (``services.tasks.deadlines``), from the plan's start to
    the horizon after its planned end."""
    check_date(due, "due_date")
    first, last = due_date_window(plan)
    return ([] if first <= due <= last else [DUE_DATE_RANGE]), {"first": first, "last": last}


def add_one_off_task(actor: Person, plan_id: int, new: OneOffTask, *, expected_version: int | None = None) -> Task:
    """Add a one-off task to an open or pending stage of the plan; it goes to its role's first member.

    Its title (French and/or English) and description are its own; its dependencies are tasks of the same
    plan. Journaled as ``one_off_task_added``.
    """
    plan, _ = managed_plan(actor, plan_id, expected_version)
    stage = _stage_for_new_task(plan, new.stage_id)
    members, dependencies = _checked_task(plan, new)
    task = Task(
        plan_id=plan.id,
        stage_id=stage.id,
        task_key=_next_key(plan),
        owner_role=new.owner_role,
        assignee_id=members[0],
        due_date=new.due_date,
        status=TaskStatus.TODO,
        weight=new.weight,
        is_required=new.is_required,
        is_one_off=True,
        title_fr=_clean_line(new.title_fr) or None,
        title_en=_clean_line(new.title_en) or None,
        description=new.description.strip() or None,
        updated_dt=now(),
    )
    session().add(task)
    session().flush()
    session().add_all(TaskDependency(task_id=task.id, depends_on_id=d) for d in dependencies)
    record(
        plan,
        "one_off_task_added",
        actor,
        None,
        task.task_key,
        task=task,
        data={"title_fr": task.title_fr, "title_en": task.title_en},
    )
    plan_changed(plan)
    return task


def remove_one_off_task(actor: Person, plan_id: int, task_id: int, *, expected_version: int | None = None) -> None:
    """Remove a one-off task nobody started; the definition's tasks stay. Its journal lines stay too (no
    longer tied to the task), and ``one_off_task_removed`` keeps its title. The stage may then close."""
    plan, _ = managed_plan(actor, plan_id, expected_version)
    task = session().scalar(sa.select(Task).where(Task.id == task_id, Task.plan_id == plan.id))
    if task is None:
        raise NotFound(Refusal.NO_SUCH_TASK)
    if not task.is_one_off:
        raise InvalidTransition(Refusal.DEFINITION_TASKS_STAY)
    if task.status is not TaskStatus.TODO or task.started_dt is not None:
        raise InvalidTransition(Refusal.ONE_OFF_TASK_STARTED)
    stage = session().get(PlanStage, task.stage_id)
    assert stage is not None
    session().execute(sa.update(Event).where(Event.task_id == task.id).values(task_id=None))
    session().execute(
        sa.delete(TaskDependency).where(
            sa.or_(TaskDependency.task_id == task.id, TaskDependency.depends_on_id == task.id)
        )
    )
    record(
        plan,
        "one_off_task_removed",
        actor,
        task.task_key,
        None,
        stage=stage,
        data={"title_fr": task.title_fr or task.title_en, "title_en": task.title_en or task.title_fr},
    )
    session().delete(task)
    plan_changed(plan)
    if stage.status is StageStatus.OPEN and plan.status is PlanStatus.ACTIVE:
        advance_if_ready(plan, stage, actor)
        session().flush()


def _stage_for_new_task(plan: Plan, stage_id: int) -> PlanStage:
    stage = session().scalar(sa.select(PlanStage).where(PlanStage.id == stage_id, PlanStage.plan_id == plan.id))
    if stage is None:
        raise NotFound(Refusal.NO_SUCH_STAGE)
    if stage.status not in (StageStatus.OPEN, StageStatus.PENDING):
        raise InvalidTransition(Refusal.ONE_OFF_TASKS_IN_OPEN_STAGES)
    return stage


def _checked_task(plan: Plan, new: OneOffTask) -> tuple[list[int], list[int]]:
    """The owner role's members (first first) and the dependencies, or every problem at once."""
    from .roles import role_members_in_order

    problems: dict[str, list[str]] = {}
    titles = {"title_fr": new.title_fr, "title_en": new.title_en}
    for name, typed in titles.items():
        if _CONTROL_IN_LINE.search(typed):
            problems[name] = [NO_CONTROL_CHARACTERS]
        elif len(_clean_line(typed)) > NAME_MAX_LENGTH:
            problems[name] = [TITLE_LENGTH]
    if not any(_clean_line(t) for t in titles.values()) and not problems:
        problems["title_fr"] = [TITLE_NEEDED]
    if _CONTROL.search(new.description):
        problems["description"] = [NO_CONTROL_CHARACTERS]
    elif len(new.description.strip()) > NOTE_MAX_LENGTH:
        problems["description"] = [DESCRIPTION_TOO_LONG]
    members = role_members_in_order(plan.id, new.owner_role) if "\x00" not in new.owner_role else []
    if not members:
        problems["owner_role"] = [NOT_A_ROLE_OF_THE_PLAN]
    if not 1 <= new.weight <= MAX_WEIGHT:
        problems["weight"] = [WEIGHT_RANGE]
    due_problems, window = check_one_off_due_date(plan, new.due_date)
    problems.update({"due_date": due_problems} if due_problems else {})
    dependencies = sorted(set(new.depends_on))
    if dependencies and (len(dependencies) > MAX_DEPENDENCIES or not _tasks_of_plan(plan, dependencies)):
        problems["depends_on"] = [NOT_TASKS_OF_THE_PLAN]
    if problems:
        raise ValidationError(Refusal.INVALID_INPUT, problems, **window)
    return members, dependencies


def _tasks_of_plan(plan: Plan, ids: list[int]) -> bool:
    if any(not 1 <= i <= 2_147_483_647 for i in ids):
        return False
    query = sa.select(sa.func.count()).select_from(Task).where(Task.plan_id == plan.id, Task.id.in_(ids))
    return session().scalar(query) == len(ids)


def _next_key(plan: Plan) -> str:
    keys = session().scalars(sa.select(Task.task_key).where(Task.plan_id == plan.id, Task.is_one_off.is_(True)))
    numbers = [int(match.group(1)) for key in keys if (match := ONE_OFF_KEY.match(key))]
    return f"oneoff-{max(numbers, default=0) + 1}"


def _clean_line(text: str) -> str:
    return " ".join(text.split())
