"""Action plans: list, create, read, their tasks and gate decisions."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app
from flask.views import MethodView

from ..models import CommitteeDecision, Decision, PlanStatus
from ..services.definitions import latest_version
from ..services.plans.detail import plan_detail, plan_tasks
from ..services.plans.listing import PlanFilters, list_plans
from ..services.plans.starting import PlanRequest, RoleMapping, start_plan
from ..services.stages.progression import decide_gate, reopened_due_dates, stage_of_plan
from .auth import api_person
from .common import ApiBlueprint, errors
from .schemas import (
    DecisionCreateSchema,
    DecisionSchema,
    PlanArgsSchema,
    PlanCreateSchema,
    PlanListSchema,
    PlanSchema,
    TaskListSchema,
)

URL_PREFIX = "/plans"
blp = ApiBlueprint(
    "gpect_api_plans", __name__, description="Action plans, their stages and decisions", authenticate=api_person
)


@blp.route("")
class Plans(MethodView):
    @blp.arguments(PlanArgsSchema, location="query")
    @blp.response(200, PlanListSchema)
    @errors(blp, 422)
    def get(self, args: dict[str, Any]) -> Any:
        """The plans you lead, take part in or oversee (all for administrators), newest first."""
        filters = PlanFilters(
            args.get("territory_id"),
            args.get("definition"),
            PlanStatus(args["status"]) if "status" in args else None,
            args.get("stage"),
            args.get("late"),
        )
        return list_plans(api_person(), filters, args["page"], args["per_page"])

    @blp.arguments(PlanCreateSchema)
    @blp.response(201, PlanSchema)
    @errors(blp, 403, 404, 422)
    def post(self, data: dict[str, Any]) -> Any:
        """Start a plan from a definition version, with every task-owning role mapped.

        A plan whose start date is still ahead is created `scheduled` and opens on that day, unless
        `open_now` is true.
        """
        actor = api_person()
        version = data.get("definition_version") or latest_version(data["definition_key"])
        roles = {key: RoleMapping(m["organisation_id"], m["person_ids"]) for key, m in data["roles"].items()}
        request = PlanRequest(
            data["name"],
            data["definition_key"],
            version,
            data["territory_id"],
            data.get("lead_id", actor.id),
            data["start_date"],
            roles,
            data.get("timezone") or current_app.config["DEFAULT_TIMEZONE"],
            open_now=data["open_now"],
        )
        plan = start_plan(actor, request)
        return plan_detail(actor, plan.id)


@blp.route("/<int(max=2147483647):plan_id>")
class PlanById(MethodView):
    @blp.response(200, PlanSchema)
    @errors(blp, 404)
    def get(self, plan_id: int) -> Any:
        """One plan with its stages and progress."""
        return plan_detail(api_person(), plan_id)


@blp.route("/<int(max=2147483647):plan_id>/tasks")
class PlanTasks(MethodView):
    @blp.response(200, TaskListSchema)
    @errors(blp, 404)
    def get(self, plan_id: int) -> Any:
        """The plan's tasks, in stage then due-date order."""
        return {"items": plan_tasks(api_person(), plan_id)}


@blp.route("/<int(max=2147483647):plan_id>/stages/<string:stage_key>/decisions")
class StageDecisions(MethodView):
    @blp.arguments(DecisionCreateSchema)
    @blp.response(201, DecisionSchema)
    @errors(blp, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], plan_id: int, stage_key: str) -> Any:
        """Record a steering committee's decision at the stage's gate: approve, rework (tasks to reopen), hold."""
        actor = api_person()
        plan_detail(actor, plan_id)
        stage_id = stage_of_plan(plan_id, stage_key)
        decided = decide_gate(
            actor,
            stage_id,
            Decision(data["decision"]),
            minutes=data.get("minutes"),
            reopen=data["reopen"],
            due_dates=data["due_dates"],
        )
        return _Decided(decided, reopened_due_dates(decided))


class _Decided:
    """A decision as the API returns it: the stored decision and the reopened tasks' due dates."""

    def __init__(self, decision: CommitteeDecision, due_dates: dict[str, date]) -> None:
        self._decision, self.due_dates = decision, due_dates

    def __getattr__(self, name: str) -> Any:
        return getattr(self._decision, name)
