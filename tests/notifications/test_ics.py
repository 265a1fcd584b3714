"""The hand-written calendar files against ``icalendar``: the same bytes, and files that read back.

``deadlines_ics`` writes its iCalendar text directly (``icalendar`` cost more than the email it is
attached to). ``icalendar_reference`` below is the builder it replaced, kept here as the reference: for
any deadlines, domain and stamp both must give byte for byte the same file, escaping and folding
included, and ``icalendar`` must read back what went in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Event

from gpect_workflow.notifications.ics import PRODID, Deadline, deadlines_ics, task_uid

PARIS = ZoneInfo("Europe/Paris")
DOMAIN = "gpect.test"


def icalendar_reference(deadlines: list[Deadline], *, domain: str, stamp: datetime) -> bytes:
    """The file as ``icalendar`` writes it: how ``deadlines_ics`` built it before it wrote the text itself."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    for deadline in deadlines:
        event = Event()
        event.add("uid", task_uid(deadline.task_id, domain))
        event.add("sequence", deadline.version)
        event.add("dtstamp", stamp)
        event.add("dtstart", deadline.due)
        event.add("dtend", deadline.due + timedelta(days=1))
        event.add("summary", f"{deadline.title} – {deadline.plan_name}")
        event.add("url", deadline.url)
        event.add("description", deadline.url)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def read_back(text: str) -> str:
    """What a TEXT value reads back as.

    ``icalendar`` writes a literal ``\\N`` and CR or CRLF as ``\\n``, and drops a byte order mark that
    starts a value.
    """
    return text.replace("\\N", "\n").replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff")


# ----------------------------------------------------------------------------------------------------------------
# Strategies
# ----------------------------------------------------------------------------------------------------------------

#: The characters escaping and folding care about, drawn often so that they land on fold boundaries.
_SPECIAL = st.sampled_from(
    ["\\", ";", ",", "\n", "\r", "\r\n", "\\N", "\\n", "^", ":", '"', "é", "–", "😀", " ", "\ufeff"]
)
#: Any character UTF-8 can carry (not a lone surrogate).
_CHARACTERS = st.characters(codec="utf-8")


def _text(characters: st.SearchStrategy[str] = _CHARACTERS | _SPECIAL) -> st.SearchStrategy[str]:
    """Any text, short or over 200 characters (several folded lines).

    A long text repeats a random piece then ends with another: drawing hundreds of characters one by one
    would make each example slow, and the repetition still puts the piece's characters at many offsets
    from a fold.
    """
    short = st.lists(characters, max_size=30).map("".join)
    piece = st.lists(characters, min_size=1, max_size=13).map("".join)
    long = st.builds(lambda p, tail: p * (200 // len(p) + 1) + tail, piece, short)
    return short | long


_TITLES = _text() | st.sampled_from(["Repérer les demandeurs d'emploi", "Valider le plan; puis, signer"])


def _urls(*, backslash: bool) -> st.SearchStrategy[str]:
    """Any text as a URL (but a line break, which ``icalendar`` refuses in a URI), or a link as sent."""
    link = st.builds(lambda key: f"https://{DOMAIN}/links/open_task/{key}", st.text("0123456789abcdef", max_size=120))
    special = [";", ",", ":", "^", "é", "😀", "\ufeff"] + (["\\", "\\,", "\\n"] if backslash else [])
    excluded = "\r\n" if backslash else "\r\n\\"
    characters = st.characters(codec="utf-8", exclude_characters=excluded) | st.sampled_from(special)
    return _text(characters) | link


_URLS = _urls(backslash=True)
#: URLs without backslashes: ``icalendar`` reads ``\,`` in a URI as ``,`` though it writes URIs verbatim.
_READABLE_URLS = _urls(backslash=False)
_VERSIONS = st.integers(min_value=-(2**31), max_value=2**31 - 1)
_DUES = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 30))
_STAMPS = st.datetimes(
    min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=st.sampled_from([UTC, PARIS])
)
_DOMAINS = st.sampled_from([DOMAIN, "gpect.example.org", "a;b,c\\d", "x" * 80]) | _text()


