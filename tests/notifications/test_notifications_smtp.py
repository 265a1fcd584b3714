"""Reminders, notices and the outbox against a real SMTP server, with time moved by the clock."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from icalendar import Calendar

from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import (
    Language,
    OutboxMessage,
    OutboxStatus,
    Person,
    PersonRole,
    Plan,
    PlanStage,
    ReminderMode,
    TaskStatus,
)
from gpect_workflow.notifications.announcements import deliver_announcements
from gpect_workflow.notifications.outbox import claim, claim_ttl
from gpect_workflow.notifications.problems import DeliveryProblem
from gpect_workflow.scheduler.jobs import tick
from gpect_workflow.services.context import session
from gpect_workflow.services.definitions import register_definitions
from gpect_workflow.services.partners.organisations import ensure_organisation, ensure_territory
from gpect_workflow.services.partners.people import create_person
from gpect_workflow.services.plans.starting import PlanRequest, RoleMapping, start_plan
from gpect_workflow.state import EXTENSION_NAME
from tests.conftest import WORKFLOWS, empty_tables, make_app
from tests.factories import task
from tests.smtp_server import SmtpServer

PARIS = ZoneInfo("Europe/Paris")


def paris(day: date, hour: int = 8, minute: int = 31) -> datetime:
    return datetime.combine(day, time(hour, minute), PARIS)


@pytest.fixture
def clock(mail_app: Flask) -> FrozenClock:
    frozen = mail_app.extensions[EXTENSION_NAME].clock
    assert isinstance(frozen, FrozenClock)
    return frozen


@pytest.fixture
def people(mail_app: Flask) -> dict[str, Person]:
    register_definitions([WORKFLOWS])
    territory = ensure_territory("giennois", "Giennois", "45")
    house = ensure_organisation("Maison de l'Emploi de l'Est du Loiret", "employment_house", territory)  # type: ignore[arg-type]
    region = ensure_organisation("Région Centre-Val de Loire", "region", territory)  # type: ignore[arg-type]
    found = {
        "lead": create_person("lead@gien.example.org", PersonRole.LEAD, "Nathalie Lead", organisation=house),
        "partner": create_person("partner@gien.example.org", PersonRole.PARTNER, "Paul Partner", organisation=region),
        "referent": create_person(
            "referent@gien.example.org", PersonRole.PARTNER, "Rita Referent", organisation=region, is_referent=True
        ),
        "english": create_person(
            "english@gien.example.org", PersonRole.PARTNER, "Emma English", organisation=region, language="en"
        ),  # type: ignore[arg-type]
        "committee": create_person("copil@gien.example.org", PersonRole.COMMITTEE, "Carl Copil", organisation=region),
    }
    session().commit()
    return found


def start(
    people: dict[str, Person], clock: FrozenClock, day: date = date(2026, 12, 1), committee: list[Person] | None = None
) -> Plan:
    """A five-levers plan where the region role (employment data, funding...) is Paul, the rest Nathalie; Carl
    (or ``committee``) sits on the steering committee."""
    clock.set(paris(day, 9, 0))
    lead, partner = people["lead"], people["partner"]
    organisation = lead.organisation_id
    roles = {
        role: RoleMapping(organisation, [lead.id])
        for role in ("lead", "chamber_of_commerce", "training_body", "companies")
    }  # type: ignore[arg-type]
    roles["employment_service"] = RoleMapping(partner.organisation_id, [partner.id])  # type: ignore[arg-type]
    roles["region"] = RoleMapping(partner.organisation_id, [people["english"].id])  # type: ignore[arg-type]
    members = [member.id for member in committee or [people["committee"]]]
    roles["steering_committee"] = RoleMapping(partner.organisation_id, members)  # type: ignore[arg-type]
    plan = start_plan(
        lead,
        PlanRequest(
            "Plan Gien",
            "gpect-five-levers",
            1,
            lead.organisation.territory_id,  # type: ignore[union-attr]
            lead.id,
            day,
            roles,
        ),
    )
    session().commit()
    return plan


def outbox(kind: str | None = None) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(session().scalars(query))


def tick_at(clock: FrozenClock, instant: datetime) -> Any:
    clock.set(instant)
    return tick()


def test_stage_opening_notice_reaches_each_assignee_once_with_calendar(
    people: dict[str, Person], clock: FrozenClock, smtp: SmtpServer
) -> None:
    plan = start(people, clock)
    tick_at(clock, paris(date(2026, 12, 1), 9, 5))
    tick_at(clock, paris(date(2026, 12, 1), 9, 6))
    opened = [r for r in smtp.received if r.message["X-GPECT-Kind"] == "stage_opened"]
    assert sorted(r.recipients[0] for r in opened) == ["lead@gien.example.org", "partner@gien.example.org"]
    partner_mail = next(r for r in opened if r.recipients == ["partner@gien.example.org"])
    events = Calendar.from_ical(partner_mail.attachment("echeances.ics")).walk("VEVENT")
    data = task(plan, "employment-data")
    assert [str(e["uid"]) for e in events] == [f"gpect-task-{data.id}@gpect.test"]
    assert events[0].decoded("dtstart") == data.due_date
    assert len({r.message_id for r in smtp.received}) == len(smtp.received)


def test_reminder_leaves_once_at_the_send_hour_with_links_and_ics(
    people: dict[str, Person], clock: FrozenClock, smtp: SmtpServer
) -> None:
    plan = start(people, clock)
    tick_at(clock, paris(date(2026, 12, 1), 9, 5))
    data = task(plan, "employment-data")  # Paul's, due 31 December 2026 (30 days after the start)
    assert data.due_date == date(2026, 12, 31)
    before = len(smtp.received)

    def partners() -> list[Any]:
        return [r for r in smtp.received[before:] if r.recipients == ["partner@gien.example.org"]]

    tick_at(clock, paris(date(2026, 12, 24), 8, 29))  # d-7 is the 24th: not yet 08:30
    assert partners() == []
    tick_at(clock, paris(date(2026, 12, 24), 8, 31))
    tick_at(clock, paris(date(2026, 12, 24), 9, 40))
    reminders = partners()
    assert len(reminders) == 1
    mail = reminders[0]
    assert "7 jours" in mail.subject
    for kind in ("open_task", "mark_done", "more_time", "digest_only"):
        assert f"http://gpect.test/links/{kind}/" in mail.text
    ics = Calendar.from_ical(mail.attachment("echeances.ics"))
    assert [str(e["uid"]) for e in ics.walk("VEVENT")] == [f"gpect-task-{data.id}@gpect.test"]
    (row,) = [m for m in outbox("reminder") if m.task_id == data.id]
    assert row.status is OutboxStatus.SENT and mail.message_id.startswith("<") and "@gpect.test>" in mail.message_id


def test_english_recipient_gets_english_emails(people: dict[str, Person], clock: FrozenClock, smtp: SmtpServer) -> None:
    people["partner"].language = Language.EN
    session().commit()
    start(people, clock)
    tick_at(clock, paris(date(2026, 12, 24), 8, 31))
    mine = [r for r in smtp.received if r.recipients == ["partner@gien.example.org"]]
    kinds = {r.message["X-GPECT-Kind"]: r for r in mine}
    assert set(kinds) == {"stage_opened", "reminder"}
    assert 'lang="en"' in kinds["reminder"].html and "7 days" in kinds["reminder"].subject
    assert "Reminder" in kinds["reminder"].subject
    french = [r for r in smtp.received if r.recipients == ["lead@gien.example.org"]]
    assert french and all('lang="fr"' in r.html for r in french)


def test_after_downtime_one_reminder_that_still_makes_sense(
    people: dict[str, Person], clock: FrozenClock, smtp: SmtpServer
) -> None:
    plan = start(people, clock)
    tick_at(clock, paris(date(2026, 12, 1), 9, 5))
    data = task(plan, "employment-data")
    before = len(smtp.received)
    # Down from 1 December to 5 January: d-7, d-1, the due date and one overdue slot all passed unseen.
    tick_at(clock, paris(date(2027, 1, 5), 10, 0))
    mine = [r for r in smtp.received[before:] if r.recipients == ["partner@gien.example.org"]]
    assert len(mine) == 1
    assert "retard" in mine[0].subject.lower()
    assert "dans 7 jours" not in mine[0].text
    assert data.status is TaskStatus.TODO


def test_escalation_goes_to_lead_and_referent_whatever_their_mode(
    people: dict[str, Person], clock: FrozenClock, smtp: SmtpServer
) -> None:
    people["lead"].reminder_mode = ReminderMode.NONE
    session().commit()
    start(people, clock)
    tick_at(clock, paris(date(2027, 1, 6), 8, 0))
    before = len(smtp.received)
    tick_at(clock, paris(date(2027, 1, 7), 8, 31))  # employment-data due 31 December, escalated after 7 days late
    escalations = [r for r in smtp.received[before:] if r.message["X-GPECT-Kind"] == "escalation"]
    assert sorted(r.recipients[0] for r in escalations) == ["lead@gien.example.org", "referent@gien.example.org"]
    assert all("Paul Partner" in r.text for r in escalations)
    tick_at(clock, paris(date(2027, 1, 8), 8, 31))
    assert len([m for m in outbox("escalation")]) == 2, "an escalation leaves once"


def test_smtp_down_for_several_ticks_then_back_delivers_everything_once(
    people: dict[str, Person], clock: FrozenClock, smtp: SmtpServer
) -> None:
    start(people, clock)
    smtp.stop()
    for minutes in (5, 7, 12, 30):
        tick_at(clock, paris(date(2026, 12, 1), 9, minutes))
    queued = outbox()
    assert queued and all(m.status is OutboxStatus.PENDING for m in queued)
    assert max(m.attempts for m in queued) >= 2
    assert {m.failure_code for m in queued} <= {DeliveryProblem.RELAY_UNREACHABLE, DeliveryProblem.CONNECTION_LOST}
    assert all(m.last_error for m in queued), "the error, as technical detail"
    smtp.start()
    tick_at(clock, paris(date(2026, 12, 1), 12, 0))
    tick_at(clock, paris(date(2026, 12, 1), 12, 5))
    assert {m.status for m in outbox()} == {OutboxStatus.SENT}
    assert len(smtp.received) == len(queued) == len({r.message_id for r in smtp.received})


def test_451_is_retried_and_delivered(people: dict[str, Person], clock: FrozenClock, smtp: SmtpServer) -> None:
    start(people, clock)
    smtp.answer_next("451 4.3.0 Mailbox busy, try again later")
    tick_at(clock, paris(date(2026, 12, 1), 9, 5))
    retried = [m for m in outbox() if m.status is OutboxStatus.PENDING]
    assert len(retried) == 1 and retried[0].last_error and retried[0].last_error.startswith("451")
    assert retried[0].failure_code == DeliveryProblem.RELAY_DEFERRED
    tick_at(clock, paris(date(2026, 12, 1), 9, 6))  # the 1-minute backoff has passed
    assert {m.status for m in outbox()} == {OutboxStatus.SENT}
    assert retried[0].attempts == 2 and retried[0].failure_code is None, "sent: the failure is forgotten"
    assert len(smtp.received) == len(outbox())


def test_550_is_failed_visible_and_retryable(
    mail_app: Flask, people: dict[str, Person], clock: FrozenClock, smtp: SmtpServer
) -> None:
    start(people, clock)
    smtp.answer_next("550 5.1.1 No such user here")
    tick_at(clock, paris(date(2026, 12, 1), 9, 5))
    (failed,) = [m for m in outbox() if m.status is OutboxStatus.FAILED]
    assert failed.last_error == "550 5.1.1 No such user here" and failed.attempts == 1
    assert failed.failure_code == DeliveryProblem.RELAY_REFUSED_MESSAGE
    runner = mail_app.test_cli_runner()
    listing = runner.invoke(args=["gpect", "outbox", "--status", "failed"])
    assert "[relay_refused_message: 550 5.1.1 No such user here]" in listing.output
    assert failed.recipient_email in listing.output
    assert runner.invoke(args=["gpect", "outbox", "--retry", str(failed.id)]).exit_code == 0
    tick_at(clock, paris(date(2026, 12, 1), 9, 6))
    assert {m.status for m in outbox()} == {OutboxStatus.SENT}


def test_process_killed_between_claim_and_send_loses_nothing(
    people: dict[str, Person], clock: FrozenClock, smtp: SmtpServer
) -> None:
    start(people, clock)
    clock.set(paris(date(2026, 12, 1), 9, 5))
    assert deliver_announcements().messages > 0  # a pass renders the stage-opened notices, claims them...
    claimed = claim(100, "dead-process:1")
    session().commit()  # ... and the process dies here, before sending
    assert claimed and {m.status for m in outbox()} == {OutboxStatus.SENDING}
    tick_at(clock, paris(date(2026, 12, 1), 9, 6))
    assert smtp.received == [], "another sender must not take rows whose claim is still valid"
    tick_at(clock, paris(date(2026, 12, 1), 9, 5) + claim_ttl() + timedelta(seconds=1))
    assert {m.status for m in outbox()} == {OutboxStatus.SENT}
    assert len(smtp.received) == len(claimed)


def test_without_smtp_server_messages_are_captured(database_url: str, clock: Any = None) -> None:
    app = make_app(database_url)
    with app.app_context():
        try:
            register_definitions([WORKFLOWS])
            territory = ensure_territory("t", "T")
            organisation = ensure_organisation("O", "other", territory)  # type: ignore[arg-type]
            lead = create_person("l@example.org", PersonRole.LEAD, organisation=organisation)
            roles = {
                r: RoleMapping(organisation.id, [lead.id])
                for r in (
                    "lead",
                    "employment_service",
                    "region",
                    "chamber_of_commerce",
                    "training_body",
                    "companies",
                    "steering_committee",
                )
            }
            first_day = date(2026, 12, 1)
            request = PlanRequest("P", "gpect-five-levers", 1, territory.id, lead.id, first_day, roles, open_now=True)
            start_plan(lead, request)
            session().commit()
            report = tick()
            assert report.sending is not None and report.sending.captured == 1
            assert {m.status for m in outbox()} == {OutboxStatus.CAPTURED}
            listing = app.test_cli_runner().invoke(args=["gpect", "outbox"])
            assert "captured" in listing.output and "l@example.org" in listing.output
        finally:
            empty_tables(app)


def test_partner_signs_in_from_a_link_received_by_email(
    mail_app: Flask, people: dict[str, Person], smtp: SmtpServer
) -> None:
    import re

    from tests.conftest import post_form

    client = mail_app.test_client()
    answer = post_form(client, "/login/link", {"email": "partner@gien.example.org"}, buffered=True)
    unknown = post_form(client, "/login/link", {"email": "nobody@gien.example.org"}, buffered=True)
    assert answer.get_data(as_text=True).count("lien de connexion vient") == 1
    assert "lien de connexion vient" in unknown.get_data(as_text=True), "no hint whether an address has an account"
    (mail,) = smtp.received
    assert mail.recipients == ["partner@gien.example.org"] and mail.message["X-GPECT-Kind"] == "login_link"
    url = re.search(r"http://gpect\.test(/links/login/\S+)", mail.text).group(1)  # type: ignore[union-attr]
    assert "Me connecter" in client.get(url).get_data(as_text=True)
    signed = post_form(client, url)
    assert signed.status_code == 302 and signed.headers["Location"] == "/"
    assert "Paul Partner" in client.get("/").get_data(as_text=True)
    post_form(client, "/logout")
    assert post_form(client, url).status_code == 409, "a sign-in link works once"


def test_a_sign_in_link_leaves_at_once_without_the_backlog(
    mail_app: Flask, people: dict[str, Person], smtp: SmtpServer
) -> None:
    """The sign-in request sends its own email only: other due messages wait for the scheduler's pass."""
    from gpect_workflow.notifications.outbox import NewMessage, enqueue
    from gpect_workflow.notifications.sender import send_pending
    from tests.conftest import post_form

    backlog = [
        NewMessage(f"backlog:{n}", "test", f"someone-{n}@example.org", f"Backlog {n}", "Body.\n", None)
        for n in range(3)
    ]
    enqueue(backlog)
    session().commit()
    post_form(mail_app.test_client(), "/login/link", {"email": "partner@gien.example.org"}, buffered=True)
    assert [mail.message["X-GPECT-Kind"] for mail in smtp.received] == ["login_link"]
    pending = session().scalars(sa.select(OutboxMessage.status).where(OutboxMessage.kind == "test")).all()
    assert pending == [OutboxStatus.PENDING] * 3
    assert send_pending().sent == 3, "the scheduler's pass sends the rest"


