"""Indicators and their measurements."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from ...services.indicators.status import IndicatorStatus, TargetComparison, status_of, target_comparison
from ..fields import (
    Day,
    StrictSchema,
    Text,
)


class MeasurementSchema(Schema):
    id = fields.Integer(required=True)
    indicator_id = fields.Integer(required=True)
    value = fields.Float(required=True)
    measured_on = fields.Date(required=True)
    source = fields.String(allow_none=True)
    recorded_by_id = fields.Integer(allow_none=True)
    recorded_at = fields.AwareDateTime(attribute="recorded_dt", required=True)


class MeasurementListSchema(Schema):
    items = fields.List(fields.Nested(MeasurementSchema), required=True)


class MeasurementCreateSchema(StrictSchema):
    value = fields.Float(required=True, allow_nan=False)
    measured_on = Day(required=True)
    source = Text(validate=validate.Length(max=300))


class MeasurementUpdateSchema(StrictSchema):
    """A correction: only the fields given change; ``source`` null or empty clears it."""

    value = fields.Float(allow_nan=False)
    measured_on = Day()
    source = Text(allow_none=True, validate=validate.Length(max=300))


class IndicatorSchema(Schema):
    id = fields.Integer(required=True)
    plan_id = fields.Integer(required=True)
    key = fields.String(required=True)
    title = fields.Method("_title", required=True)
    unit = fields.String(required=True)
    target = fields.Float(allow_none=True)
    direction = fields.String(required=True)
    status = fields.Method(
        "_status",
        required=True,
        metadata={
            "type": "string",
            "enum": [status.value for status in IndicatorStatus],
            "description": "The latest measurement against the target, following the direction: `on_target` "
            "(reached: at or above it for `increase`, at or below it for `decrease`), `off_target` (behind it), "
            "`no_target` (measured, no target set) or `no_measurement`.",
        },
    )
    comparison = fields.Method(
        "_comparison",
        required=True,
        metadata={
            "type": "string",
            "enum": [comparison.value for comparison in TargetComparison],
            "description": "How a value reaches the target: `at_least` (≥, for `increase`) or `at_most` "
            "(≤, for `decrease`).",
        },
    )
    measurements = fields.List(fields.Nested(MeasurementSchema), required=True)

    def _title(self, indicator: Any) -> dict[str, str]:
        return {"fr": indicator.title_fr, "en": indicator.title_en}

    def _status(self, indicator: Any) -> str:
        return status_of(indicator).value

    def _comparison(self, indicator: Any) -> str:
        return target_comparison(indicator.direction).value


class IndicatorListSchema(Schema):
    items = fields.List(fields.Nested(IndicatorSchema), required=True)
