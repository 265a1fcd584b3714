"""Comments told to the people concerned, against a real SMTP server: at once for those who chose immediate
emails, in their own language; in the next digest for those who chose one; never to their author."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import Flask

from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import OutboxMessage, Person, PlanStage, ReminderMode
from gpect_workflow.notifications.announcements import deliver_announcements
from gpect_workflow.services.comments import comment_on_gate, comment_on_task, delete_comment
from gpect_workflow.services.context import session
from tests.factories import task
from tests.notifications import test_notifications_smtp as mailing
from tests.notifications.test_notifications_smtp import outbox, paris, start, tick_at
from tests.smtp_server import SmtpServer

clock = mailing.clock
people = mailing.people


def told(kind: str = "comment_added") -> dict[str, OutboxMessage]:
    """The messages of ``kind`` queued so far (the pass has rendered what was announced), by recipient address."""
    deliver_announcements()
    session().expire_all()
    return {message.recipient_email: message for message in outbox(kind)}


def test_a_task_s_comment_reaches_its_role_and_lead_at_once_never_its_author(
    mail_app: Flask, people: dict[str, Person], clock: FrozenClock, smtp: SmtpServer
) -> None:
    plan = start(people, clock)
    data = task(plan, "employment-data")
    comment_on_task(people["lead"], data.id, "Les chiffres de 2025 suffisent ?\nVoir https://example.org/t")
    session().commit()
    assert set(told()) == {"partner@gien.example.org"}, "the owner role's member and assignee; not the author"

    fund = task(plan, "fund-pilot")
    comment_on_task(people["partner"], fund.id, "Le financement est-il acquis ?")
    session().commit()
    assert set(told()) == {"partner@gien.example.org", "english@gien.example.org", "lead@gien.example.org"}

    tick_at(clock, paris(date(2026, 12, 1), 9, 30))
    received = {r.recipients[0]: r.message for r in smtp.received if r.message["X-GPECT-Kind"] == "comment_added"}
    assert set(received) == {"partner@gien.example.org", "english@gien.example.org", "lead@gien.example.org"}
    french = received["partner@gien.example.org"]
    assert str(french["Subject"]).startswith("Nouveau commentaire de Nathalie Lead sur «\u00a0")
    body = french.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Les chiffres de 2025 suffisent ?\nVoir https://example.org/t" in body and "/links/open_task/" in body
    english = received["english@gien.example.org"]
    assert str(english["Subject"]).startswith("New comment from Paul Partner on “")
    assert "Le financement est-il acquis ?" in english.get_body(("plain",)).get_content()


def test_a_gate_review_s_comment_reaches_the_lead_and_the_committee(
    mail_app: Flask, people: dict[str, Person], clock: FrozenClock, smtp: SmtpServer
) -> None:
    plan = start(people, clock)
    stage_id = session().scalar(sa.select(PlanStage.id).where(PlanStage.plan_id == plan.id, PlanStage.position == 0))
    assert stage_id is not None
    comment_on_gate(people["english"], stage_id, "Could you attach the survey report?")
    session().commit()
    assert set(told()) == {"lead@gien.example.org", "copil@gien.example.org"}
    message = told()["copil@gien.example.org"]
    assert "revue de validation" in message.subject and "/links/review_gate/" in message.body_text
    comment_on_gate(people["lead"], stage_id, "Oui, avant le comité.")
    session().commit()
    deliver_announcements()
    assert len(outbox("comment_added")) == 3, "the committee member hears of it, the lead (its author) does not"


def test_people_who_chose_a_digest_read_comments_there_once(
    mail_app: Flask, people: dict[str, Person], clock: FrozenClock, smtp: SmtpServer
) -> None:
    paul = people["partner"]
    paul.reminder_mode = ReminderMode.DAILY
    session().commit()
    plan = start(people, clock)
    data = task(plan, "employment-data")
    clock.set(paris(date(2026, 12, 1), 10, 0))
    comment_on_task(people["lead"], data.id, "Première question du mardi")
    comment_on_task(paul, data.id, "Ma propre réponse")
    unsaid = comment_on_task(people["lead"], data.id, "Message retiré aussitôt")
    clock.advance(timedelta(minutes=1))
    delete_comment(people["lead"], unsaid.id)
    session().commit()
    assert "partner@gien.example.org" not in told(), "a digest reader gets no email of its own"

    tick_at(clock, paris(date(2026, 12, 2)))
    (digest,) = [m for m in outbox("digest") if m.recipient_email == "partner@gien.example.org"]
    assert "Première question du mardi" in digest.body_text and "Nouveaux commentaires" in digest.body_text
    assert "Ma propre réponse" not in digest.body_text, "never told of one's own comment"
    assert "Message retiré aussitôt" not in digest.body_text, "a deleted comment is not told"
    assert "/links/open_task/" in digest.body_text and "Première question du mardi" in digest.body_html

    clock.set(paris(date(2026, 12, 2), 11, 0))
    comment_on_task(people["lead"], data.id, "Deuxième question du mercredi")
    session().commit()
    tick_at(clock, paris(date(2026, 12, 3)))
    digests = [m for m in outbox("digest") if m.recipient_email == "partner@gien.example.org"]
    assert len(digests) == 2
    assert "Deuxième question du mercredi" in digests[1].body_text
    assert "Première question du mardi" not in digests[1].body_text, "each comment in one digest only"
    sent = [r for r in smtp.received if r.recipients == ["partner@gien.example.org"]]
    kinds = [r.message["X-GPECT-Kind"] for r in sent]
    assert kinds.count("digest") == 2 and "comment_added" not in kinds
