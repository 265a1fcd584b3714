"""Decisions taken by steering committees at stage gates."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column
from .enums import Decision

if TYPE_CHECKING:
    from .partners import Person


class CommitteeDecision(Base):
    """A gate decision: approve, rework (with the tasks reopened) or hold, with minutes."""

    __tablename__ = "gpect_committee_decisions"
    __table_args__ = (sa.Index("ix_gpect_committee_decisions_plan_decided", "plan_id", "decided_dt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Plan concerned.
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("gpect_plans.id", ondelete="CASCADE"))
    #: Stage whose gate was decided.
    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("gpect_plan_stages.id", ondelete="CASCADE"), index=True)
    #: The decision.
    decision: Mapped[Decision] = mapped_column(enum_column(Decision, "decision"))
    #: Minutes of the meeting.
    minutes: Mapped[str | None] = mapped_column(sa.Text)
    #: Keys of the tasks reopened by a rework decision.
    reopened_task_keys: Mapped[list[str] | None] = mapped_column(sa.JSON)
    #: Who recorded the decision.
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("gpect_people.id"))
    #: When it was taken (UTC).
    decided_dt: Mapped[datetime]

    decided_by: Mapped[Person] = relationship()
