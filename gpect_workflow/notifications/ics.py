"""Calendar attachments for deadlines: one all-day event per task, with a stable UID.

The UID depends only on the task, and SEQUENCE grows with the task's version, so a calendar that
received an earlier file replaces the entry when the deadline moves instead of adding a second one.

Why the text is written by hand: the scheduler tick attaches one file to each of thousands of reminders
at the send hour, and building it with ``icalendar`` (components, property objects, ``to_ical`` with its
folding and escaping) cost from a quarter of a millisecond to a millisecond a file, more than rendering
the email itself; writing the text directly takes a few microseconds. The lines below write the very same
bytes: ``tests/test_ics.py`` pins them to ``icalendar``'s output for arbitrary text, so a change here
(or in how ``icalendar`` writes) that moves a single byte fails there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

PRODID = "-//GPECT Workflow//Deadlines//FR"

#: Octets of content on one physical line: ``icalendar`` folds before a line would reach 75 octets.
_FOLD_AT = 74
_FOLD = b"\r\n "
_CRLF = b"\r\n"
#: Characters ``icalendar`` keeps at the start of the next line rather than end a folded line with
#: (the first character of a ``TEXT`` backslash escape or of an RFC 6868 parameter escape).
_ESCAPE_STARTS = b"\\^"
#: The range of an RFC 5545 INTEGER, which ``icalendar`` enforces on SEQUENCE.
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_ONE_DAY = timedelta(days=1)


def task_uid(task_id: int, domain: str) -> str:
    """The calendar UID of a task's deadline."""
    return f"gpect-task-{task_id}@{domain}"


@dataclass(frozen=True, slots=True)
class Deadline:
    """A task deadline to put in a calendar."""

    task_id: int
    version: int
    title: str
    plan_name: str
    due: date
    url: str


def deadlines_ics(deadlines: list[Deadline], *, domain: str, stamp: datetime) -> bytes:
    """An iCalendar file with each deadline as an all-day event.

    Property order, escaping, folding and the UTC DTSTAMP (a naive ``stamp`` is taken as UTC, an aware
    one converted) are ``icalendar``'s, so the bytes are those the files had when it wrote them.
    """
    dtstamp = f"DTSTAMP:{_utc_stamp(stamp)}"
    parts = [_HEADER]
    for deadline in deadlines:
        parts.append(_event(deadline, domain, dtstamp))
    parts.append(_FOOTER)
    return b"".join(parts)


def _event(deadline: Deadline, domain: str, dtstamp: str) -> bytes:
    """One VEVENT, every line folded and ended by CRLF."""
    sequence = int(deadline.version)
    if not _INT_MIN <= sequence <= _INT_MAX:
        raise ValueError(f"Integer {sequence} is outside the RFC 5545 range [{_INT_MIN}, {_INT_MAX}]")
    lines = (
        "BEGIN:VEVENT",
        f"SUMMARY:{_text(f'{deadline.title} – {deadline.plan_name}')}",
        f"DTSTART;VALUE=DATE:{_date(deadline.due)}",
        f"DTEND;VALUE=DATE:{_date(deadline.due + _ONE_DAY)}",
        dtstamp,
        f"UID:{_text(task_uid(deadline.task_id, domain))}",
        f"SEQUENCE:{sequence}",
        f"DESCRIPTION:{_text(deadline.url)}",
        "TRANSP:TRANSPARENT",
        f"URL:{_uri(deadline.url)}",
        "END:VEVENT",
    )
    return b"".join(_fold(line) for line in lines)


def _text(text: str) -> str:
    """A TEXT value as ``icalendar`` writes it: escaped, without a leading byte order mark.

    ``icalendar`` decodes each value it has encoded with ``utf-8-sig``, which drops one U+FEFF at the start.
    """
    return _without_bom(_escape(text))


def _uri(url: str) -> str:
    """A URI value as ``icalendar`` writes it: verbatim but for a leading byte order mark; no line break."""
    if "\r" in url or "\n" in url:
        raise ValueError(f"A URI value may not contain CR or LF characters: {url!r}")
    return _without_bom(url)


def _without_bom(value: str) -> str:
    return value[1:] if value.startswith("\ufeff") else value


def _escape(text: str) -> str:
    """RFC 5545 TEXT escaping, replacement for replacement as ``icalendar`` does it.

    The order matters: a literal ``\\N`` first becomes a line break, and every kind of line break ends
    up as ``\\n``.
    """
    return (
        text.replace("\\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> bytes:
    """The UTF-8 line, folded as ``icalendar`` folds it, with its line end.

    A physical line holds at most 74 octets of whole characters (a continuation line 74 after its
    leading space), and a line that would end with ``\\`` or ``^`` gives that character to the next one.
    The encoded bytes are cut directly: a UTF-8 continuation byte (``10xxxxxx``) never starts a
    character, so backing off over them lands on a character's first byte. (``icalendar`` only moves the
    escape character when the line holds more than one character; a folded line always does.)
    """
    data = line.encode()
    if len(data) <= _FOLD_AT:
        return data + _CRLF
    pieces = []
    start = 0
    while len(data) - start > _FOLD_AT:
        end = start + _FOLD_AT
        while data[end] & 0xC0 == 0x80:
            end -= 1
        if data[end - 1] in _ESCAPE_STARTS:
            end -= 1
        pieces.append(data[start:end])
        start = end
    pieces.append(data[start:])
    return _FOLD.join(pieces) + _CRLF


def _date(day: date) -> str:
    """A DATE value, ``YYYYMMDD``."""
    return f"{day.year:04}{day.month:02}{day.day:02}"


def _utc_stamp(stamp: datetime) -> str:
    """A DATE-TIME value in UTC, ``YYYYMMDDTHHMMSSZ``; a naive ``stamp`` is taken as UTC, as icalendar does."""
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(UTC)
    return f"{_date(stamp)}T{stamp.hour:02}{stamp.minute:02}{stamp.second:02}Z"


_HEADER = b"".join(
    _fold(line) for line in ("BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{_escape(PRODID)}", "METHOD:PUBLISH")
)
_FOOTER = _fold("END:VCALENDAR")
