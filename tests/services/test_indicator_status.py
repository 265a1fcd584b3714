"""The one rule of an indicator's status against its target, following the direction it should move."""

from __future__ import annotations

from datetime import date

import pytest

from gpect_workflow.definitions.model import IndicatorDirection
from gpect_workflow.models import Indicator, Measurement
from gpect_workflow.services.indicators.status import (
    IndicatorStatus,
    TargetComparison,
    indicator_status,
    latest_measurement,
    status_of,
    target_comparison,
)

INCREASE, DECREASE = IndicatorDirection.INCREASE, IndicatorDirection.DECREASE


@pytest.mark.parametrize(
    ("direction", "latest", "target", "status"),
    [
        (INCREASE, 5, 8, IndicatorStatus.OFF_TARGET),
        (INCREASE, 8, 8, IndicatorStatus.ON_TARGET),  # exactly at the target is reached
        (INCREASE, 9.5, 8, IndicatorStatus.ON_TARGET),
        (DECREASE, 131_500, 120_000, IndicatorStatus.OFF_TARGET),  # above a target of at most 120 000
        (DECREASE, 120_000, 120_000, IndicatorStatus.ON_TARGET),
        (DECREASE, 0, 10, IndicatorStatus.ON_TARGET),
        (DECREASE, -0.5, 0, IndicatorStatus.ON_TARGET),
        (INCREASE, 0, 0, IndicatorStatus.ON_TARGET),
        (INCREASE, None, 8, IndicatorStatus.NO_MEASUREMENT),
        (DECREASE, None, 8, IndicatorStatus.NO_MEASUREMENT),
        (DECREASE, None, None, IndicatorStatus.NO_MEASUREMENT),
        (INCREASE, 3, None, IndicatorStatus.NO_TARGET),
        (DECREASE, 3, None, IndicatorStatus.NO_TARGET),
    ],
)
def test_the_status_follows_the_direction(
    direction: IndicatorDirection, latest: float | None, target: float | None, status: IndicatorStatus
) -> None:
    assert indicator_status(direction, latest, target) is status


def test_the_codes_are_stable() -> None:
    assert [status.value for status in IndicatorStatus] == ["on_target", "off_target", "no_target", "no_measurement"]
    assert target_comparison(INCREASE) is TargetComparison.AT_LEAST and TargetComparison.AT_LEAST == "at_least"
    assert target_comparison(DECREASE) is TargetComparison.AT_MOST and TargetComparison.AT_MOST == "at_most"


def _indicator(direction: IndicatorDirection, target: float | None, *values: tuple[int, date, float]) -> Indicator:
    indicator = Indicator(key="k", title_fr="K", title_en="K", unit="count", target=target, direction=direction)
    indicator.measurements = [Measurement(id=id_, measured_on=day, value=value) for id_, day, value in values]
    return indicator


def test_an_indicator_stands_by_its_latest_measurement_by_date_not_by_the_order_recorded() -> None:
    indicator = _indicator(
        DECREASE,
        10,
        (3, date(2026, 3, 1), 15),  # recorded last, but measured earliest
        (1, date(2026, 6, 1), 8),
        (2, date(2026, 6, 1), 12),  # same day, recorded after: the latest
    )
    latest = latest_measurement(indicator)
    assert latest is not None and latest.value == 12
    assert status_of(indicator) is IndicatorStatus.OFF_TARGET
    assert status_of(_indicator(DECREASE, 10)) is IndicatorStatus.NO_MEASUREMENT
    assert latest_measurement(_indicator(INCREASE, 10)) is None
