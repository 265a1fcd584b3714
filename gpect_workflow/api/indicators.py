"""Indicators of plans and their measurements."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView

from ..services.indicators.measurements import (
    correct_measurement,
    delete_measurement,
    get_indicator,
    get_measurement,
    plan_indicators,
    record_measurement,
)
from .auth import api_person
from .common import ApiBlueprint, errors
from .schemas.indicators import (
    IndicatorListSchema,
    MeasurementCreateSchema,
    MeasurementListSchema,
    MeasurementSchema,
    MeasurementUpdateSchema,
)

URL_PREFIX = ""
blp = ApiBlueprint("gpect_api_indicators", __name__, description="Indicators and measurements", authenticate=api_person)


@blp.route("/plans/<int(max=2147483647):plan_id>/indicators")
class PlanIndicators(MethodView):
    @blp.response(200, IndicatorListSchema)
    @errors(blp, 404)
    def get(self, plan_id: int) -> Any:
        """The plan's indicators with targets and measurements."""
        return {"items": plan_indicators(api_person(), plan_id)}


@blp.route("/indicators/<int(max=2147483647):indicator_id>/measurements")
class Measurements(MethodView):
    @blp.response(200, MeasurementListSchema)
    @errors(blp, 404)
    def get(self, indicator_id: int) -> Any:
        """Measurements of an indicator, oldest first."""
        return {"items": get_indicator(api_person(), indicator_id).measurements}

    @blp.arguments(MeasurementCreateSchema)
    @blp.response(201, MeasurementSchema)
    @errors(blp, 403, 404, 422)
    def post(self, data: dict[str, Any], indicator_id: int) -> Any:
        """Record a value (the plan lead or an administrator)."""
        return record_measurement(api_person(), indicator_id, data["value"], data["measured_on"], data.get("source"))


@blp.route("/indicators/<int(max=2147483647):indicator_id>/measurements/<int(max=2147483647):measurement_id>")
class MeasurementById(MethodView):
    @blp.response(200, MeasurementSchema)
    @errors(blp, 404)
    def get(self, indicator_id: int, measurement_id: int) -> Any:
        """One measurement of the indicator."""
        return get_measurement(api_person(), indicator_id, measurement_id)

    @blp.arguments(MeasurementUpdateSchema)
    @blp.response(200, MeasurementSchema)
    @errors(blp, 403, 404, 422)
    def patch(self, data: dict[str, Any], indicator_id: int, measurement_id: int) -> Any:
        """Correct a value, its date or its source (the plan lead or an administrator); the journal keeps the
        old ones. Fields left out keep their value."""
        person = api_person()
        current = get_measurement(person, indicator_id, measurement_id)
        return correct_measurement(
            person,
            indicator_id,
            measurement_id,
            data.get("value", current.value),
            data.get("measured_on", current.measured_on),
            data.get("source", current.source),
        )

    @blp.response(204)
    @errors(blp, 403, 404)
    def delete(self, indicator_id: int, measurement_id: int) -> Any:
        """Delete a measurement (the plan lead or an administrator); the journal keeps what it was."""
        delete_measurement(api_person(), indicator_id, measurement_id)
        return Response(status=204)  # no body, and no JSON content type announcing one
