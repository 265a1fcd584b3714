"""The digests' comments cost no statement of their own: a send hour with one comment or many to tell runs
the same statements, within the tick's budget (``test_tick_cost``)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import OutboxMessage, Person, ReminderMode, Task
from gpect_workflow.notifications.announcements import deliver_announcements
from gpect_workflow.scheduler.jobs import tick
from gpect_workflow.services.comments import comment_on_task
from gpect_workflow.services.context import session
from tests.plan_helpers import start_five_levers_plan
from tests.query_count import count_queries
from tests.scheduler.test_tick_cost import MAX_STATEMENTS, SEND_HOUR, STARTS

CHAMBER = "chamber-of-commerce@partners.example.org"


def tick_with_comments(lead: Person, comments: int, clock: FrozenClock) -> tuple[list[str], str]:
    """Two plans, the chamber's contact on a daily digest, ``comments`` comments by the lead on their tasks the
    day before the send hour; the statements of the send hour's tick and the chamber's digest."""
    for number in range(2):
        start_five_levers_plan(lead, STARTS[number % 2], f"Plan {number}")
    session().execute(sa.update(Person).where(Person.email == CHAMBER).values(reminder_mode=ReminderMode.DAILY))
    session().commit()
    surveys = list(session().scalars(sa.select(Task).where(Task.task_key == "business-survey").order_by(Task.id)))
    clock.set(SEND_HOUR - timedelta(hours=20))
    for number in range(comments):
        comment_on_task(lead, surveys[number % 2].id, f"Question {number}")
    session().commit()
    deliver_announcements()  # the passes since then told those who chose immediate emails
    clock.set(SEND_HOUR)
    session().expire_all()
    with count_queries() as statements:
        tick()
    digest = session().scalar(
        sa.select(OutboxMessage.body_text).where(
            OutboxMessage.kind == "digest", OutboxMessage.recipient_email == CHAMBER
        )
    )
    assert digest is not None
    return statements, digest


def test_a_send_hour_with_one_or_many_comments_to_tell_costs_the_same_statements(
    app: Flask, definitions: None, dummy_lead: Person, clock: FrozenClock
) -> None:
    few, digest = tick_with_comments(dummy_lead, 1, clock)
    assert "Question 0" in digest
    session().execute(sa.text("DELETE FROM gpect_comments"))
    session().execute(sa.delete(OutboxMessage))
    session().execute(sa.text("DELETE FROM gpect_scheduler_runs"))
    session().commit()
    many, digest = tick_with_comments(dummy_lead, 30, clock)
    assert all(f"Question {number}\n" in digest for number in range(30))
    assert len(few) == len(many) <= MAX_STATEMENTS[session().get_bind().dialect.name], "\n".join(
        ["few:", *few, "", "many:", *many]
    )
