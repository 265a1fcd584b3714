"""Delay requests: asked with a date and a reason, one pending per task, previewed without writing, accepted
(the deadline and its dependents move, the partner is told) or refused with a reason, withdrawn; who may
do what; the date rule and hostile input."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from gpect_workflow.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from gpect_workflow.models import (
    DelayRequest,
    DelayStatus,
    Event,
    OutboxMessage,
    Person,
    PersonRole,
    Plan,
    Task,
    TaskStatus,
)
from gpect_workflow.notifications.announcements import deliver_announcements
from gpect_workflow.refusals import Refusal
from gpect_workflow.services.context import session
from gpect_workflow.services.tasks.changes import change_task_status
from gpect_workflow.services.tasks.deadlines import due_date_window
from gpect_workflow.services.tasks.delay_requests import (
    accept_delay_request,
    ask_for_delay,
    pending_for_manager,
    preview_delay_request,
    refuse_delay_request,
    withdraw_delay_request,
)
from tests.factories import task
from tests.plan_helpers import start_five_levers_plan

ASKED = date(2027, 1, 20)


@pytest.fixture
def plan(definitions: None, dummy_lead: Person) -> Plan:
    started = start_five_levers_plan(dummy_lead, date(2026, 12, 1))
    session().commit()
    return started


def person(person_id: int | None) -> Person:
    found = session().get(Person, person_id)
    assert found is not None
    return found


def asker(plan: Plan) -> Person:
    """The assignee of ``employment-data`` (due 31 December 2026; ``shared-diagnosis`` waits for it)."""
    return person(task(plan, "employment-data").assignee_id)


def outbox(kind: str) -> list[OutboxMessage]:
    """The messages of ``kind`` queued once the pass has rendered what was announced."""
    deliver_announcements()
    return list(session().scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind)))


def test_a_request_is_stored_journaled_and_told_to_the_lead(plan: Plan, dummy_lead: Person) -> None:
    data = task(plan, "employment-data")
    request = ask_for_delay(asker(plan), data.id, ASKED, "  Les données arrivent\r\nle 10 janvier.  ")
    session().commit()
    assert request.status is DelayStatus.PENDING and request.due_date == ASKED
    assert request.reason == "Les données arrivent\nle 10 janvier.", "line ends made \\n, blanks trimmed"
    assert request.current_due_date == date(2026, 12, 31)
    event = session().scalar(sa.select(Event).where(Event.kind == "delay_requested"))
    assert event is not None and (event.from_state, event.to_state) == ("2026-12-31", "2027-01-20")
    (notice,) = outbox("delay_requested")
    assert notice.recipient_email == dummy_lead.email and notice.recipient_id == dummy_lead.id
    assert "20 janvier 2027" in notice.body_text and "le 10 janvier" in notice.body_text
    assert f"/tasks/{data.id}#delay-requests" in notice.body_text
    assert task(plan, "employment-data").due_date == date(2026, 12, 31), "asking moves nothing"


def test_a_second_pending_request_on_the_task_is_refused(plan: Plan) -> None:
    data = task(plan, "employment-data")
    ask_for_delay(asker(plan), data.id, ASKED, "Raison")
    with pytest.raises(InvalidTransition) as refused:
        ask_for_delay(asker(plan), data.id, date(2027, 1, 25), "Encore")
    assert refused.value.refusal is Refusal.DELAY_ALREADY_PENDING


def test_the_partial_unique_index_keeps_one_pending_request_per_task(plan: Plan) -> None:
    data = task(plan, "employment-data")
    first = ask_for_delay(asker(plan), data.id, ASKED, "Raison")
    session().commit()
    twin = DelayRequest(
        plan_id=plan.id,
        task_id=data.id,
        requester_id=first.requester_id,
        current_due_date=first.current_due_date,
        due_date=ASKED,
        reason="Doublon",
        status=DelayStatus.PENDING,
        created_dt=first.created_dt,
    )
    session().add(twin)
    with pytest.raises(sa.exc.IntegrityError):
        session().flush()
    session().rollback()
    withdrawn = session().get(DelayRequest, first.id)
    assert withdrawn is not None
    withdrawn.status = DelayStatus.WITHDRAWN
    session().commit()
    again = ask_for_delay(asker(plan), data.id, ASKED, "Nouvelle demande")
    session().commit()
    assert again.id != first.id, "an answered or withdrawn request leaves room for a new one"


def test_a_request_on_a_finished_task_is_refused(plan: Plan) -> None:
    data = task(plan, "inventory-existing-studies")
    worker = person(data.assignee_id)
    change_task_status(worker, data.id, TaskStatus.DONE)
    with pytest.raises(InvalidTransition) as refused:
        ask_for_delay(worker, data.id, ASKED, "Raison")
    assert refused.value.refusal is Refusal.FINISHED_TASK_NEEDS_NO_TIME


@pytest.mark.parametrize(
    ("day", "field_message"),
    [
        (date(2026, 11, 29), "Choose a date from %(first)s to %(last)s."),  # before the plan's start
        (date(2026, 12, 30), "Choose a date after the current deadline, %(current)s."),
        (date(2099, 12, 31), "Choose a date from %(first)s to %(last)s."),  # past the horizon
        (date(9999, 12, 31), "Enter a date between 2000 and 2099."),
    ],
)
def test_the_date_asked_follows_the_deadline_rule(plan: Plan, day: date, field_message: str) -> None:
    data = task(plan, "employment-data")
    with pytest.raises(ValidationError) as refused:
        ask_for_delay(asker(plan), data.id, day, "Raison")
    assert refused.value.fields == {"due_date": [field_message]}
    assert session().scalar(sa.select(sa.func.count()).select_from(DelayRequest)) == 0


def test_a_date_already_past_is_refused(plan: Plan, clock: object) -> None:
    from datetime import timedelta

    from gpect_workflow.clock import FrozenClock

    assert isinstance(clock, FrozenClock)
    clock.advance(timedelta(days=40))  # 9 January 2027: the deadline of 31 December is passed
    data = task(plan, "employment-data")
    with pytest.raises(ValidationError) as refused:
        ask_for_delay(asker(plan), data.id, date(2027, 1, 5), "Raison")
    assert refused.value.fields == {"due_date": ["Choose a date from today on."]}


@pytest.mark.parametrize("reason", ["", "   ", "\x00", "a\x00b", "x" * 2001, "ok\x1bnot"])
def test_a_reason_is_needed_and_free_of_control_characters(plan: Plan, reason: str) -> None:
    data = task(plan, "employment-data")
    with pytest.raises(ValidationError) as refused:
        ask_for_delay(asker(plan), data.id, ASKED, reason)
    assert list(refused.value.fields) == ["reason"]


def test_only_people_working_on_the_task_or_the_lead_ask(plan: Plan, create_user: object) -> None:
    data = task(plan, "employment-data")
    other = task(plan, "business-survey")
    bystander = person(other.assignee_id)
    assert bystander.id != data.assignee_id
    with pytest.raises(PermissionDenied) as refused:
        ask_for_delay(bystander, data.id, ASKED, "Raison")
    assert refused.value.refusal is Refusal.WORKERS_ASK_FOR_TIME
    outsider = create_user("outsider@example.org")  # type: ignore[operator]
    with pytest.raises(NotFound):
        ask_for_delay(outsider, data.id, ASKED, "Raison")


def test_the_preview_shows_the_shift_of_dependents_without_writing(plan: Plan, dummy_lead: Person) -> None:
    data = task(plan, "employment-data")
    request = ask_for_delay(asker(plan), data.id, date(2027, 3, 20), "Raison")
    session().commit()
    events = session().scalar(sa.select(sa.func.count()).select_from(Event))
    move = preview_delay_request(dummy_lead, request.id)
    assert move.shifts[0].task_id == data.id and move.shifts[0].new == date(2027, 3, 20)
    dependent = task(plan, "shared-diagnosis")
    assert dependent.id in {shift.task_id for shift in move.shifts}, "the diagnosis waits for the data"
    session().rollback()
    assert task(plan, "employment-data").due_date == date(2026, 12, 31)
    assert session().scalar(sa.select(sa.func.count()).select_from(Event)) == events


def test_accepting_moves_the_deadline_and_dependents_and_tells_the_partner(plan: Plan, dummy_lead: Person) -> None:
    data = task(plan, "employment-data")
    worker = asker(plan)
    request = ask_for_delay(worker, data.id, date(2027, 3, 20), "Raison")
    session().commit()
    dependent_before = task(plan, "shared-diagnosis").due_date
    move = accept_delay_request(dummy_lead, request.id, "D'accord")
    session().commit()
    assert task(plan, "employment-data").due_date == date(2027, 3, 20)
    assert task(plan, "shared-diagnosis").due_date > dependent_before
    assert len(move.shifts) > 1
    stored = session().get(DelayRequest, request.id)
    assert stored is not None and stored.status is DelayStatus.ACCEPTED and stored.answered_by_id == dummy_lead.id
    assert stored.answer_reason == "D'accord" and stored.answered_dt is not None
    kinds = set(session().scalars(sa.select(Event.kind).where(Event.task_id == data.id)))
    assert {"delay_requested", "deadline_moved", "delay_accepted"} <= kinds
    (told,) = outbox("delay_accepted")
    assert told.recipient_id == worker.id and "20 mars 2027" in told.body_text and "D'accord" in told.body_text
    # The requester hears of the new date once, by the answer; the dependents' people by "deadline moved".
    dependents = {session().get(Task, shift.task_id) for shift in move.shifts[1:]}
    owners = {moved.assignee_id or plan.lead_id for moved in dependents if moved is not None}
    moved_emails = {message.recipient_id: message for message in outbox("deadline_moved")}
    assert set(moved_emails) == owners
    assert worker.id in owners  # the worker also owns a dependent: that one, and only it, is in their email
    assert (
        "20 mars 2027" not in moved_emails[worker.id].body_text
        and "d'une de vos tâches" in moved_emails[worker.id].body_text
    )
    with pytest.raises(InvalidTransition) as again:
        refuse_delay_request(dummy_lead, request.id, "Non")
    assert again.value.refusal is Refusal.DELAY_REQUEST_ANSWERED


def test_refusing_needs_a_reason_keeps_the_deadline_and_tells_the_partner(plan: Plan, dummy_lead: Person) -> None:
    data = task(plan, "employment-data")
    worker = asker(plan)
    request = ask_for_delay(worker, data.id, ASKED, "Raison")
    session().commit()
    with pytest.raises(ValidationError) as no_reason:
        refuse_delay_request(dummy_lead, request.id, "  ")
    assert list(no_reason.value.fields) == ["reason"]
    refuse_delay_request(dummy_lead, request.id, "Le comité se réunit le 5 janvier.")
    session().commit()
    assert task(plan, "employment-data").due_date == date(2026, 12, 31)
    stored = session().get(DelayRequest, request.id)
    assert stored is not None and stored.status is DelayStatus.REFUSED
    (told,) = outbox("delay_refused")
    assert told.recipient_id == worker.id and "Le comité se réunit le 5 janvier." in told.body_text
    assert session().scalar(sa.select(Event).where(Event.kind == "delay_refused")) is not None


def test_a_partner_cannot_answer_and_nobody_answers_their_own_request(
    plan: Plan, dummy_lead: Person, create_user: object
) -> None:
    data = task(plan, "employment-data")
    worker = asker(plan)
    request = ask_for_delay(worker, data.id, ASKED, "Raison")
    for answer in (
        lambda: accept_delay_request(worker, request.id),
        lambda: refuse_delay_request(worker, request.id, "Non"),
    ):
        with pytest.raises(PermissionDenied) as refused:
            answer()
        assert refused.value.refusal is Refusal.LEAD_ANSWERS_DELAY_REQUESTS
    admin = create_user("admin@example.org", PersonRole.ADMIN)  # type: ignore[operator]
    withdraw_delay_request(worker, request.id)
    own = ask_for_delay(admin, data.id, ASKED, "Raison de l'administrateur")
    with pytest.raises(PermissionDenied) as own_refused:
        accept_delay_request(admin, own.id)
    assert own_refused.value.refusal is Refusal.OWN_DELAY_REQUEST
    accept_delay_request(dummy_lead, own.id)  # the lead answers an administrator's request


def test_only_the_requester_withdraws_and_outsiders_see_nothing(
    plan: Plan, dummy_lead: Person, create_user: object
) -> None:
    data = task(plan, "employment-data")
    worker = asker(plan)
    request = ask_for_delay(worker, data.id, ASKED, "Raison")
    with pytest.raises(PermissionDenied) as refused:
        withdraw_delay_request(dummy_lead, request.id)
    assert refused.value.refusal is Refusal.REQUESTER_WITHDRAWS
    outsider = create_user("outsider@example.org", PersonRole.LEAD)  # type: ignore[operator]
    for attempt in (
        lambda: withdraw_delay_request(outsider, request.id),
        lambda: accept_delay_request(outsider, request.id),
        lambda: refuse_delay_request(outsider, request.id, "Non"),
        lambda: preview_delay_request(outsider, request.id),
    ):
        with pytest.raises(NotFound) as hidden:
            attempt()
        assert hidden.value.refusal is Refusal.NO_SUCH_DELAY_REQUEST
    withdraw_delay_request(worker, request.id)
    session().commit()
    stored = session().get(DelayRequest, request.id)
    assert stored is not None and stored.status is DelayStatus.WITHDRAWN and stored.answered_by_id is None
    assert pending_for_manager(dummy_lead).total == 0
    assert not outbox("delay_accepted") and not outbox("delay_refused")


def test_the_leads_pending_list(plan: Plan, dummy_lead: Person, create_user: object) -> None:
    data = task(plan, "employment-data")
    ask_for_delay(asker(plan), data.id, ASKED, "Raison")
    session().commit()
    mine = pending_for_manager(dummy_lead)
    assert mine.total == 1 and mine.items[0].task.id == data.id and mine.items[0].title.fr
    other_lead = create_user("other.lead@example.org", PersonRole.LEAD)  # type: ignore[operator]
    assert pending_for_manager(other_lead).total == 0
    first, last = due_date_window(plan)
    assert first <= ASKED <= last


def test_finishing_the_task_closes_its_pending_request(plan: Plan, dummy_lead: Person) -> None:
    """A finished task needs no more time: its request leaves the lead's lists, can be answered no more, and a
    task without a request costs no extra statement (the lock's statement says whether one waits)."""
    data = task(plan, "employment-data")
    worker = asker(plan)
    request = ask_for_delay(worker, data.id, ASKED, "Raison")
    session().commit()
    assert pending_for_manager(dummy_lead).total == 1
    change_task_status(worker, data.id, TaskStatus.DONE)
    session().commit()
    session().expire_all()
    closed = session().get(DelayRequest, request.id)
    assert closed is not None and closed.status is DelayStatus.CLOSED and closed.answered_dt is not None
    assert pending_for_manager(dummy_lead).total == 0
    with pytest.raises(InvalidTransition) as refused:
        accept_delay_request(dummy_lead, request.id)
    assert refused.value.refusal is Refusal.DELAY_REQUEST_ANSWERED
    change_task_status(dummy_lead, data.id, TaskStatus.TODO, note="Rouverte")
    session().commit()
    again = ask_for_delay(worker, data.id, ASKED, "Nouvelle demande")
    assert again.id != request.id, "a reopened task may ask again"
