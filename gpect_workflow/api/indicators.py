"""Indicators of plans and their measurements."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from ..services.indicators.measurements import get_indicator, plan_indicators, record_measurement
from .auth import api_person
from .common import ApiBlueprint, errors
from .schemas import IndicatorListSchema, MeasurementCreateSchema, MeasurementListSchema, MeasurementSchema

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
