"""The notification inbox: what each email told a person, kept in the application for them to catch up on."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class InboxEntry(Base):
    """One email a person was sent, as a line of their inbox: its subject, what it is about, read or not.

    Written with the outbox row of the same email (``notifications.outbox.enqueue``), so the inbox lists
    exactly what the mailbox receives; administrative emails (sign-in links, alerts to administrators) are
    left out.
    """

    __tablename__ = "gpect_inbox_entries"
    __table_args__ = (
        # The inbox page: a person's entries, newest first.
        sa.Index("ix_gpect_inbox_entries_person_visible", "person_id", "visible_from_dt", "id"),
        # The header's unread count and "mark all read": only the unread entries, a small index.
        sa.Index(
            "ix_gpect_inbox_entries_unread",
            "person_id",
            "visible_from_dt",
            sqlite_where=sa.text("read_dt IS NULL"),
            postgresql_where=sa.text("read_dt IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Whose inbox.
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("gpect_people.id", ondelete="CASCADE"))
    #: The email's kind (``reminder``, ``gate_awaiting``...), as in the outbox.
    kind: Mapped[str] = mapped_column(sa.String(64))
    #: The email's subject, already in the person's language.
    title: Mapped[str] = mapped_column(sa.String(300))
    #: The in-app path the entry opens (``/tasks/12``, ``/stages/3/review``), under the UI's prefix.
    link_path: Mapped[str | None] = mapped_column(sa.String(300))
    #: Plan concerned, if any.
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("gpect_plans.id", ondelete="CASCADE"))
    #: Task concerned, if any.
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("gpect_tasks.id", ondelete="CASCADE"))
    #: When it was recorded (UTC): with its email, in the transaction that decided it.
    created_dt: Mapped[datetime]
    #: From when the inbox shows it (UTC): its email's sending time, for one queued to leave later.
    visible_from_dt: Mapped[datetime]
    #: When the person opened it or marked it read (UTC); ``None`` while unread.
    read_dt: Mapped[datetime | None]
