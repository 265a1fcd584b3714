"""Time zones of stored plans and people, read without ever failing on a value the rule refuses.

A plan's or a person's time zone passed the rule when it was stored (``validation.check_timezone``); an
older or hand-written row may not have. Pages read such a row in the application's default zone
(:func:`zone_or_default`): the record shows, its dates perhaps a day off, instead of a server error for
everyone whose list includes it. A scheduler pass does not guess: it leaves aside what depends on the bad
zone, and says so (:func:`plan_zone`, :func:`person_zone`, ``skips``).
"""

from __future__ import annotations

from functools import cache, lru_cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from ..models import Plan
from ..validation import timezone_problem
from .context import session
from .skips import Skip, skip


@lru_cache(maxsize=512)
def known_zone(name: str) -> ZoneInfo | None:
    """``ZoneInfo(name)`` for a name the time zone rule accepts, else ``None``; never raises."""
    return None if timezone_problem(name) is not None else ZoneInfo(name)


def zone_or_default(name: str) -> ZoneInfo:
    """The zone to read a stored row in: its own, or the default zone (``DEFAULT_TIMEZONE``) when its stored
    name breaks the rule."""
    return known_zone(name) or ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])


def plan_zone(plan_id: int, name: str, label: str) -> ZoneInfo | None:
    """The plan's time zone, or ``None`` (the skip recorded) when the stored name breaks the rule."""
    return _zone_or_skip("plan", plan_id, name, label)


def person_zone(person_id: int, name: str, label: str) -> ZoneInfo | None:
    """The person's time zone, or ``None`` (the skip recorded) when the stored name breaks the rule."""
    return _zone_or_skip("person", person_id, name, label)


def _zone_or_skip(subject: str, subject_id: int, name: str, label: str) -> ZoneInfo | None:
    zone = known_zone(name)
    if zone is None:
        skip(Skip(subject, subject_id, label, "timezone", name, timezone_problem(name) or "unknown time zone"))
    return zone


def stored_plan_zones() -> list[str]:
    """The distinct time zone names of the stored plans, as stored (a name the rule refuses included).

    Lists that take "today" in each plan's zone build a ``CASE`` on these names. A plain ``DISTINCT`` reads
    every plan (or every plan a person sees: 4 ms for a lead of 2,400 plans among 10,000); this query skips
    through the index on ``gpect_plans.timezone`` from one name to the next (a recursive query, one index
    probe per zone), so it costs the same for 10 plans or 100,000.
    """
    return list(session().scalars(_stored_zones_statement()))


@cache
def _stored_zones_statement() -> sa.Select[str]:
    """``stored_plan_zones``' statement, built once per process: built on every page, its recursive query
    cost more Python than the database took to run it."""
    first = sa.select(sa.func.min(Plan.timezone).label("zone")).cte("gpect_plan_zones", recursive=True)
    following = sa.select(sa.select(sa.func.min(Plan.timezone)).where(Plan.timezone > first.c.zone).scalar_subquery())
    zones = first.union_all(following.where(first.c.zone.is_not(None)))
    return sa.select(zones.c.zone).where(zones.c.zone.is_not(None))
