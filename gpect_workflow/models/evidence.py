"""Evidence files: documents attached to a task or to a stage's gate review."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base

if TYPE_CHECKING:
    from .partners import Person


class EvidenceFile(Base):
    """A file someone attached to a task (``task_id``) or to a stage's gate review (``task_id`` empty).

    The bytes live in the evidence storage under ``storage_key``, a random key: the name a person gave the
    file is only shown, never used to find or store it.
    """

    __tablename__ = "gpect_evidence_files"
    __table_args__ = (
        sa.Index("ix_gpect_evidence_files_task_uploaded", "task_id", "uploaded_dt"),
        sa.Index("ix_gpect_evidence_files_stage_uploaded", "stage_id", "uploaded_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Plan the file belongs to (whose people may read it).
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("gpect_plans.id", ondelete="CASCADE"), index=True)
    #: Stage of the task, or the stage whose gate review the file supports.
    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("gpect_plan_stages.id", ondelete="CASCADE"))
    #: Task the file is attached to; empty for a file of the gate review itself.
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("gpect_tasks.id", ondelete="CASCADE"))
    #: Where the storage keeps the bytes (random, URL-safe; never derived from the name).
    storage_key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    #: The name shown and offered on download, cleaned of paths and control characters.
    display_name: Mapped[str] = mapped_column(sa.String(255))
    #: The media type found in the content (not the one the browser claimed).
    content_type: Mapped[str] = mapped_column(sa.String(120))
    #: Size in bytes.
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    #: SHA-256 of the content, hexadecimal: checked when the file is read back, and sent as its digest.
    sha256: Mapped[str] = mapped_column(sa.String(64))
    #: Who attached it (kept if they leave: the file is the plan's).
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("gpect_people.id", ondelete="SET NULL"))
    #: When (UTC).
    uploaded_dt: Mapped[datetime]

    uploaded_by: Mapped[Person | None] = relationship()
