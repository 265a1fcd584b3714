"""Plan life-cycle rules (``gpect_workflow.engine.plans``)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpect_workflow.engine.plans import (
    PLAN_TRANSITIONS,
    check_plan_active,
    check_plan_change,
    check_plan_opening,
    hold_shift,
    latest_start_due,
    opening_moment,
    starts_later,
)
from gpect_workflow.engine.states import PlanStatus
from gpect_workflow.errors import InvalidTransition
from gpect_workflow.refusals import Refusal
from tests.refusing import refused

P = PlanStatus
ALLOWED = {
    (P.SCHEDULED, P.ACTIVE): "open",
    (P.SCHEDULED, P.CANCELLED): "cancel",
    (P.ACTIVE, P.ON_HOLD): "hold",
    (P.ON_HOLD, P.ACTIVE): "resume",
    (P.ACTIVE, P.CANCELLED): "cancel",
    (P.ON_HOLD, P.CANCELLED): "cancel",
    (P.ACTIVE, P.COMPLETED): "complete",
}
REFUSED = [pair for pair in itertools.product(PlanStatus, PlanStatus) if pair not in ALLOWED]


def _ids(pair: tuple[PlanStatus, PlanStatus]) -> str:
    return f"{pair[0]}->{pair[1]}"


def test_plan_transition_table() -> None:
    assert PLAN_TRANSITIONS == ALLOWED
    assert len(REFUSED) == 29


@pytest.mark.parametrize("pair", sorted(ALLOWED), ids=_ids)
def test_allowed_plan_change(pair: tuple[PlanStatus, PlanStatus]) -> None:
    check_plan_change(*pair)  # no error


@pytest.mark.parametrize("pair", REFUSED, ids=_ids)
def test_refused_plan_change(pair: tuple[PlanStatus, PlanStatus]) -> None:
    if pair[0] is pair[1]:
        expected = refused(InvalidTransition, Refusal.PLAN_ALREADY_IN_STATUS, current=pair[0])
    else:
        expected = refused(InvalidTransition, Refusal.PLAN_CANNOT_GO, current=pair[0], target=pair[1])
    with expected:
        check_plan_change(*pair)


@pytest.mark.parametrize("final", [P.COMPLETED, P.CANCELLED], ids=str)
def test_completed_and_cancelled_are_final(final: PlanStatus) -> None:
    for target in PlanStatus:
        with pytest.raises(InvalidTransition):
            check_plan_change(final, target)


def test_a_plan_on_hold_cannot_complete() -> None:
    with pytest.raises(InvalidTransition):
        check_plan_change(P.ON_HOLD, P.COMPLETED)


def test_draft_leads_nowhere() -> None:
    for target in PlanStatus:
        with pytest.raises(InvalidTransition):
            check_plan_change(P.DRAFT, target)


def test_a_scheduled_plan_only_opens_or_is_cancelled() -> None:
    assert {target for (source, target) in PLAN_TRANSITIONS if source is P.SCHEDULED} == {P.ACTIVE, P.CANCELLED}
    assert not [pair for pair in PLAN_TRANSITIONS if pair[1] is P.SCHEDULED], "nothing goes back to scheduled"


def test_only_a_scheduled_plan_opens() -> None:
    check_plan_opening(P.SCHEDULED)  # no error
    for status in set(PlanStatus) - {P.SCHEDULED}:
        with refused(InvalidTransition, Refusal.ONLY_SCHEDULED_PLANS_OPEN):
            check_plan_opening(status)


def test_active_plan_accepts_work() -> None:
    check_plan_active(P.ACTIVE)  # no error


def test_plan_on_hold_must_be_resumed_first() -> None:
    with refused(InvalidTransition, Refusal.PLAN_ON_HOLD):
        check_plan_active(P.ON_HOLD)


@pytest.mark.parametrize("status", [P.COMPLETED, P.CANCELLED], ids=str)
def test_finished_plan_accepts_nothing(status: PlanStatus) -> None:
    with refused(InvalidTransition, Refusal.PLAN_ENDED):
        check_plan_active(status)


def test_scheduled_plan_accepts_no_work_before_it_opens() -> None:
    with refused(InvalidTransition, Refusal.PLAN_NOT_OPEN_YET):
        check_plan_active(P.SCHEDULED)


def test_draft_plan_gets_the_final_message() -> None:
    with refused(InvalidTransition, Refusal.PLAN_ENDED):
        check_plan_active(P.DRAFT)


@pytest.mark.parametrize(
    ("held", "resumed", "days"),
    [
        (date(2026, 3, 1), date(2026, 3, 1), 0),
        (date(2026, 3, 1), date(2026, 3, 2), 1),
        (date(2026, 2, 20), date(2026, 3, 2), 10),
        (date(2026, 3, 10), date(2026, 3, 2), 0),
    ],
)
def test_hold_shift_examples(held: date, resumed: date, days: int) -> None:
    assert hold_shift(held, resumed) == timedelta(days=days)


@settings(max_examples=500, database=None)
@given(held=st.dates(), resumed=st.dates())
def test_hold_shift_is_the_days_on_hold_never_negative(held: date, resumed: date) -> None:
    shift = hold_shift(held, resumed)
    assert shift >= timedelta(0)
    assert shift == (resumed - held if resumed > held else timedelta(0))


# --- Scheduled plans: when they open ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "today", "later"),
    [
        (date(2026, 12, 1), date(2026, 11, 30), True),
        (date(2026, 12, 1), date(2026, 12, 1), False),
        (date(2026, 11, 2), date(2026, 11, 30), False),
    ],
)
def test_a_plan_waits_only_for_a_start_date_still_ahead(start: date, today: date, later: bool) -> None:
    assert starts_later(start, today) is later


def test_the_opening_moment_is_the_send_hour_of_the_start_date_in_the_plan_zone() -> None:
    paris = opening_moment(date(2026, 12, 1), time(8, 30), ZoneInfo("Europe/Paris"))
    assert paris == datetime(2026, 12, 1, 7, 30, tzinfo=UTC)
    noumea = opening_moment(date(2026, 12, 1), time(8, 30), ZoneInfo("Pacific/Noumea"))
    assert noumea == datetime(2026, 11, 30, 21, 30, tzinfo=UTC)
    summer = opening_moment(date(2027, 7, 1), time(8, 30), ZoneInfo("Europe/Paris"))
    assert summer == datetime(2027, 7, 1, 6, 30, tzinfo=UTC)


def test_the_latest_start_that_may_be_due_is_the_utc_day_after() -> None:
    assert latest_start_due(datetime(2026, 11, 30, 23, 59, tzinfo=UTC)) == date(2026, 12, 1)
    assert latest_start_due(datetime(2026, 12, 1, 0, 30, tzinfo=ZoneInfo("Europe/Paris"))) == date(2026, 12, 1)


@settings(max_examples=400, database=None)
@given(
    start=st.dates(min_value=date(2000, 1, 2), max_value=date(2099, 12, 30)),
    hour=st.times(),
    zone=st.timezones(),
    until=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)),
)
def test_a_plan_whose_moment_came_is_never_beyond_the_bound(
    start: date, hour: time, zone: ZoneInfo, until: datetime
) -> None:
    """The database keeps the plans starting by ``latest_start_due``: none that is due may be left out."""
    if opening_moment(start, hour, zone) <= until:
        assert start <= latest_start_due(until)
