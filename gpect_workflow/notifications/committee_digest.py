"""The steering committee digest: what waits for each committee member's attention, weekly or daily.

A committee member (a person mapped to a role the plan's definition marks ``committee: true``) receives
it at the reminder send hour (``REMINDER_SEND_HOUR``) in their own time zone: on
``COMMITTEE_DIGEST_WEEKDAY`` (the next working day when that day is a public holiday) with the default
``COMMITTEE_DIGEST_FREQUENCY=weekly``, on every working day with ``daily``, never with ``off``. It lists,
for the active plans whose committee they sit on, the gates awaiting a decision, the plans off track with
their reasons and the indicators behind target (``services.committee`` decides all three, as the committee
page does). Nothing to report: no email. Administrators and plan leads get it only for the committees
they sit on.

Like the other digests, a pass queues the digests whose send time came in its window ``(since, until]``;
after downtime, the latest missed one still leaves, once. The idempotency key names the person and the
occurrence, so two passes or two processes never queue it twice.

Cost: which time zones reach their send time inside the window is worked out from the time zone database,
so most passes run no query at all. When some do: one query for the definitions, one for the members of
those zones with the plans that may need attention (``plans_that_may_need_attention``, at most
``MAX_PLANS_CHECKED`` each, gates first), one for the recipients, one for the plans, six per
``HEALTH_BATCH`` plans for their health, and one insertion.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from ..config import COMMITTEE_DIGEST_WEEKDAYS
from ..definitions.model import Calendar
from ..engine.calendar import WorkingCalendar, calendar_for
from ..formats import written_number
from ..models import (
    Person,
    Plan,
    PlanStatus,
    RoleAssignment,
    RoleAssignmentMember,
)
from ..services.committee.health import IndicatorHealth, OffTrackKind, OffTrackReason, PlanHealth, plans_health
from ..services.committee.lateness import OFF_TRACK_LATE_DAYS
from ..services.committee.oversight import committee_roles, plans_that_may_need_attention, sits_on_committee
from ..services.context import session
from ..services.definitions import get_definition
from ..services.indicators.status import target_comparison
from ..services.urls import public_url
from ..services.zones import zone_or_default
from ..vocabulary import COMPARISON_SIGNS
from .digests import MAX_CATCH_UP_DAYS
from .inbox import COMMITTEE_PATH
from .outbox import NewMessage
from .reminder_dates import default_hour
from .render import render_email
from .views import Recipient, common_context, recipients

KIND = "committee_digest"
#: At most this many plans are detailed in one digest; the others are on the committee's pages.
MAX_PLANS_LISTED = 25
#: How many plans that may need attention are examined per member (those with a gate waiting first).
MAX_PLANS_CHECKED = 3 * MAX_PLANS_LISTED
#: Plans whose health is read together.
HEALTH_BATCH = 500


# --- when ----------------------------------------------------------------------------------------------------


def digest_occurrence(day: date, frequency: str, weekday: str, calendar: WorkingCalendar | None = None) -> date | None:
    """The occurrence of the committee digest that leaves on ``day``, or ``None`` when none does.

    An occurrence is named by the day it stands for: ``day`` itself when daily (working days only); the
    week's ``weekday`` when weekly, the digest leaving that day or, on a public holiday, the next working day.
    """
    calendar = calendar or calendar_for(Calendar())
    if frequency == "off" or not calendar.is_working_day(day):
        return None
    if frequency == "daily":
        return day
    monday = day - timedelta(days=day.weekday())
    nominal = monday + timedelta(days=COMMITTEE_DIGEST_WEEKDAYS.index(weekday))
    for anchor in (nominal, nominal - timedelta(days=7)):
        if anchor <= day and calendar.next_working_day(anchor) == day:
            return anchor
    return None


@cache
def _zone(name: str) -> ZoneInfo:
    """The zone, kept: ``ZoneInfo`` itself keeps only a few strongly, and this pass walks all of them."""
    return ZoneInfo(name)


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def occurrences_by_zone(since: datetime, until: datetime) -> dict[str, tuple[date, date]]:
    """For each time zone whose digest send time came in ``(since, until]``: (day it leaves, occurrence).

    After downtime the latest such day counts (a missed weekly digest leaves once, late, not twice).
    """
    frequency = current_app.config["COMMITTEE_DIGEST_FREQUENCY"]
    weekday = current_app.config["COMMITTEE_DIGEST_WEEKDAY"]
    if frequency == "off":
        return {}
    hour, result = default_hour(), {}
    back = min(MAX_CATCH_UP_DAYS, (until - since).days + 2)
    for name in _known_zones() | {current_app.config["DEFAULT_TIMEZONE"]}:
        zone = _zone(name)
        local_day = until.astimezone(zone).date()
        for offset in range(back):
            day = local_day - timedelta(days=offset)
            if not since < datetime.combine(day, hour, zone) <= until:
                continue
            occurrence = digest_occurrence(day, frequency, weekday)
            if occurrence is not None:
                result[name] = (day, occurrence)
                break
    return result


# --- who and what --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Candidates:
    """The plans of one member that may need attention: the first ones examined, and how many there are."""

    plans: list[Plan]
    total: int


def committee_digest_messages(since: datetime, until: datetime) -> list[NewMessage]:
    """The committee digests whose send time came in ``(since, until]``, rendered, not yet queued."""
    occurrences = occurrences_by_zone(since, until)
    if not occurrences:
        return []
    candidates = _candidates(occurrences, until)
    if not candidates:
        return []
    people = recipients(candidates)
    plans = {plan.id: plan for found in candidates.values() for plan in found.plans}
    health = _health(list(plans.values()))
    messages = []
    for person_id, found in candidates.items():
        recipient = people.get(person_id)
        if recipient is None:
            continue
        _, occurrence = occurrences[recipient.timezone]
        message = _digest(recipient, occurrence, found, health)
        if message is not None:
            messages.append(message)
    return messages


def _candidates(zones: Collection[str], instant: datetime) -> dict[int, _Candidates]:
    """Active committee members of ``zones`` with the active plans of theirs that may need attention (one
    query, plus the definitions)."""
    # From the plans that may need attention to their committees' members, not the other way round: the
    # cost follows the problems, whatever the number of plans each member sits on.
    attention = plans_that_may_need_attention(instant).subquery()
    pairs = (
        sa.select(
            RoleAssignmentMember.person_id.label("person_id"),
            Plan.id.label("plan_id"),
            attention.c.gate_waiting.label("gate_waiting"),
        )
        .select_from(attention)
        .join(Plan, Plan.id == attention.c.plan_id)
        .join(RoleAssignment, RoleAssignment.plan_id == Plan.id)
        .join(RoleAssignmentMember, RoleAssignmentMember.assignment_id == RoleAssignment.id)
        .join(Person, Person.id == RoleAssignmentMember.person_id)
        .where(
            Person.is_active,
            Person.timezone.in_(sorted(zones)),
            Plan.status == PlanStatus.ACTIVE,
            sits_on_committee(committee_roles()),
        )
        .distinct()
        .subquery()
    )
    ranked = sa.select(
        pairs.c.person_id,
        pairs.c.plan_id,
        sa.func.row_number()
        .over(partition_by=pairs.c.person_id, order_by=(pairs.c.gate_waiting.desc(), pairs.c.plan_id))
        .label("rank"),
        sa.func.count().over(partition_by=pairs.c.person_id).label("total"),
    ).subquery()
    # The columns of a subquery are untyped: the annotation says what this one selects.
    query: sa.Select[int, Plan, int] = (
        sa.select(ranked.c.person_id, Plan, ranked.c.total)
        .join(Plan, Plan.id == ranked.c.plan_id)
        .where(ranked.c.rank <= MAX_PLANS_CHECKED)
        .order_by(ranked.c.person_id, ranked.c.rank)
        .options(joinedload(Plan.territory))
    )
    found: dict[int, _Candidates] = {}
    for person_id, plan, total in session().execute(query):
        found.setdefault(person_id, _Candidates([], int(total))).plans.append(plan)
    return found


def _health(plans: list[Plan]) -> dict[int, PlanHealth]:
    health: dict[int, PlanHealth] = {}
    for start in range(0, len(plans), HEALTH_BATCH):
        health |= plans_health(plans[start : start + HEALTH_BATCH])
    return health


# --- what the email shows ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GateItem:
    """A gate waiting for the committee."""

    plan_name: str
    territory: str
    stage_title: str
    since: date | None
    days_waiting: int | None
    plan_url: str


@dataclass(frozen=True, slots=True)
class LateOrganisation:
    """A partner with tasks late beyond the threshold."""

    name: str | None
    count: int
    max_days_late: int


@dataclass(frozen=True, slots=True)
class ReasonItem:
    """Why a plan is off track, with the words a template needs."""

    kind: str
    count: int = 0
    days: int = 0
    stage_title: str | None = None
    planned_end: date | None = None
    indicator_title: str | None = None
    organisations: tuple[LateOrganisation, ...] = ()


@dataclass(frozen=True, slots=True)
class OffTrackItem:
    """An active plan off track."""

    plan_name: str
    territory: str
    plan_url: str
    stage_title: str | None
    percent_done: int
    reasons: tuple[ReasonItem, ...]


@dataclass(frozen=True, slots=True)
class IndicatorItem:
    """An indicator behind its target."""

    plan_name: str
    title: str
    value: str
    #: The target with the comparison its direction asks for: "≥ 42", "≤ 120 000".
    target: str
    measured_on: date | None
    plan_url: str


#: Unit words after a number, singular and plural, per language ("count" needs none).
_UNITS = {
    "fr": {
        "percent": ("\u00a0%", "\u00a0%"),
        "people": (" personne", " personnes"),
        "euro": (" euro", " euros"),
        "days": (" jour", " jours"),
        "hours": (" heure", " heures"),
    },
    "en": {
        "percent": ("%", "%"),
        "people": (" person", " people"),
        "euro": (" euro", " euros"),
        "days": (" day", " days"),
        "hours": (" hour", " hours"),
    },
}


def format_quantity(value: float, unit: str, language: str) -> str:
    """``57,5 %``, ``14 personnes``, ``120 000 euros`` / ``57.5%``, ``14 people``, ``120,000 euros``."""
    language = "en" if language == "en" else "fr"
    singular, plural = _UNITS[language].get(unit, ("", ""))
    one = abs(value) < 2 if language == "fr" else value == 1
    return written_number(value, language) + (singular if one else plural)


def plan_url(plan_id: int) -> str:
    """The plan's page (sign-in first when needed: the page sends anonymous readers to the login form)."""
    return public_url(f"/plans/{plan_id}")


