"""Delay requests: a partner asks the lead to move a task's deadline to a date, with a reason."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column
from .partners import Person
from .tasks import Task


class DelayStatus(StrEnum):
    """Where a delay request stands: waiting for the lead, answered, taken back by its requester, or closed
    unanswered because its task was finished (done or skipped) meanwhile: no more time is needed."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


_PENDING = "status = 'pending'"


class DelayRequest(Base):
    """A request to move a task's deadline to ``due_date``; a task has at most one pending at a time."""

    __tablename__ = "gpect_delay_requests"
    __table_args__ = (
        # One pending request per task: a second one waits until the first is answered or withdrawn.
        sa.Index(
            "ix_gpect_delay_requests_one_pending",
            "task_id",
            unique=True,
            sqlite_where=sa.text(_PENDING),
            postgresql_where=sa.text(_PENDING),
        ),
        # The lead's lists: a plan's requests by status, newest first.
        sa.Index("ix_gpect_delay_requests_plan_status", "plan_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Plan of the task (the lead's lists read requests by plan).
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("gpect_plans.id", ondelete="CASCADE"))
    #: Task whose deadline would move.
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("gpect_tasks.id", ondelete="CASCADE"))
    #: Who asked.
    requester_id: Mapped[int] = mapped_column(sa.ForeignKey("gpect_people.id"))
    #: The task's deadline when it was asked.
    current_due_date: Mapped[date]
    #: The deadline asked for, a calendar day in the plan's time zone.
    due_date: Mapped[date]
    #: Why more time is needed.
    reason: Mapped[str] = mapped_column(sa.Text)
    #: Where the request stands.
    status: Mapped[DelayStatus] = mapped_column(enum_column(DelayStatus, "delay_status"))
    #: Who accepted or refused it (``None`` while pending or once withdrawn).
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("gpect_people.id"))
    #: The lead's reason for a refusal (or note on an acceptance).
    answer_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: When it was asked (UTC).
    created_dt: Mapped[datetime]
    #: When it was answered or withdrawn (UTC).
    answered_dt: Mapped[datetime | None]

    task: Mapped[Task] = relationship()
    requester: Mapped[Person] = relationship(foreign_keys=[requester_id])
    answered_by: Mapped[Person | None] = relationship(foreign_keys=[answered_by_id])
