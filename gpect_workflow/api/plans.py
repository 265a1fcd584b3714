"""Action plans: list, create, read, their tasks and gate decisions."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from ..engine.progress import Progress
from ..errors import NotFound
from ..models import Decision, PlanStage, PlanStatus
from ..services.context import session
from ..services.definitions import latest_definitions
from ..services.paging import Page
from ..services.plans import PlanRequest, RoleMapping, start_plan
from ..services.queries import PlanFilters, list_plans, plan_detail, plan_tasks
from ..services.stages import decide_gate
from .auth import api_person
from .common import errors
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
blp = Blueprint("gpect_api_plans", __name__, description="Action plans, their stages and decisions")


def _progress(progress: Progress) -> dict[str, Any]:
    return {
        "counts": {str(k): v for k, v in progress.counts.items()},
        "total": progress.total,
        "percent_done": progress.percent_done,
        "overdue": progress.overdue,
        "days_late": progress.days_late,
    }


def _plan(plan: Any, progress: Progress) -> dict[str, Any]:
    fields = (
        "id",
        "name",
        "definition_key",
        "definition_version",
        "territory_id",
        "lead_id",
        "timezone",
        "start_date",
        "status",
        "current_stage_key",
        "version",
        "created_dt",
    )
    return {**{name: getattr(plan, name) for name in fields}, "progress": _progress(progress)}


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
        result = list_plans(api_person(), filters, args["page"], args["per_page"])
        items = [_plan(plan, result.progress.get(plan.id, Progress())) for plan in result.plans]
        return Page(items, result.page, result.per_page, result.total)

    @blp.arguments(PlanCreateSchema)
    @blp.response(201, PlanSchema)
    @errors(blp, 403, 404, 422)
    def post(self, data: dict[str, Any]) -> Any:
        """Start a plan from a definition version, with every task-owning role mapped.

        A plan whose start date is still ahead is created `scheduled` and opens on that day, unless
        `open_now` is true.
        """
        actor = api_person()
        version = data.get("definition_version") or _latest_version(data["definition_key"])
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
        session().commit()
        return _detail(actor, plan.id)


def _latest_version(key: str) -> int:
    versions = [record.version for record in latest_definitions() if record.key == key]
    if not versions:
        raise NotFound(f"no definition {key}")
    return versions[0]


def _detail(actor: Any, plan_id: int) -> dict[str, Any]:
    detail = plan_detail(actor, plan_id)
    stages = [
        {
            **{
                name: getattr(stage, name)
                for name in (
                    "id",
                    "stage_key",
                    "position",
                    "lever",
                    "gate",
                    "status",
                    "decision",
                    "planned_start_date",
                    "planned_end_date",
                    "opened_dt",
                    "closed_dt",
                )
            },
            "progress": _progress(detail.stage_progress.get(stage.id, Progress())),
        }
        for stage in detail.stages
    ]
    return {**_plan(detail.plan, detail.progress), "stages": stages}


@blp.route("/<int(max=2147483647):plan_id>")
class PlanById(MethodView):
    @blp.response(200, PlanSchema)
    @errors(blp, 404)
    def get(self, plan_id: int) -> Any:
        """One plan with its stages and progress."""
        return _detail(api_person(), plan_id)


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
        if "\x00" in stage_key:  # PostgreSQL cannot even compare a NUL: no such stage
            raise NotFound("no such stage")
        stage_id = session().scalar(
            sa.select(PlanStage.id).where(PlanStage.plan_id == plan_id, PlanStage.stage_key == stage_key)
        )
        if stage_id is None:
            raise NotFound("no such stage")
        decision = decide_gate(
            actor, stage_id, Decision(data["decision"]), minutes=data.get("minutes"), reopen=data["reopen"]
        )
        session().commit()
        return decision
