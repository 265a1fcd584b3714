"""Driving plans through the services alone, as partners, leads and committees would."""

from __future__ import annotations

import sqlalchemy as sa

from gpect_workflow.models import (
    FINISHED_TASK_STATUSES,
    Decision,
    Person,
    Plan,
    PlanStage,
    RoleAssignment,
    RoleAssignmentMember,
    StageStatus,
    Task,
    TaskDependency,
    TaskStatus,
)
from gpect_workflow.services.context import session
from gpect_workflow.services.definitions import get_definition
from gpect_workflow.services.stages.progression import decide_gate
from gpect_workflow.services.tasks.changes import change_task_status


def open_stage(plan: Plan) -> PlanStage | None:
    stages = session().scalars(sa.select(PlanStage).where(PlanStage.plan_id == plan.id)).all()
    current = [s for s in stages if s.status in (StageStatus.OPEN, StageStatus.AWAITING_DECISION)]
    assert len(current) <= 1
    return current[0] if current else None


def committee_member(plan: Plan) -> Person:
    definition = get_definition(plan.definition_key, plan.definition_version)
    query = (
        sa.select(Person)
        .join(RoleAssignmentMember, RoleAssignmentMember.person_id == Person.id)
        .join(RoleAssignment, RoleAssignment.id == RoleAssignmentMember.assignment_id)
        .where(RoleAssignment.plan_id == plan.id, RoleAssignment.role_key.in_(definition.committee_roles))
    )
    member = session().scalars(query).first()
    assert member is not None
    return member


def ready_tasks(stage: PlanStage) -> list[Task]:
    """Open tasks of the stage whose dependencies are all finished."""
    tasks = session().scalars(sa.select(Task).where(Task.stage_id == stage.id).order_by(Task.id)).all()
    ready = []
    for task in tasks:
        if task.status in FINISHED_TASK_STATUSES:
            continue
        prerequisites = (
            session()
            .scalars(
                sa.select(Task.status)
                .join(TaskDependency, TaskDependency.depends_on_id == Task.id)
                .where(TaskDependency.task_id == task.id)
            )
            .all()
        )
        if all(status in FINISHED_TASK_STATUSES for status in prerequisites):
            ready.append(task)
    return ready


def drive_to_completion(plan: Plan, max_steps: int = 500) -> list[str]:
    """Finish every task as its assignee and approve every gate; returns the stage keys in the order closed."""
    closed: list[str] = []
    for _ in range(max_steps):
        stage = open_stage(plan)
        if stage is None:
            return closed
        if stage.status is StageStatus.AWAITING_DECISION:
            decide_gate(committee_member(plan), stage.id, Decision.APPROVE, minutes="Validé")
            closed.append(stage.stage_key)
            continue
        ready = ready_tasks(stage)
        assert ready, f"stage {stage.stage_key} is open with nothing left to do"
        task = ready[0]
        assignee = session().get(Person, task.assignee_id)
        assert assignee is not None
        change_task_status(assignee, task.id, TaskStatus.DONE, expected_version=task.version)
        if session().get(PlanStage, stage.id).status is StageStatus.CLOSED:  # type: ignore[union-attr]
            closed.append(stage.stage_key)
    raise AssertionError("the plan did not complete")
