"""The journal: one row per change, who made it, when, from what to what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Event(Base):
    """A journaled change of a plan, a stage or a task; the journal replays to the current state."""

    __tablename__ = "gpect_events"
    __table_args__ = (sa.Index("ix_gpect_events_plan_occurred", "plan_id", "occurred_dt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Plan concerned.
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("gpect_plans.id", ondelete="CASCADE"))
    #: Stage concerned, if any.
    stage_id: Mapped[int | None] = mapped_column(sa.ForeignKey("gpect_plan_stages.id", ondelete="CASCADE"))
    #: Task concerned, if any.
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("gpect_tasks.id", ondelete="CASCADE"), index=True)
    #: Who acted; ``None`` for the scheduler.
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("gpect_people.id"))
    #: What happened, e.g. ``task_status_changed``.
    kind: Mapped[str] = mapped_column(sa.String(64))
    #: State before.
    from_state: Mapped[str | None] = mapped_column(sa.String(64))
    #: State after.
    to_state: Mapped[str | None] = mapped_column(sa.String(64))
    #: Free note given by the actor.
    note: Mapped[str | None] = mapped_column(sa.Text)
    #: Details (shifted dates, overrides...).
    data: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    #: When it happened (UTC).
    occurred_dt: Mapped[datetime]