def _deadlines(urls: st.SearchStrategy[str]) -> st.SearchStrategy[list[Deadline]]:
    deadline = st.builds(Deadline, st.integers(), _VERSIONS, _TITLES, _TITLES, _DUES, urls)
    return st.lists(deadline, max_size=4)


_SETTINGS = settings(max_examples=100, deadline=None, database=None)


# ----------------------------------------------------------------------------------------------------------------
# (a) The same bytes as icalendar
# ----------------------------------------------------------------------------------------------------------------


@_SETTINGS
@given(deadlines=_deadlines(_URLS), domain=_DOMAINS, stamp=_STAMPS)
def test_same_bytes_as_icalendar(deadlines: list[Deadline], domain: str, stamp: datetime) -> None:
    """Any deadlines, domain and aware stamp (UTC or Paris): the file icalendar would have written."""
    assert deadlines_ics(deadlines, domain=domain, stamp=stamp) == icalendar_reference(
        deadlines, domain=domain, stamp=stamp
    )


@_SETTINGS
@given(deadlines=_deadlines(_URLS), stamp=st.datetimes(min_value=datetime(1, 1, 1)))
def test_naive_stamp_is_taken_as_utc_like_icalendar(deadlines: list[Deadline], stamp: datetime) -> None:
    assert deadlines_ics(deadlines, domain=DOMAIN, stamp=stamp) == icalendar_reference(
        deadlines, domain=DOMAIN, stamp=stamp
    )


@pytest.mark.parametrize("special", ["\\", "^", ";", ",", "\n", "é", "–", "😀", "\\N"])
@pytest.mark.parametrize("offset", range(55, 80))
def test_every_fold_boundary_as_icalendar(special: str, offset: int) -> None:
    """A special or multi-byte character at each position around the first and second fold."""
    stamp = datetime(2026, 11, 30, 8, tzinfo=UTC)
    for title in ("a" * offset + special * 4, "a" * (offset + 74) + special * 4 + "b" * 80):
        deadlines = [Deadline(1, 1, title, "P", date(2026, 12, 31), "http://x/" + "u" * offset + special.strip())]
        assert deadlines_ics(deadlines, domain=DOMAIN, stamp=stamp) == icalendar_reference(
            deadlines, domain=DOMAIN, stamp=stamp
        )


@pytest.mark.parametrize(
    ("version", "url"),
    [(2**31, "http://x/1"), (-(2**31) - 1, "http://x/1"), (1, "http://x/\r1"), (1, "http://x/\n1")],
)
def test_refuses_what_icalendar_refuses(version: int, url: str) -> None:
    """A SEQUENCE outside RFC 5545's INTEGER range or a URI with a line break: ValueError, as before."""
    deadlines = [Deadline(1, version, "T", "P", date(2026, 12, 31), url)]
    stamp = datetime(2026, 11, 30, 8, tzinfo=UTC)
    with pytest.raises(ValueError):
        icalendar_reference(deadlines, domain=DOMAIN, stamp=stamp)
    with pytest.raises(ValueError):
        deadlines_ics(deadlines, domain=DOMAIN, stamp=stamp)


# ----------------------------------------------------------------------------------------------------------------
# (b) The file reads back
# ----------------------------------------------------------------------------------------------------------------


