"""Where an indicator stands against its target, given which direction is better: the one rule.

Every reader of an indicator's status asks this module: the committee page and its digest, the plan
and indicator pages, the reports (HTML, PDF, CSV), the charts and the API. An indicator meant to go
down (``decrease``) reaches its target at or below it; one meant to go up (``increase``) at or above it.
Nothing measured yet is never "behind target".
"""

from __future__ import annotations

from enum import StrEnum

from ...definitions.model import IndicatorDirection
from ...models import Indicator, Measurement


class IndicatorStatus(StrEnum):
    """An indicator's latest value against its target (stable codes, also the API's)."""

    #: The latest value reaches the target in the indicator's direction (equal counts as reached).
    ON_TARGET = "on_target"
    #: The latest value misses the target: under it for ``increase``, over it for ``decrease``.
    OFF_TARGET = "off_target"
    #: Measured, but the definition sets no target to compare with.
    NO_TARGET = "no_target"
    #: Nothing measured yet: never counted as behind target.
    NO_MEASUREMENT = "no_measurement"


class TargetComparison(StrEnum):
    """How a value must compare with the target to reach it: the direction, said as a comparison."""

    #: ``≥ target`` (``increase``).
    AT_LEAST = "at_least"
    #: ``≤ target`` (``decrease``).
    AT_MOST = "at_most"


def target_comparison(direction: IndicatorDirection) -> TargetComparison:
    """``≥`` for an indicator meant to go up, ``≤`` for one meant to go down."""
    return TargetComparison.AT_MOST if direction is IndicatorDirection.DECREASE else TargetComparison.AT_LEAST


def indicator_status(direction: IndicatorDirection, latest: float | None, target: float | None) -> IndicatorStatus:
    """Where ``latest`` stands against ``target`` for an indicator moving in ``direction``."""
    if latest is None:
        return IndicatorStatus.NO_MEASUREMENT
    if target is None:
        return IndicatorStatus.NO_TARGET
    at_most = target_comparison(direction) is TargetComparison.AT_MOST
    reached = latest <= target if at_most else latest >= target
    return IndicatorStatus.ON_TARGET if reached else IndicatorStatus.OFF_TARGET


def latest_measurement(indicator: Indicator) -> Measurement | None:
    """The indicator's latest measurement by date (the last recorded on the same day), if any."""
    return max(indicator.measurements, key=lambda m: (m.measured_on, m.id), default=None)


def status_of(indicator: Indicator) -> IndicatorStatus:
    """Where the indicator's latest measurement stands against its target."""
    latest = latest_measurement(indicator)
    return indicator_status(indicator.direction, latest.value if latest else None, indicator.target)
