"""Scheduled plans: created before their start date they wait, then open on it at the morning send hour
(``open_due_plans``, as the scheduler), or sooner when their lead says (``open_plan_now``)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from gpect_workflow import signals
from gpect_workflow.clock import FrozenClock
from gpect_workflow.errors import InvalidTransition, PermissionDenied, StaleObject
from gpect_workflow.models import (
    Decision,
    Event,
    OutboxMessage,
    Person,
    PersonRole,
    Plan,
    PlanStage,
    PlanStatus,
    StageStatus,
    Task,
    TaskStatus,
)
from gpect_workflow.notifications.announcements import deliver_announcements
from gpect_workflow.refusals import Refusal
from gpect_workflow.services.context import session
from gpect_workflow.services.plans.lifecycle import cancel_plan, hold_plan
from gpect_workflow.services.plans.opening import due_plans, open_due_plans, open_plan_now, opens_at
from gpect_workflow.services.stages.progression import decide_gate
from gpect_workflow.services.tasks.changes import change_task_status, move_deadline, reassign_task
from tests.engine_drive import committee_member
from tests.plan_helpers import received, start_five_levers_plan
from tests.query_count import count_queries
from tests.refusing import refused

PARIS = ZoneInfo("Europe/Paris")
#: Tuesday 1 December 2026, the day after the tests' clock.
START = date(2026, 12, 1)


def at(day: date, hour: int, minute: int, zone: str = "Europe/Paris") -> datetime:
    return datetime.combine(day, time(hour, minute), ZoneInfo(zone))


def scheduled(lead: Person, name: str = "Plan programmé", start: date = START, timezone: str = "Europe/Paris") -> Plan:
    plan = start_five_levers_plan(lead, start, name, open_now=False, timezone=timezone)
    session().commit()
    return plan


def fresh(plan: Plan) -> Plan:
    session().expire_all()
    found = session().get(Plan, plan.id)
    assert found is not None
    return found


def stages(plan: Plan) -> list[PlanStage]:
    query = sa.select(PlanStage).where(PlanStage.plan_id == plan.id).order_by(PlanStage.position)
    return list(session().scalars(query))


def events(plan: Plan) -> list[tuple[str, str | None, str | None, int | None]]:
    query = sa.select(Event).where(Event.plan_id == plan.id).order_by(Event.id)
    return [(e.kind, e.from_state, e.to_state, e.actor_id) for e in session().scalars(query)]


def outbox(kind: str) -> list[OutboxMessage]:
    return list(session().scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind)))


def first_task(plan: Plan) -> Task:
    query = sa.select(Task).where(Task.plan_id == plan.id, Task.task_key == "employment-data")
    found = session().scalar(query)
    assert found is not None
    return found


def open_at(clock: FrozenClock, instant: datetime, **kwargs: Any) -> list[Plan]:
    """What the tick does first, as of ``instant``; committed as the tick commits, then the announcements it
    recorded (the stage-opened notices) rendered, as the tick does next."""
    clock.set(instant)
    opened = open_due_plans(instant, **kwargs)
    session().commit()
    deliver_announcements()
    return opened


@pytest.fixture(autouse=True)
def _registered(definitions: None) -> None:
    """Every test here needs the shipped definitions."""


# --- Created scheduled -----------------------------------------------------------------------------------------


def test_a_plan_starting_tomorrow_is_scheduled_and_nobody_is_told(dummy_lead: Person) -> None:
    with received(signals.plan_created) as created, received(signals.stage_entered) as entered:
        plan = scheduled(dummy_lead)
    assert [call["plan"].id for call in created] == [plan.id] and entered == []
    plan = fresh(plan)
    assert plan.status is PlanStatus.SCHEDULED and plan.current_stage_key is None
    assert {(s.status, s.opened_dt) for s in stages(plan)} == {(StageStatus.PENDING, None)}
    assert stages(plan)[0].planned_start_date == START, "the schedule is the one the lead confirmed"
    assert events(plan) == [("plan_created", None, "scheduled", dummy_lead.id)]
    assert session().scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0, "no email at all"
    assert opens_at(plan) == at(START, 8, 30)


def test_open_now_and_a_start_date_today_or_past_open_at_once(dummy_lead: Person) -> None:
    early = start_five_levers_plan(dummy_lead, START, "Plan ouvert tôt", open_now=True)
    today = start_five_levers_plan(dummy_lead, date(2026, 11, 30), "Plan du jour", open_now=False)
    past = start_five_levers_plan(dummy_lead, date(2026, 11, 2), "Plan d'hier", open_now=False)
    session().commit()
    for plan in (early, today, past):
        assert fresh(plan).status is PlanStatus.ACTIVE and stages(plan)[0].status is StageStatus.OPEN
        assert [kind for kind, *_ in events(plan)] == ["plan_created", "stage_entered"]
    assert outbox("stage_opened") == [], "announced: the scheduler's pass renders them"
    deliver_announcements()
    assert {m.plan_id for m in outbox("stage_opened")} == {early.id, today.id, past.id}


def test_the_start_date_is_compared_with_today_in_the_plan_time_zone(dummy_lead: Person, clock: FrozenClock) -> None:
    """30 November, 20:00 in Paris: already 1 December in Nouméa, still 30 November in Cayenne."""
    clock.set(at(date(2026, 11, 30), 20, 0))
    noumea = scheduled(dummy_lead, "Nouméa", timezone="Pacific/Noumea")
    cayenne = scheduled(dummy_lead, "Cayenne", timezone="America/Cayenne")
    assert fresh(noumea).status is PlanStatus.ACTIVE, "its start date is today there"
    assert fresh(cayenne).status is PlanStatus.SCHEDULED


# --- Opened by the scheduler ----------------------------------------------------------------------------------


def test_the_scheduler_opens_it_at_the_send_hour_of_its_start_date_not_before(
    dummy_lead: Person, clock: FrozenClock
) -> None:
    plan = scheduled(dummy_lead)
    assert open_at(clock, at(date(2026, 11, 30), 23, 59)) == []
    assert open_at(clock, at(START, 8, 29)) == []
    assert fresh(plan).status is PlanStatus.SCHEDULED and outbox("stage_opened") == []

    with received(signals.stage_entered) as entered, received(signals.plan_status_changed) as changed:
        opened = open_at(clock, at(START, 8, 30))
    assert [p.id for p in opened] == [plan.id]
    assert [call["stage"].stage_key for call in entered] == ["observe"] and entered[0]["actor"] is None
    assert changed == [], "no plan-status notice: the stage-opened emails say it"
    plan = fresh(plan)
    assert plan.status is PlanStatus.ACTIVE and plan.current_stage_key == "observe"
    first, *others = stages(plan)
    assert first.status is StageStatus.OPEN and first.opened_dt == at(START, 8, 30)
    assert {s.status for s in others} == {StageStatus.PENDING}
    assert events(plan)[1:] == [
        ("plan_status_changed", "scheduled", "active", None),
        ("stage_entered", "pending", "open", None),
    ]
    assignees = {t.assignee_id for t in session().scalars(sa.select(Task).where(Task.stage_id == first.id))}
    assert {m.recipient_id for m in outbox("stage_opened")} == assignees
    assert len(outbox("stage_opened")) == len(assignees), "one stage-opened email each"
    assert outbox("plan_status") == []
    assert first_task(plan).due_date == date(2026, 12, 31), "the planned due dates stay"

    assert open_at(clock, at(START, 8, 31)) == [], "opened once"
    assert len(outbox("stage_opened")) == len(assignees)


def test_each_plan_opens_at_the_send_hour_of_its_own_time_zone(dummy_lead: Person, clock: FrozenClock) -> None:
    scheduled(dummy_lead, "Paris")
    cayenne = scheduled(dummy_lead, "Cayenne", timezone="America/Cayenne")  # UTC-3
    scheduled(dummy_lead, "Nouméa", date(2026, 12, 2), "Pacific/Noumea")  # UTC+11
    assert opens_at(cayenne) == at(START, 12, 30)
    assert [p.name for p in open_at(clock, at(START, 8, 30))] == ["Paris"]
    assert [p.name for p in open_at(clock, at(START, 8, 29, "America/Cayenne"))] == []
    assert [p.name for p in open_at(clock, at(START, 8, 30, "America/Cayenne"))] == ["Cayenne"]
    # 08:30 on 2 December in Nouméa is 22:30 on 1 December in Paris.
    assert [p.name for p in open_at(clock, at(date(2026, 12, 2), 8, 29, "Pacific/Noumea"))] == []
    assert [p.name for p in open_at(clock, at(START, 22, 30))] == ["Nouméa"]


def test_the_send_hour_is_the_configured_one(app: Any, dummy_lead: Person, clock: FrozenClock) -> None:
    app.config["REMINDER_SEND_HOUR"] = "07:00"
    plan = scheduled(dummy_lead)
    assert opens_at(plan) == at(START, 7, 0)
    assert open_at(clock, at(START, 6, 59)) == []
    assert [p.id for p in open_at(clock, at(START, 7, 0))] == [plan.id]


def test_a_plan_whose_start_passed_during_downtime_opens_at_the_next_tick(
    dummy_lead: Person, clock: FrozenClock
) -> None:
    plan = scheduled(dummy_lead)
    assert [p.id for p in open_at(clock, at(date(2026, 12, 5), 14, 0))] == [plan.id]
    assert stages(plan)[0].opened_dt == at(date(2026, 12, 5), 14, 0)
    assert first_task(plan).due_date == date(2026, 12, 31), "its dates are those it was scheduled with"


def test_at_most_limit_plans_open_per_call_the_rest_at_the_next(dummy_lead: Person, clock: FrozenClock) -> None:
    late = scheduled(dummy_lead, "Le 3", date(2026, 12, 3))
    first = scheduled(dummy_lead, "Le 1 (a)")
    second = scheduled(dummy_lead, "Le 1 (b)")
    instant = at(date(2026, 12, 3), 9, 0)
    assert [p.id for p in open_at(clock, instant, limit=2)] == [first.id, second.id], "longest waiting first"
    assert fresh(late).status is PlanStatus.SCHEDULED
    assert [p.id for p in open_at(clock, instant, limit=2)] == [late.id]
    assert open_at(clock, instant, limit=2) == []


def test_a_plan_not_yet_due_does_not_hold_up_one_that_is(dummy_lead: Person, clock: FrozenClock) -> None:
    """Both start on 1 December and Cayenne's comes first in the query, but only Nouméa's morning has come."""
    cayenne = scheduled(dummy_lead, "Cayenne", timezone="America/Cayenne")
    noumea = scheduled(dummy_lead, "Nouméa", timezone="Pacific/Noumea")
    assert cayenne.id < noumea.id
    instant = at(START, 8, 30, "Pacific/Noumea")
    assert due_plans(instant, limit=1) == [noumea.id]
    assert [p.id for p in open_at(clock, instant, limit=1)] == [noumea.id]


def test_finding_nothing_due_costs_one_query(dummy_lead: Person, clock: FrozenClock) -> None:
    for number in range(5):
        scheduled(dummy_lead, f"Plan {number}", START + timedelta(days=number))
    with count_queries() as statements:
        assert open_due_plans(at(START, 8, 0)) == []
    assert len(statements) == 1 and "gpect_plans" in statements[0]
    with pytest.raises(ValueError, match="at least 1"):
        due_plans(at(START, 8, 0), limit=0)


# --- Opened by the lead ---------------------------------------------------------------------------------------


def test_the_lead_or_an_administrator_opens_it_now(dummy_lead: Person, create_user: Any) -> None:
    plan = scheduled(dummy_lead)
    partner = session().get(Person, first_task(plan).assignee_id)
    other_lead = create_user("other.lead@example.org", PersonRole.LEAD)
    admin = create_user("admin@example.org", PersonRole.ADMIN)
    session().commit()
    for outsider in (partner, other_lead):
        with refused(PermissionDenied, Refusal.LEAD_OPENS_EARLY):
            open_plan_now(outsider, plan.id)  # type: ignore[arg-type]
        session().rollback()
    with pytest.raises(StaleObject):
        open_plan_now(dummy_lead, plan.id, expected_version=plan.version + 1)
    session().rollback()

    with received(signals.stage_entered) as entered:
        open_plan_now(dummy_lead, plan.id, expected_version=fresh(plan).version)
        session().commit()
    plan = fresh(plan)
    assert plan.status is PlanStatus.ACTIVE and [call["actor"].id for call in entered] == [dummy_lead.id]
    assert events(plan)[-2:] == [
        ("plan_status_changed", "scheduled", "active", dummy_lead.id),
        ("stage_entered", "pending", "open", dummy_lead.id),
    ]
    deliver_announcements()  # the scheduler's pass, woken by the request where it runs embedded
    assert outbox("stage_opened"), "its partners are told at once"
    assert first_task(plan).due_date == date(2026, 12, 31), "opening early keeps the planned deadlines"
    with refused(InvalidTransition, Refusal.ONLY_SCHEDULED_PLANS_OPEN):
        open_plan_now(admin, plan.id)
    session().rollback()

    other = scheduled(dummy_lead, "Autre plan")
    assert open_plan_now(admin, other.id).status is PlanStatus.ACTIVE


def test_a_plan_on_hold_is_resumed_not_opened(dummy_lead: Person) -> None:
    plan = start_five_levers_plan(dummy_lead)
    hold_plan(dummy_lead, plan.id)
    session().commit()
    with refused(InvalidTransition, Refusal.ONLY_SCHEDULED_PLANS_OPEN):
        open_plan_now(dummy_lead, plan.id)


# --- What a scheduled plan refuses and allows -----------------------------------------------------------------


def test_a_scheduled_plan_can_be_cancelled_and_then_never_opens(dummy_lead: Person, clock: FrozenClock) -> None:
    plan = scheduled(dummy_lead)
    with refused(InvalidTransition, Refusal.PLAN_CANNOT_GO, current=PlanStatus.SCHEDULED, target=PlanStatus.ON_HOLD):
        hold_plan(dummy_lead, plan.id)
    session().rollback()
    cancel_plan(dummy_lead, plan.id, note="Reporté à l'an prochain")
    session().commit()
    assert fresh(plan).status is PlanStatus.CANCELLED
    assert events(plan)[-1] == ("plan_status_changed", "scheduled", "cancelled", dummy_lead.id)
    assert open_at(clock, at(START, 9, 0)) == []
    assert {s.status for s in stages(plan)} == {StageStatus.PENDING} and outbox("stage_opened") == []


def test_the_tasks_of_a_scheduled_plan_refuse_changes(dummy_lead: Person) -> None:
    plan = scheduled(dummy_lead)
    task = first_task(plan)
    partner = session().get(Person, task.assignee_id)
    assert partner is not None
    attempts = [
        lambda: change_task_status(partner, task.id, TaskStatus.IN_PROGRESS),
        lambda: change_task_status(dummy_lead, task.id, TaskStatus.DONE, override_dependencies=True),
        lambda: move_deadline(dummy_lead, task.id, date(2027, 1, 15)),
        lambda: reassign_task(dummy_lead, task.id, dummy_lead.id),
        lambda: decide_gate(committee_member(plan), stages(plan)[0].id, Decision.APPROVE),
    ]
    for attempt in attempts:
        with refused(InvalidTransition, Refusal.PLAN_NOT_OPEN_YET):
            attempt()
        session().rollback()
    assert first_task(plan).status is TaskStatus.TODO and first_task(plan).due_date == date(2026, 12, 31)
