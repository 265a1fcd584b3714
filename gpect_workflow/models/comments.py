"""Comments people of a plan leave on a task or on a stage's gate review."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base

if TYPE_CHECKING:
    from .partners import Person


class Comment(Base):
    """A comment on a task (``task_id``) or on a gate review (``stage_id`` alone); a deleted one keeps its row
    (``deleted_dt``) so that the timeline says a comment was there."""

    __tablename__ = "gpect_comments"
    __table_args__ = (
        sa.CheckConstraint("task_id IS NOT NULL OR stage_id IS NOT NULL", name="task_or_stage"),
        sa.Index("ix_gpect_comments_task_created", "task_id", "created_dt"),
        sa.Index("ix_gpect_comments_stage_created", "stage_id", "created_dt"),
        sa.Index("ix_gpect_comments_created", "created_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Plan the comment belongs to (whoever may see it may read the comment).
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("gpect_plans.id", ondelete="CASCADE"), index=True)
    #: Task commented on; ``None`` for a comment on a gate review.
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("gpect_tasks.id", ondelete="CASCADE"))
    #: Stage whose gate review is commented on (the task's stage for a task comment is not kept here).
    stage_id: Mapped[int | None] = mapped_column(sa.ForeignKey("gpect_plan_stages.id", ondelete="CASCADE"))
    #: Who wrote it; only they may edit or delete it, within the edit window.
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("gpect_people.id"))
    #: Plain text; links are made clickable when shown, never stored as HTML.
    body: Mapped[str] = mapped_column(sa.Text)
    #: When it was written (UTC).
    created_dt: Mapped[datetime]
    #: When its author last changed it (UTC), if ever.
    edited_dt: Mapped[datetime | None]
    #: When its author deleted it (UTC); its text is then emptied.
    deleted_dt: Mapped[datetime | None]
    #: Optimistic-locking counter.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    author: Mapped[Person] = relationship()

    @property
    def is_deleted(self) -> bool:
        """Whether its author deleted it."""
        return self.deleted_dt is not None
