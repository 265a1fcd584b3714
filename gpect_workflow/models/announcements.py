"""Announcements: what a user's change must tell people, recorded in its transaction, rendered by a pass."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Announcement(Base):
    """One notice to render (a stage opened, a gate decided...): the ids and values its emails need.

    The user's transaction only inserts this row; the scheduler's pass claims it (a token and an expiry,
    like the outbox), renders its emails into the outbox and marks it done in one transaction.
    """

    __tablename__ = "gpect_announcements"
    __table_args__ = (
        # The pass claims pending announcements in id order.
        sa.Index(
            "ix_gpect_announcements_pending",
            "id",
            sqlite_where=sa.text("done_dt IS NULL AND failed_dt IS NULL"),
            postgresql_where=sa.text("done_dt IS NULL AND failed_dt IS NULL"),
        ),
        # The passes delete the ones done long ago, the oldest first (``forget_done_announcements``).
        sa.Index(
            "ix_gpect_announcements_done",
            "done_dt",
            sqlite_where=sa.text("done_dt IS NOT NULL"),
            postgresql_where=sa.text("done_dt IS NOT NULL"),
        ),
        # The outbox page counts and lists the failed ones, newest first.
        sa.Index(
            "ix_gpect_announcements_failed",
            "failed_dt",
            "id",
            sqlite_where=sa.text("failed_dt IS NOT NULL"),
            postgresql_where=sa.text("failed_dt IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What to announce: the name of its builder (``stage_opened``, ``gate_decided``...).
    kind: Mapped[str] = mapped_column(sa.String(64))
    #: The plan concerned.
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("gpect_plans.id", ondelete="CASCADE"), index=True)
    #: The ids and values the builder needs, as they were when the change was made.
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    #: When the change recorded it (UTC).
    created_dt: Mapped[datetime]
    #: A pass holds it until then; a pass that died lets the next one take it again.
    claimed_until_dt: Mapped[datetime | None]
    #: The token of the pass that holds the claim: only that pass marks it done.
    claim_token: Mapped[str | None] = mapped_column(sa.String(32))
    #: When its emails were queued (UTC).
    done_dt: Mapped[datetime | None]
    #: When it was given up because its builder failed (UTC): it stays, with ``last_error``, for operators.
    failed_dt: Mapped[datetime | None]
    #: Why its builder failed.
    last_error: Mapped[str | None] = mapped_column(sa.Text)