def _digest(
    recipient: Recipient, occurrence: date, found: _Candidates, health: dict[int, PlanHealth]
) -> NewMessage | None:
    flagged = [health[plan.id] for plan in found.plans if plan.id in health and health[plan.id].needs_attention]
    if not flagged:
        return None
    flagged.sort(key=lambda item: (not item.gates_awaiting, item.plan.name, item.plan.id))  # decisions first
    listed = flagged[:MAX_PLANS_LISTED]
    language = recipient.language
    context = common_context(recipient)
    context.pop("digest_only_url")  # a committee digest is no notification to turn into a digest
    email = render_email(
        KIND,
        language,
        period=current_app.config["COMMITTEE_DIGEST_FREQUENCY"],
        gates=sorted(_gates(listed, language), key=lambda g: (g.since is None, g.since or date.min, g.plan_name)),
        off_track=[_off_track(item, language) for item in listed if item.off_track],
        indicators=[_indicator(item, i, language) for item in listed for i in item.indicators_off_target],
        truncated=len(flagged) > MAX_PLANS_LISTED or found.total > len(found.plans),
        late_threshold=OFF_TRACK_LATE_DAYS,
        **context,
    )
    key = f"{KIND}:r{recipient.id}:{occurrence.isoformat()}"
    return NewMessage(
        key, KIND, recipient.email, email.subject, email.text, email.html, recipient.id, link_path=COMMITTEE_PATH
    )


