"""What a scheduler process prepares once, when it starts, so that its first send hour does not pay for it.

A pass at the send hour renders a thousand emails and must stay under two seconds (DESIGN.md §8). The
first pass of a process also paid for what every later pass finds ready: compiling the email templates
(about a third of a second for those one send hour uses), parsing the registered definitions, loading
the public holidays of their calendars and the locale data of dates written in each language. A
scheduler that starts (or restarts) just before the send hour then made that hour late. Done at start,
none of it waits for a pass: ``flask gpect scheduler`` does it before its first pass, the embedded
scheduler in a thread of its own, not in the request that started it.

Nothing here writes: the definitions are read in a transaction rolled back at once.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from ..engine.calendar import calendar_for
from ..formats import long_date
from ..notifications.render import LANGUAGES, compile_email_templates
from ..services.catalogue import french
from ..services.context import now, state
from ..services.definitions import all_definitions
from ..services.unit_of_work import rollback

log = logging.getLogger(__name__)

#: The holidays of this many days around the start are loaded (a pass looks a few weeks ahead at most).
HOLIDAYS_AROUND = timedelta(days=400)


@dataclass(frozen=True, slots=True)
class WarmUp:
    """What a process prepared before its first pass."""

    templates: int
    definitions: int
    calendars: int
    seconds: float

    def __str__(self) -> str:
        return (
            f"{self.templates} email templates compiled, {self.definitions} definition version(s) and"
            f" {self.calendars} working calendar(s) read in {self.seconds:.2f} s"
        )


def warm_up() -> WarmUp:
    """Compile the email templates, read every registered definition and load its calendar's holidays and
    the locale data of both languages (inside an application context)."""
    started = time.perf_counter()
    templates = compile_email_templates()
    try:
        definitions = all_definitions()
    finally:
        rollback()
    # A registered version never changes: the process keeps it, as ``get_definition`` does.
    state().definitions.update(definitions)
    calendars = {definition.calendar for definition in definitions.values()}
    today = now().date()
    for calendar in calendars:
        working = calendar_for(calendar)
        # The holidays package fills a year's holidays at the first question about that year.
        for day in (today - HOLIDAYS_AROUND, today, today + HOLIDAYS_AROUND):
            working.is_working_day(day)
    for language in LANGUAGES:
        long_date(today, language)
    french("Open")
    return WarmUp(templates, len(definitions), len(calendars), time.perf_counter() - started)


def warm_up_logged() -> WarmUp | None:
    """``warm_up``, logged; a failure is logged and left to the passes (they read the same things)."""
    try:
        report = warm_up()
    except Exception:
        log.exception("GPECT scheduler could not prepare its first pass; the passes will read what they need")
        return None
    log.info("GPECT scheduler ready: %s", report)
    return report
