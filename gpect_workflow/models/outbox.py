"""Outgoing messages: written in the transaction that decides them, sent after commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, enum_column
from .enums import OutboxStatus


class OutboxMessage(Base):
    """One email to one recipient; its idempotency key makes a second insertion impossible."""

    __tablename__ = "gpect_outbox_messages"
    __table_args__ = (
        # The sender claims pending messages in next-attempt order.
        sa.Index(
            "ix_gpect_outbox_messages_pending_next_attempt",
            "next_attempt_dt",
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
        sa.Index("ix_gpect_outbox_messages_status_created", "status", "created_dt"),
        # A sender renews and releases the rows of its claim by their token.
        sa.Index(
            "ix_gpect_outbox_messages_claim_token",
            "claim_token",
            sqlite_where=sa.text("claim_token IS NOT NULL"),
            postgresql_where=sa.text("claim_token IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: (plan, task, kind, occurrence): the same reminder is never queued twice.
    idempotency_key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    #: Message kind, e.g. ``reminder_before_due``.
    kind: Mapped[str] = mapped_column(sa.String(64))
    #: Recipient, when a person of ours.
    recipient_id: Mapped[int | None] = mapped_column(sa.ForeignKey("gpect_people.id"), index=True)
    #: Address the message goes to.
    recipient_email: Mapped[str] = mapped_column(sa.String(254))
    #: Plan concerned, if any.
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("gpect_plans.id", ondelete="SET NULL"), index=True)
    #: Task concerned, if any.
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("gpect_tasks.id", ondelete="SET NULL"))
    #: Subject line.
    subject: Mapped[str] = mapped_column(sa.String(300))
    #: Plain-text body.
    body_text: Mapped[str] = mapped_column(sa.Text)
    #: HTML body.
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    #: Attachments as ``[{"filename", "content_type", "data"}]``.
    attachments: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON)
    #: Delivery status.
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus, "outbox_status"))
    #: Delivery attempts made.
    attempts: Mapped[int] = mapped_column(default=0)
    #: Earliest time of the next attempt (UTC).
    next_attempt_dt: Mapped[datetime]
    #: A claim by a sender expires at this time, so a killed process loses nothing.
    claimed_until_dt: Mapped[datetime | None]
    #: Which sender process holds the claim (host and process id), for operators.
    claimed_by: Mapped[str | None] = mapped_column(sa.String(120))
    #: The fencing token of the sending pass that holds the claim: a sender records a fate, renews a claim or
    #: sends a message only while the row still carries its own token.
    claim_token: Mapped[str | None] = mapped_column(sa.String(32))
    #: When delivery first failed for a temporary reason (UTC); retries stop ``OUTBOX_RETRY_FOR_HOURS`` later.
    retrying_since_dt: Mapped[datetime | None]
    #: What kind of failure the last one was, as a stable code (``notifications.problems.DeliveryProblem``),
    #: which readers see in their own language; ``None`` for a row that never failed, or failed before codes.
    failure_code: Mapped[str | None] = mapped_column(sa.String(40))
    #: The technical detail of the last failure: the server's answer, or the error.
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    #: When it was queued (UTC).
    created_dt: Mapped[datetime]
    #: When it was sent or captured (UTC).
    sent_dt: Mapped[datetime | None]


class UsedLink(Base):
    """A single-use emailed link that has been used: a second use is refused."""

    __tablename__ = "gpect_used_links"

    #: The link's unique token id.
    token_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    #: What the link did, e.g. ``mark_done``.
    purpose: Mapped[str] = mapped_column(sa.String(32))
    #: Who used it.
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("gpect_people.id", ondelete="CASCADE"), index=True)
    #: When it was used (UTC).
    used_dt: Mapped[datetime]


class SchedulerRun(Base):
    """Where each periodic job got to, so the next pass covers exactly the time since."""

    __tablename__ = "gpect_scheduler_runs"

    #: Job name, e.g. ``tick``.
    name: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    #: The instant the last completed pass covered up to (UTC).
    covered_until_dt: Mapped[datetime]
    #: When that pass ran (UTC).
    ran_dt: Mapped[datetime]
    #: Where reminders got to when a pass left some for the next (a send hour of more than
    #: ``REMINDERS_PER_PASS``); ``None`` when they are as far as ``covered_until_dt``.
    reminders_covered_until_dt: Mapped[datetime | None]
