"""Workflow definitions as registered: one row per key and version, with the source they came from."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class DefinitionRecord(Base):
    """A registered definition version; its source is kept so running plans never lose it."""

    __tablename__ = "gpect_definitions"
    __table_args__ = (sa.UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Definition key, e.g. ``gpect-five-levers``.
    key: Mapped[str] = mapped_column(sa.String(64))
    #: Version declared in the file; a changed file must raise it.
    version: Mapped[int]
    #: SHA-256 of the source text.
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    #: French title.
    title_fr: Mapped[str] = mapped_column(sa.String(300))
    #: English title.
    title_en: Mapped[str] = mapped_column(sa.String(300))
    #: The YAML source as registered.
    source: Mapped[str] = mapped_column(sa.Text)
    #: File it was registered from.
    source_file: Mapped[str] = mapped_column(sa.String(500))
    #: When it was registered (UTC).
    registered_dt: Mapped[datetime]