def _stage_title(plan: Plan, stage_key: str, language: str) -> str:
    return get_definition(plan.definition_key, plan.definition_version).stage(stage_key).title.get(language)


def _gates(items: Iterable[PlanHealth], language: str) -> list[GateItem]:
    return [
        GateItem(
            plan_name=item.plan.name,
            territory=item.plan.territory.name,
            stage_title=_stage_title(item.plan, gate.stage_key, language),
            since=gate.since.astimezone(zone_or_default(item.plan.timezone)).date() if gate.since else None,
            days_waiting=gate.days_waiting,
            plan_url=plan_url(item.plan.id),
        )
        for item in items
        for gate in item.gates_awaiting
    ]


def _off_track(item: PlanHealth, language: str) -> OffTrackItem:
    current = item.current_stage
    return OffTrackItem(
        plan_name=item.plan.name,
        territory=item.plan.territory.name,
        plan_url=plan_url(item.plan.id),
        stage_title=_stage_title(item.plan, current.key, language) if current else None,
        percent_done=item.progress.percent_done,
        reasons=tuple(_reason(item, reason, language) for reason in item.reasons),
    )


def _reason(item: PlanHealth, reason: OffTrackReason, language: str) -> ReasonItem:
    if reason.kind is OffTrackKind.TASKS_LATE:
        organisations = tuple(
            LateOrganisation(row.organisation_name, row.late_beyond_threshold, row.max_days_late)
            for row in item.overdue_by_organisation
            if row.late_beyond_threshold
        )
        return ReasonItem(reason.kind.value, count=reason.count, days=reason.days, organisations=organisations)
    if reason.kind is OffTrackKind.STAGE_PAST_END:
        assert reason.stage_key is not None
        stage = next(stage for stage in item.stages if stage.key == reason.stage_key)
        title = _stage_title(item.plan, stage.key, language)
        return ReasonItem(reason.kind.value, days=reason.days, stage_title=title, planned_end=stage.planned_end)
    indicator = next(i for i in item.indicators if i.key == reason.indicator_key)
    return ReasonItem(reason.kind.value, indicator_title=indicator.title(language))


def _indicator(item: PlanHealth, indicator: IndicatorHealth, language: str) -> IndicatorItem:
    assert indicator.latest_value is not None and indicator.target is not None
    return IndicatorItem(
        plan_name=item.plan.name,
        title=indicator.title(language),
        value=format_quantity(indicator.latest_value, indicator.unit, language),
        target=f"{COMPARISON_SIGNS[target_comparison(indicator.direction)]} "
        + format_quantity(indicator.target, indicator.unit, language),
        measured_on=indicator.measured_on,
        plan_url=plan_url(item.plan.id),
    )