def test_sign_in_links_cannot_flood_a_mailbox(
    mail_app: Flask, people: dict[str, Person], clock: FrozenClock, smtp: SmtpServer
) -> None:
    """Anyone may ask a link for any address: at most three leave for one person an hour, the page saying the
    same each time, so a stranger cannot bury someone's mailbox (nor learn more than the page tells)."""
    from tests.conftest import post_form

    clock.set(paris(date(2026, 12, 2), 10, 0))
    client = mail_app.test_client()
    answers = [post_form(client, "/login/link", {"email": "partner@gien.example.org"}, buffered=True) for _ in range(8)]
    assert {answer.status_code for answer in answers} == {200}
    assert len({answer.get_data(as_text=True).count("lien de connexion vient") for answer in answers}) == 1
    assert [mail.recipients for mail in smtp.received] == [["partner@gien.example.org"]] * 3
    assert len(outbox("login_link")) == 3, "the refused requests queue nothing either"
    post_form(client, "/login/link", {"email": "lead@gien.example.org"}, buffered=True)
    assert len(smtp.received) == 4, "the limit is each person's"
    clock.set(paris(date(2026, 12, 2), 11, 1))
    post_form(client, "/login/link", {"email": "partner@gien.example.org"}, buffered=True)
    assert len(smtp.received) == 5, "an hour later, a link leaves again"


