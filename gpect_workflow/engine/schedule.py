"""The planned schedule of a plan: each stage's window and each task's due date.

Stages follow one another from the plan start, each for its planned duration. A task's due date is an
absolute date, or an offset in calendar or working days from the plan start or from its stage's opening.
When a stage actually opens later than planned, ``stage_due_dates`` recomputes its tasks from the
actual opening.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..definitions.model import DueFrom, StageDef, TaskDef, WorkflowDefinition
from .calendar import WorkingCalendar, calendar_for


@dataclass(frozen=True, slots=True)
class PlannedStage:
    """A stage's planned window and its tasks' due dates.

    A stage of D days opening on day S is due to end on S + D, the day the next stage opens; a task
    due D days after the opening is therefore due on the stage's last day, as the checks allow.
    """

    key: str
    start: date
    end: date
    due_dates: dict[str, date]


def due_date(task: TaskDef, plan_start: date, stage_opening: date, calendar: WorkingCalendar) -> date:
    """When ``task`` falls due, given the plan start and its stage's opening day."""
    if task.due.on is not None:
        return task.due.on
    origin = plan_start if task.due.counted_from is DueFrom.PLAN_START else stage_opening
    if task.due.working_days is not None:
        return calendar.add_working_days(origin, task.due.working_days)
    return origin + timedelta(days=task.due.days or 0)


def stage_due_dates(
    definition: WorkflowDefinition, stage: StageDef, plan_start: date, opening: date
) -> dict[str, date]:
    """Due dates of ``stage``'s tasks when it opens on ``opening``."""
    calendar = calendar_for(definition.calendar)
    return {task.key: due_date(task, plan_start, opening, calendar) for task in stage.tasks}


def plan_schedule(definition: WorkflowDefinition, plan_start: date) -> list[PlannedStage]:
    """The whole plan as planned on its first day: stages back to back from ``plan_start``."""
    schedule: list[PlannedStage] = []
    opening = plan_start
    for stage in definition.stages:
        end = opening + timedelta(days=stage.duration_days)
        schedule.append(PlannedStage(stage.key, opening, end, stage_due_dates(definition, stage, plan_start, opening)))
        opening = end
    return schedule
