"""The rules every stored email address, time zone, date and note obeys, whatever the entry that stores it.

The scheduler reads these values long after they were typed: an address becomes an SMTP envelope, a time
zone a ``ZoneInfo``, a date the origin of reminder arithmetic. A value that breaks there breaks every pass,
so pages, CSV imports, the API, the CLI and the demo all call the functions below, and ``flask gpect
doctor`` lists stored values that fail them. No Flask and no database: the rules are plain functions.

The raising checks take what a person typed (surrounding blanks are dropped) and refuse with
``ValidationError`` and one field message, an English sentence marked with ``N_`` so pages translate it.
The ``*_problem`` twins judge a value as it is stored and return the reason in plain English (``None``
when it passes), for reports that list rather than refuse.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date
from functools import cache
from typing import TypeVar
from zoneinfo import available_timezones

from email_validator import EmailNotValidError, ValidatedEmail, validate_email

from .errors import ValidationError
from .refusals import NO_CONTROL_CHARACTERS, Refusal
from .vocabulary import N_

T = TypeVar("T")


#: First and last day a stored date may be: far enough for any plan, near enough that date arithmetic
#: (reminders before and after a deadline, working-day offsets) never leaves what ``datetime`` can hold.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)

EMAIL_MESSAGE = N_("Enter a valid email address, such as prenom.nom@organisation.fr.")
TIMEZONE_MESSAGE = N_("Choose a time zone from the list, such as Europe/Paris.")
#: These two name the years of ``FIRST_DAY`` and ``LAST_DAY`` (a test keeps them in step).
DATE_MESSAGE = N_("Enter a date between 2000 and 2099.")
#: A date within the range that would carry others (a schedule, dependent deadlines) past its end.
SCHEDULE_MESSAGE = N_("This date would put deadlines after 2099: choose an earlier one.")

#: The longest note the journal keeps with a change (a reason, a request for time): a longer one is refused,
#: never cut. ``NOTE_MESSAGE`` names it as ``count``.
NOTE_MAX_LENGTH = 2000
NOTE_MESSAGE = N_("Write at most %(count)s characters.")
#: A comment is a note of the discussion of a task or gate: the same limit, and it must say something.
COMMENT_MAX_LENGTH = NOTE_MAX_LENGTH
COMMENT_NEEDED = N_("Write a comment.")
#: C0 control characters and DEL, except the tab and line breaks a note, minutes or a comment may hold.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: The longest minutes of a steering committee's decision.
MINUTES_MAX_LENGTH = 10_000

#: The largest measurement or indicator target, in size: a float holds 15 significant digits exactly, no
#: territorial quantity (people, hours, euros) comes near it, and the formats that write numbers for pages,
#: charts and exports (Babel's) fail past 28 digits. ``NUMBER_MESSAGE`` names it.
NUMBER_LIMIT = 999_999_999_999_999
NUMBER_MESSAGE = N_("give a number between −999,999,999,999,999 and 999,999,999,999,999")

#: Names ``available_timezones`` may list that are not IANA zones: the host's own zone file.
_NOT_IANA = frozenset({"localtime"})


def _validated(text: str) -> ValidatedEmail:
    """``email-validator``'s verdict, without DNS (entries must not wait on the network) and without SMTPUTF8
    (relays cannot be assumed to carry non-ASCII local parts): raises ``EmailNotValidError``."""
    return validate_email(text, check_deliverability=False, allow_smtputf8=False)


def normalise_email(text: str, field: str = "email") -> str:
    """The address as it is stored and compared: validated, normalised, lower-case entirely.

    Refuses line breaks, NUL, spaces, non-ASCII local parts, domains IDNA cannot encode, special-use
    domains (``.local``, ``.test``...) and over-long addresses, any of which would later stop the sender.
    """
    try:
        return _validated(text.strip()).normalized.lower()
    except EmailNotValidError as error:
        raise ValidationError(Refusal.INVALID_EMAIL, {field: [EMAIL_MESSAGE]}, detail=str(error)) from error


def email_problem(text: str) -> str | None:
    """Why ``text`` is not an address as ``normalise_email`` stores it, or ``None`` when it is: the rule's
    refusal, or a form it would have changed (blanks, upper case), which lookups by address would miss."""
    try:
        normalised = _validated(text.strip()).normalized.lower()
    except EmailNotValidError as error:
        return str(error)
    return None if normalised == text else f"not in its stored form {normalised!r}"


def envelope_address(stored: str) -> str:
    """The ASCII form of a stored address for the SMTP envelope: the domain IDNA-encoded (``a@éé.fr`` ->
    ``a@xn--9caa.fr``). A stored value that fails the rule (an older row) raises ``ValidationError``."""
    try:
        validated = _validated(stored)
    except EmailNotValidError as error:
        raise ValidationError(Refusal.INVALID_EMAIL, {"email": [EMAIL_MESSAGE]}, detail=str(error)) from error
    return validated.ascii_email or validated.normalized


@cache
def _timezones() -> frozenset[str]:
    """The IANA names this host knows (read once: listing them walks the zone files)."""
    return frozenset(available_timezones()) - _NOT_IANA


def check_timezone(name: str, field: str = "timezone") -> str:
    """``name`` without surrounding blanks when it is an IANA time zone name, else ``ValidationError``.

    Membership in the list, not ``ZoneInfo(name)``: that one accepts a path-like or odd key that happens to
    name a file, and raises different errors for others, so it cannot be the rule.
    """
    stripped = name.strip()
    if stripped not in _timezones():
        raise ValidationError(Refusal.UNKNOWN_TIME_ZONE, {field: [TIMEZONE_MESSAGE]}, value=repr(name))
    return stripped


def timezone_problem(name: str) -> str | None:
    """Why ``name`` is not a time zone as ``check_timezone`` stores it (blanks included), or ``None``."""
    return None if name in _timezones() else "not an IANA time zone name"


def check_date(day: date, field: str) -> date:
    """``day`` when it lies between ``FIRST_DAY`` and ``LAST_DAY``, else ``ValidationError``."""
    problem = date_problem(day)
    if problem is not None:
        raise ValidationError(Refusal.DATE_OUT_OF_RANGE, {field: [DATE_MESSAGE]}, day=day.isoformat())
    return day


def date_problem(day: date) -> str | None:
    """Why ``check_date`` would refuse ``day``, or ``None`` when it would accept it."""
    if day < FIRST_DAY:
        return f"before {FIRST_DAY.isoformat()}"
    if day > LAST_DAY:
        return f"after {LAST_DAY.isoformat()}"
    return None


def number_problem(value: float) -> str | None:
    """Why a measurement or a target of ``value`` is refused (not finite, or beyond ``NUMBER_LIMIT``), or
    ``None``."""
    if not math.isfinite(value):
        return "not a finite number"
    if abs(value) > NUMBER_LIMIT:
        return f"beyond ±{NUMBER_LIMIT}"
    return None


def check_note(text: str, field: str = "note") -> str:
    """``text`` when it is a note the journal keeps whole (at most ``NOTE_MAX_LENGTH`` characters), else
    ``ValidationError``: pages and the API refuse a longer note rather than cut it."""
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError(Refusal.NOTE_TOO_LONG, {field: [NOTE_MESSAGE]}, count=NOTE_MAX_LENGTH)
    return text


def check_comment(text: str, field: str = "body") -> str:
    """``text`` as a comment is kept: blanks around it dropped, line breaks as ``\\n``, at most
    ``COMMENT_MAX_LENGTH`` characters, not empty, without control characters (NUL included); else
    ``ValidationError`` with one field message. Refused, never cut or cleaned silently."""
    body = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not body:
        raise ValidationError(Refusal.INVALID_INPUT, {field: [COMMENT_NEEDED]})
    if CONTROL_CHARACTERS.search(body):
        raise ValidationError(Refusal.INVALID_INPUT, {field: [NO_CONTROL_CHARACTERS]})
    if len(body) > COMMENT_MAX_LENGTH:
        raise ValidationError(Refusal.NOTE_TOO_LONG, {field: [NOTE_MESSAGE]}, count=COMMENT_MAX_LENGTH)
    return body


def collect(problems: dict[str, list[str]], rule: Callable[..., T], *args: object) -> T | None:
    """``rule(*args)``, or ``None`` with the field messages of its ``ValidationError`` added to ``problems``:
    a form that checks several fields shows every problem at once, not the first."""
    try:
        return rule(*args)
    except ValidationError as error:
        problems.update(error.fields)
        return None
