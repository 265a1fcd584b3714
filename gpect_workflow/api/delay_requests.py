"""Delay requests: a partner asks for a task's new deadline with a reason (or withdraws the request); the
plan lead lists a plan's requests, previews what accepting one would shift, accepts or refuses it."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from ..models import DelayStatus
from ..services.tasks.delay_requests import (
    accept_delay_request,
    ask_for_delay,
    get_delay_request,
    plan_delay_page,
    preview_delay_request,
    refuse_delay_request,
    withdraw_pending_request,
)
from .auth import api_person
from .common import ApiBlueprint, errors
from .schemas.delay_requests import (
    DelayAcceptSchema,
    DelayAnswerSchema,
    DelayListArgsSchema,
    DelayPreviewSchema,
    DelayRefuseSchema,
    DelayRequestCreateSchema,
    DelayRequestListSchema,
    DelayRequestSchema,
)

URL_PREFIX = ""
blp = ApiBlueprint("gpect_api_delay_requests", __name__, description="Delay requests on tasks", authenticate=api_person)

ID = "int(max=2147483647)"


@blp.route(f"/tasks/<{ID}:task_id>/delay-requests")
class TaskDelayRequests(MethodView):
    @blp.arguments(DelayRequestCreateSchema)
    @blp.response(201, DelayRequestSchema)
    @errors(blp, 400, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], task_id: int) -> Any:
        """Ask the plan lead to move the task's deadline to ``due_date``, saying why (the assignee or the
        people of its role). One request per task waits at a time (409 ``delay_already_pending``); the
        date follows the deadline rule, from today on and after the current deadline (422)."""
        return ask_for_delay(api_person(), task_id, data["due_date"], data["reason"])

    @blp.response(200, DelayRequestSchema)
    @errors(blp, 403, 404, 409)
    def delete(self, task_id: int) -> Any:
        """Withdraw your pending request on the task (404 when none is pending)."""
        return withdraw_pending_request(api_person(), task_id)


@blp.route(f"/plans/<{ID}:plan_id>/delay-requests")
class PlanDelayRequests(MethodView):
    @blp.arguments(DelayListArgsSchema, location="query")
    @blp.response(200, DelayRequestListSchema)
    @errors(blp, 404, 422)
    def get(self, args: dict[str, Any], plan_id: int) -> Any:
        """The plan's delay requests, oldest first: ``status=pending`` (of an active plan) by default, or
        ``all``."""
        status = None if args["status"] == "all" else DelayStatus(args["status"])
        return plan_delay_page(api_person(), plan_id, status, args["page"], args["per_page"])


@blp.route(f"/delay-requests/<{ID}:request_id>")
class DelayRequestById(MethodView):
    @blp.response(200, DelayRequestSchema)
    @errors(blp, 404)
    def get(self, request_id: int) -> Any:
        """One delay request, for the people of its plan."""
        return get_delay_request(api_person(), request_id)


@blp.route(f"/delay-requests/<{ID}:request_id>/preview")
class DelayRequestPreview(MethodView):
    @blp.response(200, DelayPreviewSchema)
    @errors(blp, 403, 404, 409, 422)
    def get(self, request_id: int) -> Any:
        """What accepting the request would change (deadlines, dependents, stage windows); nothing is written."""
        move = preview_delay_request(api_person(), request_id)
        return {"moved_deadlines": [*move.shifts, *move.carried], "stage_changes": move.stages}


@blp.route(f"/delay-requests/<{ID}:request_id>/accept")
class DelayRequestAccept(MethodView):
    @blp.arguments(DelayAcceptSchema)
    @blp.response(200, DelayAnswerSchema)
    @errors(blp, 400, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], request_id: int) -> Any:
        """Accept the request (the plan lead or an administrator, never its requester): the deadline moves to
        the date asked, dependents follow as for any deadline move, the requester is told by email."""
        actor = api_person()
        move = accept_delay_request(actor, request_id, data.get("note"))
        request = get_delay_request(actor, request_id)
        return {"request": request, "moved_deadlines": [*move.shifts, *move.carried], "stage_changes": move.stages}


@blp.route(f"/delay-requests/<{ID}:request_id>/refuse")
class DelayRequestRefuse(MethodView):
    @blp.arguments(DelayRefuseSchema)
    @blp.response(200, DelayRequestSchema)
    @errors(blp, 400, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], request_id: int) -> Any:
        """Refuse the request with a reason the requester reads (the plan lead or an administrator)."""
        return refuse_delay_request(api_person(), request_id, data["reason"])
