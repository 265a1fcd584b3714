"""The outbox page: administrators only, status tabs, pages, one message in full, and retrying failures."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from itertools import count
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient

from gpect_workflow.models import Announcement, Language, OutboxMessage, OutboxStatus, Person, PersonRole, PlanStage
from gpect_workflow.notifications.announcements import announce, deliver_announcements
from gpect_workflow.notifications.outbox import Attachment, NewMessage, enqueue
from gpect_workflow.notifications.sender import send_pending
from gpect_workflow.services.context import session
from gpect_workflow.services.partners.people import create_person
from tests.conftest import post_form, sign_in
from tests.plan_helpers import start_five_levers_plan
from tests.query_count import count_queries
from tests.smtp_server import SmtpServer

_keys = count(1)


def text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def queue(
    status: OutboxStatus = OutboxStatus.PENDING,
    number: int = 1,
    *,
    subject: str = "Rappel d'échéance",
    html_body: str | None = "<p>Bonjour</p>",
    attachments: tuple[Attachment, ...] = (),
    **values: Any,
) -> list[int]:
    """``number`` messages in ``status`` (other columns set from ``values``); their ids, oldest first."""
    keys = enqueue(
        [
            NewMessage(
                f"test:{next(_keys)}",
                "reminder",
                f"partner{index}@example.org",
                subject if number == 1 else f"{subject} {index}",
                "Bonjour,\nune échéance approche.\n",
                html_body,
                attachments=attachments,
            )
            for index in range(1, number + 1)
        ]
    )
    session().execute(
        sa.update(OutboxMessage).where(OutboxMessage.idempotency_key.in_(keys)).values(status=status, **values)
    )
    session().commit()
    query = sa.select(OutboxMessage.id).where(OutboxMessage.idempotency_key.in_(keys)).order_by(OutboxMessage.id)
    return list(session().scalars(query))


def message(message_id: int) -> OutboxMessage:
    session().expire_all()
    found = session().get(OutboxMessage, message_id)
    assert found is not None
    return found


@pytest.fixture
def admin(create_user: Any) -> Person:
    person = create_user("admin@example.org", PersonRole.ADMIN, name="Ada Admin", language=Language.EN)
    session().commit()
    return person


# --- Who may see it ---------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(app: Flask, client: FlaskClient) -> None:
    (failed,) = queue(OutboxStatus.FAILED)
    for url in ("/outbox", "/outbox?status=failed", f"/outbox/{failed}"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=") and "outbox" in response.headers["Location"]
    for url in (f"/outbox/{failed}/retry", "/outbox/retry-failed"):
        assert post_form(client, url).status_code == 302
    assert message(failed).status is OutboxStatus.FAILED


@pytest.mark.parametrize("role", [PersonRole.LEAD, PersonRole.PARTNER, PersonRole.COMMITTEE])
def test_people_other_than_administrators_get_403(client: FlaskClient, create_user: Any, role: PersonRole) -> None:
    (failed,) = queue(OutboxStatus.FAILED, subject="Secret subject")
    person = create_user("someone@example.org", role, language=Language.EN)
    session().commit()
    sign_in(client, person)
    for response in (client.get("/outbox"), client.get(f"/outbox/{failed}")):
        assert response.status_code == 403
        assert "Access denied" in text(response) and "Secret subject" not in text(response)
    assert post_form(client, f"/outbox/{failed}/retry").status_code == 403
    assert post_form(client, "/outbox/retry-failed").status_code == 403
    assert message(failed).status is OutboxStatus.FAILED
    assert 'href="/outbox"' not in text(client.get("/preferences")), "no menu entry either"


# --- The list ---------------------------------------------------------------------------------------------------


def test_tabs_count_every_status_and_filter_the_list(client: FlaskClient, admin: Person) -> None:
    queue(OutboxStatus.PENDING, 2, subject="Pending mail")
    queue(OutboxStatus.SENT, 3, subject="Sent mail")
    queue(OutboxStatus.FAILED, 1, subject="Failed mail", attempts=8, last_error="550 5.1.1 mailbox unavailable")
    sign_in(client, admin)

    page = text(client.get("/outbox"))
    assert 'href="/outbox"' in page, "administrators find it in the menu"
    for label in ("All (6)", "Pending (2)", "Sent (3)", "Failed (1)", "Captured (0)", "Being sent (0)"):
        assert label in page, label
    assert page.count("Pending mail") == 2 and page.count("Sent mail") == 3 and "Failed mail" in page

    failed = text(client.get("/outbox?status=failed"))
    assert "Failed mail" in failed and "Sent mail" not in failed and "Pending mail" not in failed
    assert "550 5.1.1 mailbox unavailable" in failed
    assert re.search(r"<td>8</td>", failed), "attempts shown"
    assert re.search(r'aria-current="page">Failed \(1\)', failed)
    assert "Retry every failed message (1)" in failed

    sent = text(client.get("/outbox?status=sent"))
    assert sent.count("Sent mail") == 3 and "Failed mail" not in sent
    assert client.get("/outbox?status=lost").status_code == 400


def test_pages_follow_page_size_and_keep_the_filter(app: Flask, client: FlaskClient, admin: Person) -> None:
    app.config["PAGE_SIZE"] = 3
    queue(OutboxStatus.SENT, 7, subject="Sent")
    queue(OutboxStatus.FAILED, 1, subject="Other")
    sign_in(client, admin)

    first = text(client.get("/outbox?status=sent"))
    assert [f"Sent {n}" in first for n in range(1, 8)] == [False] * 4 + [True] * 3, "newest first"
    assert "Page 1 of 3" in first and "/outbox?status=sent&amp;page=2" in client.get("/outbox?status=sent").text
    last = text(client.get("/outbox?status=sent&page=3"))
    assert "Sent 1" in last and "Sent 2" not in last and "Other" not in last
    beyond = text(client.get("/outbox?status=sent&page=99"))
    assert "Page 3 of 3" in beyond and "Sent 1" in beyond


def test_times_are_shown_in_the_readers_time_zone(client: FlaskClient, create_user: Any) -> None:
    reader = create_user("admin@example.org", PersonRole.ADMIN, language=Language.FR, timezone="America/Cayenne")
    session().commit()
    queue(OutboxStatus.SENT)  # queued and sent at 08:00 UTC: 05:00 in Cayenne, 09:00 in Paris
    session().execute(sa.update(OutboxMessage).values(sent_dt=OutboxMessage.created_dt))
    session().commit()
    sign_in(client, reader)
    page = text(client.get("/outbox"))
    assert page.count("30/11/2026 05:00") == 2 and "09:00" not in page
    assert "America/Cayenne" in page


def test_the_list_costs_the_same_queries_with_10_and_200_messages(client: FlaskClient, admin: Person) -> None:
    def measure() -> int:
        sign_in(client, admin)  # the signed-in person is loaded afresh, as on any request
        with count_queries() as statements:
            response = client.get("/outbox")
        assert response.status_code == 200
        return len(statements)

    for status in OutboxStatus:
        queue(status, 2)
    few = measure()
    for status in OutboxStatus:
        queue(status, 38)
    many = measure()
    assert many == few <= 5  # the person, the status counts, the page, the failed notices' count and list


# --- One message ------------------------------------------------------------------------------------------------


def test_a_message_in_full(client: FlaskClient, admin: Person) -> None:
    invite = Attachment("echeances.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    (failed,) = queue(
        OutboxStatus.FAILED,
        subject="Rappel : diagnostic",
        attachments=(invite,),
        attempts=3,
        last_error="554 5.7.1 rejected",
    )
    sign_in(client, admin)
    response = client.get(f"/outbox/{failed}")
    page = text(response)
    assert response.status_code == 200
    assert "<h1>Rappel : diagnostic</h1>" in page and "partner1@example.org" in page
    assert "554 5.7.1 rejected" in page and "Reminder" in page and "test:" in page
    assert '<pre class="email-text" aria-labelledby="text-version">Bonjour,\nune échéance approche.' in page
    assert "echeances.ics" in page and "text/calendar" in page
    assert "Retry this message" in page
    assert client.get("/outbox/999999").status_code == 404


def test_html_bodies_are_sandboxed_and_escaped_never_run(client: FlaskClient, admin: Person) -> None:
    hostile = '<p>Bonjour</p><script>alert("owned")</script><img src=x onerror="alert(1)"><form action="/logout">'
    (sent,) = queue(OutboxStatus.SENT, subject="<b>Subject</b>", html_body=hostile)
    sign_in(client, admin)
    response = client.get(f"/outbox/{sent}")
    raw = response.get_data(as_text=True)
    assert re.findall(r"<script[^>]*>", raw) == ['<script src="/static/gpect/tables.js" defer>'], "ours only"
    assert "<img" not in raw and '<form action="/logout"' not in raw
    assert "<b>Subject</b>" not in raw and "&lt;b&gt;Subject&lt;/b&gt;" in raw
    (frame,) = re.findall(r"<iframe[^>]*>", raw)
    assert 'sandbox=""' in frame and "allow-" not in frame, "a sandbox that allows nothing"
    srcdoc = re.search(r'srcdoc="([^"]*)"', frame)
    assert srcdoc and html.unescape(srcdoc.group(1)) == hostile, "the frame gets the email, as data"
    assert "&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt;" in raw, "the source shown escaped"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    listing = client.get("/outbox").get_data(as_text=True)
    assert "<b>Subject</b>" not in listing and "&lt;b&gt;Subject&lt;/b&gt;" in listing


def test_a_message_held_up_says_since_when_and_until_when_it_is_retried(client: FlaskClient, admin: Person) -> None:
    (waiting,) = queue(
        OutboxStatus.PENDING,
        attempts=4,
        last_error="cannot reach the SMTP server: ConnectionRefusedError: [Errno 111] Connection refused",
        retrying_since_dt=datetime(2026, 11, 29, 8, 0, tzinfo=UTC),
    )
    page = text(sign_in(client, admin).get(f"/outbox/{waiting}"))
    assert "Retried since" in page and "Connection refused" in page
    assert "it fails if still undelivered 72 hours after this" in page


def test_a_coded_failure_reads_in_french_and_an_uncoded_one_as_stored(client: FlaskClient, create_user: Any) -> None:
    """The code of a failure is told in the page's language, its technical detail beside it; a row stored
    before codes shows its text as it was."""
    french_admin = create_user("admin.fr@example.org", PersonRole.ADMIN, name="Ada Admin", language=Language.FR)
    session().commit()
    (coded,) = queue(
        OutboxStatus.FAILED,
        subject="Codé",
        failure_code="relay_unreachable",
        last_error="ConnectionRefusedError: [Errno 111] Connection refused",
    )
    (old,) = queue(OutboxStatus.FAILED, subject="Ancien", last_error="cannot be sent: UnicodeEncodeError")
    sign_in(client, french_admin)
    words = "Le serveur de messagerie est injoignable"
    page = text(client.get(f"/outbox/{coded}"))
    assert words in page and "détail technique\u00a0:" in page and "[Errno 111] Connection refused" in page
    assert "cannot be reached" not in page and "relay_unreachable" not in page
    listing = text(client.get("/outbox?status=failed"))
    assert f"{words} — détail technique\u00a0: ConnectionRefusedError" in listing
    assert "cannot be sent: UnicodeEncodeError" in listing, "an uncoded row shows its stored text"
    assert "cannot be sent: UnicodeEncodeError" in text(client.get(f"/outbox/{old}"))


def test_notices_that_could_not_be_written_are_listed_and_given_to_the_next_pass_again(
    client: FlaskClient, create_user: Any, definitions: None, dummy_lead: Person
) -> None:
    """A change whose emails could not be written is shown with its plan and error, in the page's language;
    "try again" gives it to the next pass, which writes it once its cause is fixed. Only administrators may."""
    french_admin = create_user("admin.fr@example.org", PersonRole.ADMIN, name="Ada Admin", language=Language.FR)
    plan = start_five_levers_plan(dummy_lead)
    deliver_announcements()
    stage_id = session().scalar(sa.select(PlanStage.id).where(PlanStage.plan_id == plan.id).order_by(PlanStage.id))
    announce("stage_opened", plan, {"stage_id": 10**9, "opened": ""})
    session().commit()
    assert deliver_announcements().failed
    sign_in(client, french_admin)
    page = text(client.get("/outbox"))
    section = page[page.index('id="failed-notices"') :]
    assert 'Notifications non rédigées <span class="muted">(1)</span>' in section and "Étape ouverte" in section
    assert plan.name in section and "LookupError: stage 1000000000 not found" in section
    assert "Stage opened" not in section and "stage_opened" not in section.split("<table")[1].split("</table>")[0]

    (failed,) = session().scalars(sa.select(Announcement).where(Announcement.failed_dt.is_not(None)))
    failed.payload = {"stage_id": stage_id, "opened": ""}  # the cause fixed
    session().commit()
    answer = post_form(client, "/outbox/retry-notices", {})
    assert answer.status_code == 302
    assert "Notifications confiées de nouveau au prochain passage\u00a0: 1." in text(client.get("/outbox"))
    assert 'id="failed-notices"' not in text(client.get("/outbox"))
    report = deliver_announcements()
    assert report.rendered == 1 and not report.failed

    sign_in(client, dummy_lead)
    assert post_form(client, "/outbox/retry-notices", {}).status_code == 403


def test_a_message_without_html_shows_its_text_only(client: FlaskClient, admin: Person) -> None:
    (captured,) = queue(OutboxStatus.CAPTURED, html_body=None)
    sign_in(client, admin)
    page = text(client.get(f"/outbox/{captured}"))
    assert "Text version" in page and "<iframe" not in page and "Retry this message" not in page


# --- Retrying ---------------------------------------------------------------------------------------------------


def test_retry_queues_a_failed_message_again(client: FlaskClient, admin: Person) -> None:
    (failed,) = queue(OutboxStatus.FAILED, attempts=8, last_error="gave up", claimed_by="host:1")
    sign_in(client, admin)
    response = post_form(client, f"/outbox/{failed}/retry")
    assert response.status_code == 302 and response.headers["Location"] == f"/outbox/{failed}"
    retried = message(failed)
    assert (retried.status, retried.attempts, retried.claimed_by) == (OutboxStatus.PENDING, 0, None)
    assert "The message is queued again" in text(client.get(f"/outbox/{failed}"))


def test_only_failed_messages_are_retried(client: FlaskClient, admin: Person) -> None:
    (sent,) = queue(OutboxStatus.SENT, attempts=1)
    sign_in(client, admin)
    response = post_form(client, f"/outbox/{sent}/retry")
    assert response.status_code == 409
    assert (message(sent).status, message(sent).attempts) == (OutboxStatus.SENT, 1)
    assert post_form(client, "/outbox/424242/retry").status_code == 404


def test_retry_all_failed_leaves_the_others_alone(client: FlaskClient, admin: Person) -> None:
    failed = queue(OutboxStatus.FAILED, 3, attempts=8, last_error="gave up")
    (sent,) = queue(OutboxStatus.SENT, attempts=1)
    (captured,) = queue(OutboxStatus.CAPTURED, attempts=1)
    sign_in(client, admin)
    response = post_form(client, "/outbox/retry-failed")
    assert response.status_code == 302 and response.headers["Location"] == "/outbox?status=pending"
    assert [message(m).status for m in failed] == [OutboxStatus.PENDING] * 3
    assert [message(m).attempts for m in failed] == [0, 0, 0]
    assert (message(sent).status, message(captured).status) == (OutboxStatus.SENT, OutboxStatus.CAPTURED)
    page = text(client.get("/outbox?status=pending"))
    assert "Failed messages queued again: 3." in page and "Pending (3)" in page and "Failed (0)" in page
    assert "Retry every failed message" not in page


# --- Against a real SMTP server ---------------------------------------------------------------------------------


def test_a_refused_message_is_retried_from_the_page_and_then_delivered(mail_app: Flask, smtp: SmtpServer) -> None:
    admin = create_person("admin@example.org", PersonRole.ADMIN, "Ada Admin", language=Language.EN)
    keys = enqueue(
        [
            NewMessage(
                "test:smtp", "reminder", "partner@example.org", "Rappel d'échéance", "Bonjour.\n", "<p>Bonjour</p>"
            )
        ]
    )
    session().commit()
    (message_id,) = session().scalars(sa.select(OutboxMessage.id).where(OutboxMessage.idempotency_key.in_(keys)))
    smtp.answer_next("550 5.1.1 mailbox unavailable")
    assert send_pending().failed == 1
    assert message(message_id).status is OutboxStatus.FAILED and not smtp.received

    client = mail_app.test_client()
    sign_in(client, admin)
    listing = text(client.get("/outbox?status=failed"))
    assert "Rappel d'échéance" in listing and "550 5.1.1 mailbox unavailable" in listing
    assert post_form(client, f"/outbox/{message_id}/retry").status_code == 302
    queued = message(message_id)
    assert (queued.status, queued.attempts) == (OutboxStatus.PENDING, 0)

    report = send_pending()  # the next sending pass, as the scheduler runs it
    assert report.sent == 2, "the message, and the administrators' notice of its failure"
    received, notice = smtp.received
    assert received.recipients == ["partner@example.org"] and received.subject == "Rappel d'échéance"
    assert notice.recipients == ["admin@example.org"] and notice.subject == "1 email could not be sent"
    delivered = message(message_id)
    assert (delivered.status, delivered.attempts, delivered.last_error) == (OutboxStatus.SENT, 1, None)
    g.pop("_login_user", None)
    assert "Sent (2)" in text(sign_in(client, admin).get("/outbox"))


def test_retry_all_failed_then_every_message_is_delivered(mail_app: Flask, smtp: SmtpServer) -> None:
    admin = create_person("admin@example.org", PersonRole.ADMIN, "Ada Admin", language=Language.EN)
    enqueue(
        [
            NewMessage(f"test:all:{n}", "digest", f"p{n}@example.org", f"Récapitulatif {n}", "Texte.\n", None)
            for n in range(3)
        ]
    )
    session().commit()
    smtp.answer_next(*["554 5.7.1 rejected"] * 3)
    assert send_pending().failed == 3
    client = mail_app.test_client()
    sign_in(client, admin)
    assert post_form(client, "/outbox/retry-failed").status_code == 302
    assert send_pending().sent == 4, "the three messages, and the administrators' notice of their failure"
    assert sorted(r.subject for r in smtp.received) == [
        "3 emails could not be sent",
        "Récapitulatif 0",
        "Récapitulatif 1",
        "Récapitulatif 2",
    ]
    statuses = session().scalars(sa.select(OutboxMessage.status))
    assert set(statuses) == {OutboxStatus.SENT}
