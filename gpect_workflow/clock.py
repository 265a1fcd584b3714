"""The one clock of the application, injectable so that tests and ``gpect tick --at`` move time.

Nothing else in the code base calls ``datetime.now()``: services take the instant from the clock kept
on the extension, and the engine takes it as an argument.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current instant, always aware and in UTC."""

    def now(self) -> datetime:
        """The current instant."""


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        """The current instant from the operating system, in UTC."""
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to: for tests, demos and ``tick --at``."""

    def __init__(self, instant: datetime) -> None:
        self._instant = _aware_utc(instant)

    def now(self) -> datetime:
        """The instant the clock was set to."""
        return self._instant

    def set(self, instant: datetime) -> None:
        """Move the clock to ``instant`` (which must carry a time zone)."""
        self._instant = _aware_utc(instant)

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by ``delta``."""
        self._instant += delta


def _aware_utc(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant!r}: give it a time zone")
    return instant.astimezone(UTC)