@_SETTINGS
@given(deadlines=_deadlines(_READABLE_URLS), domain=_DOMAINS, stamp=_STAMPS)
def test_reads_back_with_icalendar(deadlines: list[Deadline], domain: str, stamp: datetime) -> None:
    """UID, SEQUENCE, DTSTART, SUMMARY and URL of each event are what went in."""
    calendar = Calendar.from_ical(deadlines_ics(deadlines, domain=domain, stamp=stamp))
    events = calendar.walk("VEVENT")
    assert len(events) == len(deadlines)
    for event, deadline in zip(events, deadlines, strict=True):
        assert str(event["UID"]) == read_back(task_uid(deadline.task_id, domain))
        assert event["SEQUENCE"] == deadline.version
        assert event.decoded("DTSTART") == deadline.due
        assert event.decoded("DTEND") == deadline.due + timedelta(days=1)
        assert event.decoded("DTSTAMP") == stamp.astimezone(UTC).replace(microsecond=0)
        assert str(event["SUMMARY"]) == read_back(f"{deadline.title} – {deadline.plan_name}")
        assert str(event["URL"]) == deadline.url.removeprefix("\ufeff")


# ----------------------------------------------------------------------------------------------------------------
# (c) Fixed examples
# ----------------------------------------------------------------------------------------------------------------

_SHORT = (
    "BEGIN:VCALENDAR\r\n"
    "VERSION:2.0\r\n"
    "PRODID:-//GPECT Workflow//Deadlines//FR\r\n"
    "METHOD:PUBLISH\r\n"
    "BEGIN:VEVENT\r\n"
    "SUMMARY:Signer\\, puis envoyer\\; vite – Plan 7\r\n"
    "DTSTART;VALUE=DATE:20261231\r\n"
    "DTEND;VALUE=DATE:20270101\r\n"
    "DTSTAMP:20261130T080000Z\r\n"
    "UID:gpect-task-7@gpect.test\r\n"
    "SEQUENCE:3\r\n"
    "DESCRIPTION:http://gpect.test/t/7?a=1\\,2\r\n"
    "TRANSP:TRANSPARENT\r\n"
    "URL:http://gpect.test/t/7?a=1,2\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


def test_short_example() -> None:
    """One short event; the Paris stamp (09:00, winter time) written as 08:00 UTC."""
    deadline = Deadline(7, 3, "Signer, puis envoyer; vite", "Plan 7", date(2026, 12, 31), "http://gpect.test/t/7?a=1,2")
    found = deadlines_ics([deadline], domain=DOMAIN, stamp=datetime(2026, 11, 30, 9, tzinfo=PARIS))
    assert found == _SHORT.encode()


_FOLDED = (
    "BEGIN:VCALENDAR\r\n"
    "VERSION:2.0\r\n"
    "PRODID:-//GPECT Workflow//Deadlines//FR\r\n"
    "METHOD:PUBLISH\r\n"
    "BEGIN:VEVENT\r\n"
    # 73 octets: the 2-octet é would make 75, so it starts the next line.
    "SUMMARY:Évaluer les compétences des opérateurs de la ligne de mise en \r\n"
    # A space and 73 octets: the backslash would have been the 74th, and goes with its comma.
    " étuis\\, puis préparer la réunion du comité régional – Plan 2027-28\r\n"
    " \\, Gien\r\n"
    "DTSTART;VALUE=DATE:20270301\r\n"
    "DTEND;VALUE=DATE:20270302\r\n"
    "DTSTAMP:20270201T063015Z\r\n"
    "UID:gpect-task-12@gpect.test\r\n"
    "SEQUENCE:1\r\n"
    "DESCRIPTION:http://x/12\r\n"
    "TRANSP:TRANSPARENT\r\n"
    "URL:http://x/12\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


def test_long_accented_title_is_folded_by_octets() -> None:
    """Folded at 74 octets of whole characters, never inside a UTF-8 sequence nor after an escaping backslash."""
    title = (
        "Évaluer les compétences des opérateurs de la ligne de mise en étuis, puis préparer la réunion du comité"
        " régional"
    )
    deadline = Deadline(12, 1, title, "Plan 2027-28, Gien", date(2027, 3, 1), "http://x/12")
    found = deadlines_ics([deadline], domain=DOMAIN, stamp=datetime(2027, 2, 1, 6, 30, 15, 999, tzinfo=UTC))
    assert found == _FOLDED.encode()
    assert [len(line) for line in found.split(b"\r\n")[5:8]] == [73, 74, 8]
