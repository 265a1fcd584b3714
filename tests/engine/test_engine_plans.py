"""Plan life-cycle rules (``gpect_workflow.engine.plans``)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpect_workflow.engine.plans import PLAN_TRANSITIONS, check_plan_active, check_plan_change, hold_shift
from gpect_workflow.engine.states import PlanStatus
from gpect_workflow.errors import InvalidTransition

P = PlanStatus
ALLOWED = {
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
    assert len(REFUSED) == 20


@pytest.mark.parametrize("pair", sorted(ALLOWED), ids=_ids)
def test_allowed_plan_change(pair: tuple[PlanStatus, PlanStatus]) -> None:
    check_plan_change(*pair)  # no error


@pytest.mark.parametrize("pair", REFUSED, ids=_ids)
def test_refused_plan_change(pair: tuple[PlanStatus, PlanStatus]) -> None:
    with pytest.raises(InvalidTransition, match=f"a plan cannot go from {pair[0]} to {pair[1]}"):
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


def test_active_plan_accepts_work() -> None:
    check_plan_active(P.ACTIVE)  # no error


def test_plan_on_hold_must_be_resumed_first() -> None:
    with pytest.raises(InvalidTransition, match=r"^the plan is on_hold: resume it first$"):
        check_plan_active(P.ON_HOLD)


@pytest.mark.parametrize("status", [P.COMPLETED, P.CANCELLED], ids=str)
def test_finished_plan_accepts_nothing(status: PlanStatus) -> None:
    with pytest.raises(InvalidTransition, match=rf"^the plan is {status}: nothing can change any more$"):
        check_plan_active(status)


def test_draft_plan_gets_the_final_message() -> None:
    with pytest.raises(InvalidTransition, match="nothing can change any more"):
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
