"""Links of a list's rows built from one ``url_for`` per list instead of one per row.

``url_for`` walks Werkzeug's URL map each time (about 5 µs); "my tasks" links each of its hundred rows to
its task, its plan and its status form, three hundred builds a page. A row's link differs from the next
only by an id, so the list builds the link once with a stand-in id and each row puts its own id in its
place: the same address ``url_for`` would give (``tests/web/test_url_patterns.py`` compares them), for the
cost of joining three strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, url_for

#: Stand-in ids: integers no real row has; the second serves where another part of the link holds the first.
_STAND_INS = (987_654_321_987_654_321, 123_456_789_123_456_789)


@dataclass(frozen=True, slots=True)
class UrlPattern:
    """The address of ``endpoint`` for any whole-number value of one of its parameters."""

    head: str
    tail: str

    def __call__(self, value: int) -> str:
        """The address with ``value`` (a whole number: ``int`` refuses anything else) in its place."""
        return f"{self.head}{int(value)}{self.tail}"


def url_pattern(endpoint: str, parameter: str, **values: Any) -> UrlPattern:
    """The pattern of ``url_for(endpoint, parameter=…, **values)``; ``ValueError`` if no stand-in appears
    exactly once in the address (``parameter`` is not a whole number of the path or the query)."""
    for stand_in in map(str, _STAND_INS):
        built = url_for(endpoint, **({parameter: stand_in} | values))
        head, found, tail = built.partition(stand_in)
        if found and stand_in not in head + tail:
            return UrlPattern(head, tail)
    raise ValueError(f"{endpoint}: {parameter} does not appear once in {built!r}")


def init_url_patterns(app: Flask) -> None:
    """Give the templates ``url_pattern``."""
    app.jinja_env.globals["url_pattern"] = url_pattern
