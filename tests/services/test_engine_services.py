"""The engine's use cases through the services: permissions, transitions, stages, gates, deadlines, holds."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask

from gpect_workflow import signals
from gpect_workflow.clock import FrozenClock
from gpect_workflow.errors import InvalidTransition, NotFound, PermissionDenied, StaleObject, ValidationError
from gpect_workflow.models import (
    CommitteeDecision,
    Decision,
    Event,
    Person,
    PersonRole,
    Plan,
    PlanStatus,
    StageStatus,
    TaskStatus,
)
from gpect_workflow.refusals import Refusal
from gpect_workflow.services.context import session
from gpect_workflow.services.plans.lifecycle import cancel_plan, hold_plan, resume_plan
from gpect_workflow.services.stages.progression import decide_gate
from gpect_workflow.services.tasks.changes import (
    change_task_status,
    move_deadline,
    preview_deadline_move,
    reassign_task,
)
from tests.engine_drive import committee_member
from tests.factories import assignee, finish, stage, task
from tests.plan_helpers import received, start_five_levers_plan
from tests.refusing import refused

DONE, TODO, IN_PROGRESS = TaskStatus.DONE, TaskStatus.TODO, TaskStatus.IN_PROGRESS


@pytest.fixture
def plan(definitions: None, dummy_lead: Person) -> Plan:
    started = start_five_levers_plan(dummy_lead, date(2026, 12, 1))
    session().commit()
    return started


def journal(plan: Plan, kind: str) -> list[Event]:
    return list(
        session().scalars(sa.select(Event).where(Event.plan_id == plan.id, Event.kind == kind).order_by(Event.id))
    )


def test_assignee_starts_and_finishes_a_task_with_one_event_each(plan: Plan) -> None:
    inventory = task(plan, "inventory-existing-studies")
    person = assignee(inventory)
    with received(signals.task_status_changed) as calls:
        change_task_status(person, inventory.id, IN_PROGRESS)
        change_task_status(person, inventory.id, DONE, note="Inventaire terminé")
    session().commit()
    assert inventory.status is DONE and inventory.completed_dt is not None and inventory.version == 3
    events = journal(plan, "task_status_changed")
    assert [(e.from_state, e.to_state, e.actor_id) for e in events] == [
        ("todo", "in_progress", person.id),
        ("in_progress", "done", person.id),
    ]
    assert events[1].note == "Inventaire terminé"
    assert [(c["from_status"], c["to_status"]) for c in calls] == [(TODO, IN_PROGRESS), (IN_PROGRESS, DONE)]


def test_outsiders_and_other_roles_are_refused(plan: Plan, create_user: Any) -> None:
    inventory = task(plan, "inventory-existing-studies")  # owned by the lead role
    region_person = assignee(task(plan, "fund-pilot"))
    with pytest.raises(PermissionDenied):
        change_task_status(region_person, inventory.id, IN_PROGRESS)
    stranger = create_user("stranger@example.org")
    with pytest.raises(NotFound):
        change_task_status(stranger, inventory.id, IN_PROGRESS)
    admin = create_user("admin@example.org", PersonRole.ADMIN)
    change_task_status(admin, inventory.id, IN_PROGRESS)
    assert inventory.status is IN_PROGRESS


def test_dependencies_block_unless_the_lead_overrides(plan: Plan, dummy_lead: Person) -> None:
    survey = task(plan, "business-survey")  # depends on inventory-existing-studies
    with refused(InvalidTransition, Refusal.DEPENDENCIES_NOT_DONE):
        change_task_status(assignee(survey), survey.id, IN_PROGRESS)
    with pytest.raises(PermissionDenied):
        change_task_status(assignee(survey), survey.id, IN_PROGRESS, override_dependencies=True)
    change_task_status(dummy_lead, survey.id, IN_PROGRESS, override_dependencies=True, note="Urgence")
    session().commit()
    (event,) = journal(plan, "task_status_changed")
    assert event.data == {"overrode_dependencies": True} and event.actor_id == dummy_lead.id


def test_block_skip_and_reopen_need_reasons_and_the_lead(plan: Plan, dummy_lead: Person) -> None:
    data = task(plan, "employment-data")
    partner = assignee(data)
    with pytest.raises(ValidationError) as error:
        change_task_status(partner, data.id, TaskStatus.BLOCKED, note="  ")
    assert "note" in error.value.fields
    change_task_status(partner, data.id, TaskStatus.BLOCKED, note="Données non publiées")
    assert data.status_reason == "Données non publiées"
    with pytest.raises(PermissionDenied):
        change_task_status(partner, data.id, TaskStatus.SKIPPED, note="Inutile")
    change_task_status(dummy_lead, data.id, TaskStatus.SKIPPED, note="Données déjà disponibles")
    with pytest.raises(PermissionDenied):
        change_task_status(partner, data.id, TODO, note="Reprise")
    change_task_status(dummy_lead, data.id, TODO, note="Reprise")
    assert data.status is TODO and data.completed_dt is None


def test_tasks_of_a_pending_stage_cannot_change(plan: Plan) -> None:
    design = task(plan, "design-pilot")
    with refused(InvalidTransition, Refusal.STAGE_NOT_OPEN_YET):
        change_task_status(assignee(design), design.id, IN_PROGRESS, override_dependencies=False)


def test_stale_version_is_refused_and_names_who_changed_it(plan: Plan) -> None:
    data = task(plan, "employment-data")
    seen = data.version
    change_task_status(assignee(data), data.id, IN_PROGRESS)
    session().commit()
    changed_by = assignee(data)
    with refused(
        StaleObject,
        Refusal.CHANGED_MEANWHILE,
        who=changed_by.name,
        event="task_status_changed",
        from_state="todo",
        to_state="in_progress",
    ):
        change_task_status(changed_by, data.id, DONE, expected_version=seen)
    session().rollback()
    assert task(plan, "employment-data").status is IN_PROGRESS


def test_committee_gate_waits_then_approval_opens_next_stage_with_dates_from_its_opening(
    plan: Plan, clock: FrozenClock, dummy_lead: Person
) -> None:
    clock.set(clock.now() + timedelta(days=20))
    with received(signals.stage_awaiting_decision) as waiting:
        finish(plan, "inventory-existing-studies", "employment-data", "business-survey", "shared-diagnosis")
    observe = stage(plan, "observe")
    assert observe.status is StageStatus.AWAITING_DECISION and len(waiting) == 1
    with pytest.raises(PermissionDenied):
        decide_gate(dummy_lead, observe.id, Decision.APPROVE)
    member = committee_member(plan)
    with received(signals.stage_entered) as entered:
        decide_gate(member, observe.id, Decision.APPROVE, minutes="Diagnostic validé")
    session().commit()
    assert observe.status is StageStatus.CLOSED and observe.decision is Decision.APPROVE
    experiment = stage(plan, "experiment")
    assert experiment.status is StageStatus.OPEN and plan.current_stage_key == "experiment"
    assert [call["stage"].stage_key for call in entered] == ["experiment"]
    # design-pilot is due 30 days after its stage's real opening (20 December), not after the planned one.
    assert task(plan, "design-pilot").due_date == date(2026, 12, 20) + timedelta(days=30)
    (decision,) = session().scalars(sa.select(CommitteeDecision)).all()
    assert (decision.decided_by_id, decision.minutes) == (member.id, "Diagnostic validé")


def test_rework_reopens_named_tasks_and_hold_suspends_the_plan(plan: Plan, dummy_lead: Person) -> None:
    finish(plan, "inventory-existing-studies", "employment-data", "business-survey", "shared-diagnosis")
    observe, member = stage(plan, "observe"), committee_member(plan)
    with pytest.raises(ValidationError):
        decide_gate(member, observe.id, Decision.REWORK, reopen=[])
    decide_gate(member, observe.id, Decision.REWORK, minutes="Compléter l'enquête", reopen=["business-survey"])
    session().commit()
    assert observe.status is StageStatus.OPEN
    assert task(plan, "business-survey").status is TODO and task(plan, "shared-diagnosis").status is DONE
    finish(plan, "business-survey")
    assert observe.status is StageStatus.AWAITING_DECISION
    decide_gate(member, observe.id, Decision.HOLD, minutes="Attendre le budget régional")
    session().commit()
    assert plan.status is PlanStatus.ON_HOLD and observe.status is StageStatus.AWAITING_DECISION
    with pytest.raises(InvalidTransition, match="resume it first"):
        decide_gate(member, observe.id, Decision.APPROVE)


def test_hold_resume_with_shifted_deadlines_and_cancel(plan: Plan, dummy_lead: Person, clock: FrozenClock) -> None:
    data = task(plan, "employment-data")
    due = data.due_date
    hold_plan(dummy_lead, plan.id, note="Élections")
    session().commit()
    with pytest.raises(InvalidTransition):
        change_task_status(assignee(data), data.id, IN_PROGRESS)
    session().rollback()
    clock.advance(timedelta(days=10))
    resume_plan(dummy_lead, plan.id, shift_deadlines=True)
    session().commit()
    assert plan.status is PlanStatus.ACTIVE and task(plan, "employment-data").due_date == due + timedelta(days=10)
    assert journal(plan, "deadlines_shifted")[0].data == {"days": 10, "tasks": 15}
    partner = assignee(data)
    with pytest.raises(PermissionDenied):
        cancel_plan(partner, plan.id)
    cancel_plan(dummy_lead, plan.id, note="Abandon")
    session().commit()
    assert plan.status is PlanStatus.CANCELLED
    with pytest.raises(InvalidTransition):
        resume_plan(dummy_lead, plan.id, shift_deadlines=False)


def test_deadline_move_preview_then_apply_shifts_dependents(plan: Plan, dummy_lead: Person) -> None:
    inventory, survey, diagnosis = (
        task(plan, k) for k in ("inventory-existing-studies", "business-survey", "shared-diagnosis")
    )
    new_due = survey.due_date + timedelta(days=5)
    preview = preview_deadline_move(dummy_lead, inventory.id, new_due)
    assert [s.task_id for s in preview][:2] == [inventory.id, survey.id]
    assert inventory.due_date != new_due, "a preview changes nothing"
    with received(signals.deadline_moved) as moved:
        shifts = move_deadline(dummy_lead, inventory.id, new_due, note="Retard de l'étude")
    session().commit()
    assert shifts == preview and moved[0]["shifts"] == shifts
    assert inventory.due_date == new_due and survey.due_date >= new_due
    assert diagnosis.due_date >= survey.due_date
    events = journal(plan, "deadline_moved")
    assert len(events) == len(shifts) and events[1].data == {"caused_by": "inventory-existing-studies"}
    with pytest.raises(PermissionDenied):
        move_deadline(assignee(survey), survey.id, new_due)


def test_reassign_within_the_role_only(plan: Plan, dummy_lead: Person, create_user: Any) -> None:
    data = task(plan, "employment-data")
    outsider = create_user("outsider@example.org")
    with pytest.raises(ValidationError):
        reassign_task(dummy_lead, data.id, outsider.id)
    reassign_task(dummy_lead, data.id, dummy_lead.id)
    session().commit()
    assert data.assignee_id == dummy_lead.id
    assert journal(plan, "task_reassigned")[0].actor_id == dummy_lead.id
    with pytest.raises(PermissionDenied):
        reassign_task(assignee(task(plan, "fund-pilot")), data.id, dummy_lead.id)


def test_auto_stage_closes_itself_and_last_stage_completes_the_plan(app: Flask, plan: Plan) -> None:
    from tests.engine_drive import drive_to_completion

    with received(signals.plan_status_changed) as status_changes:
        closed = drive_to_completion(plan)
    session().commit()
    assert closed == ["observe", "experiment", "adapt", "articulate", "lead-change"]
    adapt = stage(plan, "adapt")
    assert adapt.decision is None and adapt.status is StageStatus.CLOSED
    assert task(plan, "company-feedback").status in (DONE, TaskStatus.SKIPPED)
    assert status_changes[-1]["to_status"] is PlanStatus.COMPLETED


def test_opening_late_redates_planned_tasks_and_keeps_manual_moves(
    plan: Plan, dummy_lead: Person, clock: FrozenClock
) -> None:
    fund = task(plan, "fund-pilot")  # experiment stage, 45 days after its opening
    moved_to = fund.due_date + timedelta(days=4)
    move_deadline(dummy_lead, fund.id, moved_to)
    session().commit()
    experiment = stage(plan, "experiment")
    delay = timedelta(days=10)
    clock.set(datetime.combine(experiment.planned_start_date + delay, time(9), ZoneInfo("Europe/Paris")))
    finish(plan, "inventory-existing-studies", "employment-data", "business-survey", "shared-diagnosis")
    decide_gate(committee_member(plan), stage(plan, "observe").id, Decision.APPROVE)
    session().commit()
    assert experiment.status is StageStatus.OPEN
    opened = experiment.planned_start_date + delay
    assert task(plan, "design-pilot").due_date == opened + timedelta(days=30)
    assert task(plan, "fund-pilot").due_date == moved_to + delay
