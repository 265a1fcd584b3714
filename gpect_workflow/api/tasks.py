"""Tasks: read, and change status, assignee, deadline or note, guarded by their version."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView

from ..errors import StaleObject
from ..models import Task, TaskStatus
from ..services.plans.detail import get_task
from ..services.tasks.changes import TaskUpdate, update_task
from .auth import api_person
from .common import ApiBlueprint, abort, errors, if_match_version
from .schemas.plans import TaskChangeSchema, TaskSchema, TaskUpdateSchema

URL_PREFIX = "/tasks"
blp = ApiBlueprint("gpect_api_tasks", __name__, description="Tasks of plans", authenticate=api_person)


IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": 'The version read, as its ETag (e.g. `"3"`); instead of `version` in the body.',
}


def _etag(task: Task) -> dict[str, str]:
    return {"ETag": f'"{task.version}"'}


class _Changed:
    """The changed task as ``TaskChangeSchema`` reads it: the task's columns, and what its deadline move did."""

    def __init__(self, update: TaskUpdate) -> None:
        self._task = update.task
        move = update.move
        self.moved_deadlines = [*move.shifts, *move.carried] if move else []
        self.stage_changes = move.stages if move else []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._task, name)


@blp.route("/<int(max=2147483647):task_id>")
class TaskById(MethodView):
    @blp.response(
        200, TaskSchema, headers={"ETag": {"description": "The task's version", "schema": {"type": "string"}}}
    )
    @errors(blp, 404)
    def get(self, task_id: int) -> Any:
        """One task; its ETag is its version, for If-Match."""
        task = get_task(api_person(), task_id)
        return task, 200, _etag(task)

    @blp.arguments(TaskUpdateSchema)
    @blp.response(
        200, TaskChangeSchema, headers={"ETag": {"description": "The task's new version", "schema": {"type": "string"}}}
    )
    @errors(blp, 400, 403, 404, 409, 412, 422)
    @blp.doc(parameters=[IF_MATCH])
    def patch(self, data: dict[str, Any], task_id: int) -> Any:
        """Change a task's status (with a note), assignee or due date.

        Send the version you read as ``version`` or as ``If-Match``; if someone changed the task since,
        nothing changes and the answer is 409 (or 412 with If-Match). A due date must fall from the plan's
        start date to ``DEADLINE_HORIZON_DAYS`` after its planned end (422 ``due_date_outside_plan``
        otherwise); the answer lists the deadlines and stage windows the move changed.
        """
        actor = api_person()
        header_version = if_match_version()
        expected = header_version if header_version is not None else data.get("version")
        if not {"status", "assignee_id", "due_date"} & set(data):
            abort(422, message="nothing to change", errors={"status": ["give status, assignee_id or due_date"]})
        get_task(actor, task_id)  # NotFound for someone who may not see the task
        try:
            update = update_task(
                actor,
                task_id,
                assignee_id=data.get("assignee_id"),
                due_date=data.get("due_date"),
                status=TaskStatus(data["status"]) if "status" in data else None,
                note=data.get("note"),
                override_dependencies=data["override_dependencies"],
                expected_version=expected,
            )
        except StaleObject as error:
            if header_version is not None:
                abort(412, message=str(error))
            raise
        return _Changed(update), 200, _etag(update.task)


__all__ = ["Response", "blp"]