def test_requests_that_counted_the_same_links_queue_one_email(
    mail_app: Flask, people: dict[str, Person], clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Requests arriving together each count the links sent lately before either has stored its own: the key
    names what they counted, so only the first queues an email and the limit holds without a lock."""
    from gpect_workflow.notifications import login_links, password_reset

    clock.set(paris(date(2026, 12, 2), 10, 0))
    partner = people["partner"]
    for module, queue, prefix, kind in (
        (login_links, login_links.queue_login_link, "login", "login_link"),
        (password_reset, password_reset.queue_password_reset, "reset", "password_reset"),
    ):
        counted = login_links.link_key(prefix, partner.id, kind)
        assert queue(partner) == counted, "the first request queues under the key of what it counted"
        session().commit()
        with monkeypatch.context() as patch:
            patch.setattr(module, "link_key", lambda *args, counted=counted: counted)
            assert queue(partner) is None, "the second counted the same links: its key is taken, nothing is queued"
        session().commit()
        assert len(outbox(kind)) == 1
        assert queue(partner) not in (None, counted), "a later request counts the first link: a key of its own"
        session().commit()
        assert len(outbox(kind)) == 2


# --- Steering committee: the gate awaiting it, rework with new dates -----------------------------------------


OBSERVE = ("inventory-existing-studies", "employment-data", "business-survey", "shared-diagnosis")


def _await_the_committee(people: dict[str, Person], clock: FrozenClock) -> tuple[Plan, dict[str, Person]]:
    """The plan with Carl (immediate), Dora (daily digest) and Ivan (deactivated) on its committee, its first
    stage finished on Tuesday 8 December 2026 at 10:00 in Paris, after that morning's pass: the gate awaits
    them."""
    from gpect_workflow.services.tasks.changes import change_task_status

    region = people["partner"].organisation
    dora = create_person("dora@gien.example.org", PersonRole.COMMITTEE, "Dora Digest", organisation=region)
    dora.reminder_mode = ReminderMode.DAILY
    ivan = create_person("ivan@gien.example.org", PersonRole.COMMITTEE, "Ivan Inactif", organisation=region)
    session().commit()
    plan = start(people, clock, committee=[people["committee"], dora, ivan])
    ivan.is_active = False
    session().commit()
    tick_at(clock, paris(date(2026, 12, 8), 9, 0))  # the opening notices, and the day's digests (empty) pass
    clock.set(paris(date(2026, 12, 8), 10, 0))
    for key in OBSERVE:
        work = task(plan, key)
        change_task_status(session().get(Person, work.assignee_id), work.id, TaskStatus.DONE)  # type: ignore[arg-type]
        session().commit()
    return plan, {"carl": people["committee"], "dora": dora, "ivan": ivan}


def test_the_committee_is_emailed_once_when_a_gate_awaits_it_with_a_link_to_the_review(
    mail_app: Flask, people: dict[str, Person], clock: FrozenClock, smtp: SmtpServer
) -> None:
    import re

    plan, members = _await_the_committee(people, clock)
    tick_at(clock, paris(date(2026, 12, 8), 10, 5))
    tick_at(clock, paris(date(2026, 12, 8), 10, 6))
    awaiting = [r for r in smtp.received if r.message["X-GPECT-Kind"] == "gate_awaiting"]
    assert [r.recipients for r in awaiting] == [["copil@gien.example.org"]], "once, to the immediate member only"
    mail = awaiting[0]
    assert "Observer et analyser" in mail.subject and "Plan Gien" in mail.text
    url = re.search(r"http://gpect\.test(/links/review_gate/\S+)", mail.text).group(1)  # type: ignore[union-attr]
    assert f'href="http://gpect.test{url}"' in mail.html
    observe = session().scalar(
        sa.select(PlanStage.id).where(PlanStage.plan_id == plan.id, PlanStage.stage_key == "observe")
    )
    client = mail_app.test_client()
    followed = client.get(url)
    assert followed.status_code == 302 and followed.headers["Location"] == f"/stages/{observe}/review"
    assert client.get(f"/stages/{observe}/review").headers["Location"].startswith("/login?next=")
    assert client.get(url[:-3] + "xyz").status_code == 400, "a tampered link leads nowhere"

    # Dora reads of it in her daily digest, the next working morning, with her own link; Ivan hears nothing.
    tick_at(clock, paris(date(2026, 12, 9), 8, 31))
    digests = [r for r in smtp.received if r.message["X-GPECT-Kind"] == "digest"]
    assert [r.recipients for r in digests] == [["dora@gien.example.org"]]
    assert "En attente de la décision de votre comité" in digests[0].text
    assert "Observer et analyser" in digests[0].text and "/links/review_gate/" in digests[0].text
    assert not any("ivan@gien.example.org" in r.recipients for r in smtp.received)
    assert members["ivan"].is_active is False


def test_the_rework_email_names_each_reopened_tasks_new_date_in_each_language(
    mail_app: Flask, people: dict[str, Person], clock: FrozenClock, smtp: SmtpServer
) -> None:
    from gpect_workflow.models import Decision
    from gpect_workflow.services.stages.progression import decide_gate

    people["lead"].language = Language.EN
    plan, members = _await_the_committee(people, clock)
    observe = session().scalar(
        sa.select(PlanStage.id).where(PlanStage.plan_id == plan.id, PlanStage.stage_key == "observe")
    )
    assert observe is not None
    decide_gate(
        members["carl"],
        observe,
        Decision.REWORK,
        minutes="Compléter les données",
        reopen=["employment-data", "shared-diagnosis"],
        due_dates={"employment-data": date(2027, 1, 15)},
    )
    session().commit()
    tick_at(clock, paris(date(2026, 12, 8), 10, 30))
    decided = {r.recipients[0]: r for r in smtp.received if r.message["X-GPECT-Kind"] == "gate_decided"}
    assert set(decided) == {"lead@gien.example.org", "partner@gien.example.org"}
    french, english = decided["partner@gien.example.org"], decided["lead@gien.example.org"]
    assert "nouvelle échéance\u00a0: 15 janvier 2027" in french.text
    assert "nouvelle échéance&nbsp;: 15 janvier 2027" in french.html
    # The diagnosis had 80 days from its stage's start: 8 December + 80 days.
    assert "nouvelle échéance\u00a0: 26 février 2027" in french.text
    assert "new deadline: 15 January 2027" in english.text and "new deadline: 26 February 2027" in english.text
    assert task(plan, "employment-data").due_date == date(2027, 1, 15)
