"""Action plans: list, create, read, their tasks and gate decisions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from flask import Response, current_app
from flask.views import MethodView

from ..errors import StaleObject
from ..models import CommitteeDecision, Decision, PlanStatus
from ..services.definitions import latest_version
from ..services.plans.changes import OneOffTask, add_one_off_task, remove_one_off_task, rename_plan
from ..services.plans.detail import plan_detail, plan_tasks
from ..services.plans.listing import PlanFilters, list_plans
from ..services.plans.roles import RoleChange, remap_role
from ..services.plans.starting import PlanRequest, RoleMapping, start_plan
from ..services.stages.progression import decide_gate, reopened_due_dates, stage_of_plan
from .auth import api_person
from .common import ApiBlueprint, abort, errors, if_match_version
from .schemas.changes import (
    OneOffTaskCreateSchema,
    PlanUpdateSchema,
    PlanVersionArgsSchema,
    RoleAssignmentSchema,
    RoleRemapSchema,
)
from .schemas.plans import (
    DecisionCreateSchema,
    DecisionSchema,
    PlanArgsSchema,
    PlanCreateSchema,
    PlanListSchema,
    PlanSchema,
    TaskListSchema,
    TaskSchema,
)
from .tasks import IF_MATCH

T = TypeVar("T")

#: The answer's header after a change: the plan's new version, for the next If-Match.
ETAG = {"ETag": {"description": "The plan's new version", "schema": {"type": "string"}}}

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

    @blp.arguments(PlanUpdateSchema)
    @blp.response(200, PlanSchema, headers=ETAG)
    @errors(blp, 400, 403, 404, 409, 412, 422)
    @blp.doc(parameters=[IF_MATCH])
    def patch(self, data: dict[str, Any], plan_id: int) -> Any:
        """Rename the plan (its lead or an administrator); send the plan's version as If-Match or ``version``."""
        actor = api_person()
        expected, header = _expected(data)
        plan = _stale_as_412(header, lambda: rename_plan(actor, plan_id, data["name"], expected_version=expected))
        return plan_detail(actor, plan.id), 200, _plan_etag(plan.version)


@blp.route("/<int(max=2147483647):plan_id>/tasks")
class PlanTasks(MethodView):
    @blp.response(200, TaskListSchema)
    @errors(blp, 404)
    def get(self, plan_id: int) -> Any:
        """The plan's tasks, in stage then due-date order."""
        return {"items": plan_tasks(api_person(), plan_id)}

    @blp.arguments(OneOffTaskCreateSchema)
    @blp.response(201, TaskSchema, headers=ETAG)
    @errors(blp, 400, 403, 404, 409, 412, 422)
    @blp.doc(parameters=[IF_MATCH])
    def post(self, data: dict[str, Any], plan_id: int) -> Any:
        """Add a one-off task to an open or pending stage of the plan (not in its definition)."""
        actor = api_person()
        expected, header = _expected(data)
        new = OneOffTask(
            stage_id=data["stage_id"],
            owner_role=data["owner_role"],
            due_date=data["due_date"],
            title_fr=data["title_fr"],
            title_en=data["title_en"],
            description=data["description"],
            depends_on=data["depends_on"],
            weight=data["weight"],
            is_required=data["required"],
        )
        task = _stale_as_412(header, lambda: add_one_off_task(actor, plan_id, new, expected_version=expected))
        return task, 201, _plan_etag(task.plan.version)


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


def _plan_etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


def _expected(data: dict[str, Any]) -> tuple[int | None, int | None]:
    """The plan version the caller read: If-Match's, else the body's ``version``; and the header's alone."""
    header = if_match_version()
    return (header if header is not None else data.get("version")), header


def _stale_as_412(header: int | None, change: Callable[[], T]) -> T:
    """``change()``; a stale version named by If-Match is a 412 (a body's ``version`` stays a 409)."""
    try:
        return change()
    except StaleObject as error:
        if header is not None:
            abort(412, message=str(error))
        raise


@blp.route("/<int(max=2147483647):plan_id>/roles/<string:role_key>")
class PlanRole(MethodView):
    @blp.arguments(RoleRemapSchema)
    @blp.response(200, RoleAssignmentSchema, headers=ETAG)
    @errors(blp, 400, 403, 404, 409, 412, 422)
    @blp.doc(parameters=[IF_MATCH])
    def put(self, data: dict[str, Any], plan_id: int, role_key: str) -> Any:
        """Map a role (committee roles too) to an organisation and people while the plan runs.

        The open tasks of the people who leave the role go to ``open_tasks_to``, or back to the role (its
        first person); the people who join are told by email.
        """
        actor = api_person()
        expected, header = _expected(data)
        change = RoleChange(data["organisation_id"], data["person_ids"], data["open_tasks_to"])
        assignment = _stale_as_412(
            header, lambda: remap_role(actor, plan_id, role_key, change, expected_version=expected)
        )
        version = assignment.plan.version
        answer = {
            "role_key": role_key,
            "organisation_id": assignment.organisation_id,
            "person_ids": list(dict.fromkeys(change.person_ids)),
            "plan_version": version,
        }
        return answer, 200, _plan_etag(version)


@blp.route("/<int(max=2147483647):plan_id>/tasks/<int(max=2147483647):task_id>")
class PlanOneOffTask(MethodView):
    @blp.arguments(PlanVersionArgsSchema, location="query")
    @blp.response(204)
    @errors(blp, 400, 403, 404, 409, 412, 422)
    @blp.doc(parameters=[IF_MATCH])
    def delete(self, args: dict[str, Any], plan_id: int, task_id: int) -> Any:
        """Remove a one-off task nobody started; the definition's tasks cannot be removed."""
        actor = api_person()
        expected, header = _expected(args)
        _stale_as_412(header, lambda: remove_one_off_task(actor, plan_id, task_id, expected_version=expected))
        plan = plan_detail(actor, plan_id).plan
        return Response(status=204, headers=_plan_etag(plan.version))
