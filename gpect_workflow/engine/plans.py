"""Plan life-cycle rules: hold, resume, cancel, complete."""

from __future__ import annotations

from datetime import date, timedelta

from ..errors import InvalidTransition
from .states import PlanStatus

P = PlanStatus

PLAN_TRANSITIONS: dict[tuple[PlanStatus, PlanStatus], str] = {
    (P.ACTIVE, P.ON_HOLD): "hold",
    (P.ON_HOLD, P.ACTIVE): "resume",
    (P.ACTIVE, P.CANCELLED): "cancel",
    (P.ON_HOLD, P.CANCELLED): "cancel",
    (P.ACTIVE, P.COMPLETED): "complete",
}


def check_plan_change(current: PlanStatus, target: PlanStatus) -> None:
    """Refuse a plan status change the life cycle does not allow."""
    if (current, target) not in PLAN_TRANSITIONS:
        raise InvalidTransition(f"a plan cannot go from {current} to {target}")


def check_plan_active(status: PlanStatus) -> None:
    """Work on tasks and stages happens only while the plan is active."""
    if status is not PlanStatus.ACTIVE:
        raise InvalidTransition(
            f"the plan is {status}: resume it first"
            if status is P.ON_HOLD
            else f"the plan is {status}: nothing can change any more"
        )


def hold_shift(held_on: date, resumed_on: date) -> timedelta:
    """How far open deadlines move when a plan resumes with its deadlines shifted: the days on hold."""
    return max(timedelta(0), resumed_on - held_on)
