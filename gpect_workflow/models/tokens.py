"""Personal API tokens: shown once, stored hashed, revocable."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .partners import Person


class ApiToken(Base):
    """A token a person's scripts send as ``Authorization: Bearer``; only its SHA-256 is kept."""

    __tablename__ = "gpect_api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Owner; the token acts with exactly their rights.
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("gpect_people.id", ondelete="CASCADE"), index=True)
    #: A name to recognise it by, e.g. « Export SI France Travail ».
    name: Mapped[str] = mapped_column(sa.String(100))
    #: SHA-256 of the token, hex.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: First characters of the token, to tell tokens apart in lists.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    #: When it was created (UTC).
    created_dt: Mapped[datetime]
    #: When it was last used (UTC), updated at most hourly.
    last_used_dt: Mapped[datetime | None]
    #: When it was revoked (UTC); a revoked token is refused.
    revoked_dt: Mapped[datetime | None]

    person: Mapped[Person] = relationship()
