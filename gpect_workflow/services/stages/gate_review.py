"""What a steering committee looks at before deciding at a stage gate, and who may decide.

The evidence is the stage's tasks with every note partners left on them (their links to documents
included), the plan's indicators as they stand, and the decisions already taken at this gate. A
fixed number of queries, however many tasks and notes the stage has.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ...definitions.model import StageDef, Text, WorkflowDefinition
from ...errors import NotFound
from ...models import CommitteeDecision, Event, Indicator, Person, Plan, PlanStage, PlanStatus, StageStatus, Task
from ...refusals import Refusal
from ..access import PlanAccess, plan_access
from ..committee.reports import IndicatorLine, indicator_line
from ..context import session
from ..definitions import get_definition, task_definition
from ..plans.roles import committee_members
from .progression import rework_due_dates


@dataclass(frozen=True)
class TaskNote:
    written_by: str | None
    written_dt: datetime
    text: str


@dataclass(frozen=True)
class TaskEvidence:
    task: Task
    notes: list[TaskNote]
    #: What the task is (``task_definition``): its title, a one-off task's own.
    title: Text


@dataclass(frozen=True)
class GateReview:
    plan: Plan
    stage: PlanStage
    stage_def: StageDef
    definition: WorkflowDefinition
    access: PlanAccess
    tasks: list[TaskEvidence]
    indicators: list[IndicatorLine]
    decisions: list[CommitteeDecision]
    #: The due date each task would get if reopened for rework today, by task key (the form's defaults).
    rework_dates: dict[str, date]
    #: Who sits on the plan's committee (the members of its committee roles), by name; empty when none is
    #: mapped, the gate then waits for the lead to map one.
    committee: list[str] = field(default_factory=list)

    @property
    def can_decide_now(self) -> bool:
        """A committee member (or administrator) facing a gate that awaits its decision, the plan running."""
        return (
            self.access.can_decide
            and self.stage.status is StageStatus.AWAITING_DECISION
            and self.plan.status is PlanStatus.ACTIVE
        )


def gate_review(person: Person, stage_id: int) -> GateReview:
    """The evidence for ``stage_id``'s gate, for someone who may see the plan (others: ``NotFound``)."""
    stage = session().get(PlanStage, stage_id, options=[joinedload(PlanStage.plan).joinedload(Plan.territory)])
    if stage is None:
        raise NotFound(Refusal.NO_SUCH_STAGE)
    plan = stage.plan
    definition = get_definition(plan.definition_key, plan.definition_version)
    access = plan_access(person, plan, definition)
    if not access.can_view:
        raise NotFound(Refusal.NO_SUCH_STAGE)
    tasks = list(
        session().scalars(
            sa.select(Task)
            .where(Task.stage_id == stage.id)
            .options(joinedload(Task.assignee))
            .order_by(Task.due_date, Task.id)
        )
    )
    notes = _notes([task.id for task in tasks])
    indicators = session().scalars(
        sa.select(Indicator)
        .where(Indicator.plan_id == plan.id)
        .options(selectinload(Indicator.measurements))
        .order_by(Indicator.id)
    )
    decisions = session().scalars(
        sa.select(CommitteeDecision)
        .where(CommitteeDecision.stage_id == stage.id)
        .options(joinedload(CommitteeDecision.decided_by))
        .order_by(CommitteeDecision.decided_dt.desc(), CommitteeDecision.id.desc())
    )
    return GateReview(
        plan=plan,
        stage=stage,
        stage_def=definition.stage(stage.stage_key),
        definition=definition,
        access=access,
        tasks=[TaskEvidence(task, notes.get(task.id, []), task_definition(definition, task).title) for task in tasks],
        indicators=[indicator_line(indicator) for indicator in indicators],
        decisions=list(decisions),
        rework_dates=rework_due_dates(plan, stage, tasks),
        committee=[person.name for person in committee_members(plan, definition)],
    )


def _notes(task_ids: list[int]) -> dict[int, list[TaskNote]]:
    """Every note left on the tasks (status changes, requests for time...), oldest first."""
    if not task_ids:
        return {}
    found: dict[int, list[TaskNote]] = defaultdict(list)
    query = (
        sa.select(Event.task_id, Person.name, Event.occurred_dt, Event.note)
        .outerjoin(Person, Person.id == Event.actor_id)
        .where(Event.task_id.in_(task_ids), Event.note.is_not(None), Event.note != "")
        .order_by(Event.occurred_dt, Event.id)
    )
    for task_id, name, occurred, note in session().execute(query):
        assert task_id is not None and note is not None  # the query keeps the notes left on tasks
        found[task_id].append(TaskNote(name, occurred, note))
    return found
