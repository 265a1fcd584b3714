"""Comments on tasks and gate reviews: list and add them under their task or stage, change or delete one's own.

Whoever may see a plan reads and writes its comments; the author alone changes or deletes a comment, within
``COMMENT_EDIT_MINUTES`` of writing it (409 ``comment_edit_window_passed`` after). Others get 404 for a
plan they may not see, 403 for someone else's comment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask.views import MethodView

from ..errors import StaleObject
from ..models import Comment
from ..services.comments import (
    comment_on_gate,
    comment_on_task,
    delete_comment,
    edit_comment,
    gate_comments,
    get_comment,
    stage_by_key,
    task_comments,
)
from .auth import api_person
from .common import ApiBlueprint, abort, errors, if_match_version
from .fields import PageArgsSchema
from .schemas.comments import (
    CommentCreateSchema,
    CommentDeleteArgsSchema,
    CommentListSchema,
    CommentSchema,
    CommentUpdateSchema,
)
from .tasks import IF_MATCH

T = TypeVar("T")

URL_PREFIX = ""
blp = ApiBlueprint(
    "gpect_api_comments", __name__, description="Comments on tasks and gate reviews", authenticate=api_person
)

ETAG = {"ETag": {"description": "The comment's version", "schema": {"type": "string"}}}


def _etag(comment: Comment) -> dict[str, str]:
    return {"ETag": f'"{comment.version}"'}


@blp.route("/tasks/<int(max=2147483647):task_id>/comments")
class TaskComments(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, CommentListSchema)
    @errors(blp, 404, 422)
    def get(self, args: dict[str, Any], task_id: int) -> Any:
        """The task's comments, oldest first (deleted ones with a null body)."""
        return task_comments(api_person(), task_id, args["page"], args["per_page"])

    @blp.arguments(CommentCreateSchema)
    @blp.response(201, CommentSchema, headers=ETAG)
    @errors(blp, 404, 422)
    def post(self, data: dict[str, Any], task_id: int) -> Any:
        """Comment on the task; its role's members, assignee and the plan lead are told (never the author)."""
        comment = comment_on_task(api_person(), task_id, data["body"])
        return comment, 201, _etag(comment)


def _stage(plan_id: int, stage_key: str) -> int:
    return stage_by_key(api_person(), plan_id, stage_key)  # NotFound for someone who may not see the plan


@blp.route("/plans/<int(max=2147483647):plan_id>/stages/<string:stage_key>/comments")
class GateComments(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, CommentListSchema)
    @errors(blp, 404, 422)
    def get(self, args: dict[str, Any], plan_id: int, stage_key: str) -> Any:
        """The comments of the stage's gate review, oldest first."""
        return gate_comments(api_person(), _stage(plan_id, stage_key), args["page"], args["per_page"])

    @blp.arguments(CommentCreateSchema)
    @blp.response(201, CommentSchema, headers=ETAG)
    @errors(blp, 404, 422)
    def post(self, data: dict[str, Any], plan_id: int, stage_key: str) -> Any:
        """Comment on the stage's gate review; the plan lead and the committee are told (never the author)."""
        comment = comment_on_gate(api_person(), _stage(plan_id, stage_key), data["body"])
        return comment, 201, _etag(comment)


@blp.route("/comments/<int(max=2147483647):comment_id>")
class CommentById(MethodView):
    @blp.response(200, CommentSchema, headers=ETAG)
    @errors(blp, 404)
    def get(self, comment_id: int) -> Any:
        """One comment; its ETag is its version, for If-Match."""
        comment = get_comment(api_person(), comment_id)
        return comment, 200, _etag(comment)

    @blp.arguments(CommentUpdateSchema)
    @blp.response(200, CommentSchema, headers=ETAG)
    @errors(blp, 400, 403, 404, 409, 412, 422)
    @blp.doc(parameters=[IF_MATCH])
    def patch(self, data: dict[str, Any], comment_id: int) -> Any:
        """Change the text of your comment, within the edit window (``COMMENT_EDIT_MINUTES``).

        Send the version you read as ``version`` or as ``If-Match`` to be refused (409, or 412 with If-Match)
        when the comment changed since.
        """
        actor = api_person()
        header = if_match_version()
        expected = header if header is not None else data.get("version")
        comment = _stale_as_412(header, lambda: edit_comment(actor, comment_id, data["body"], expected))
        return comment, 200, _etag(comment)

    @blp.arguments(CommentDeleteArgsSchema, location="query")
    @blp.response(200, CommentSchema, headers=ETAG)
    @errors(blp, 400, 403, 404, 409, 412, 422)
    @blp.doc(parameters=[IF_MATCH])
    def delete(self, args: dict[str, Any], comment_id: int) -> Any:
        """Delete your comment, within the edit window; it stays in the discussion as "comment deleted"."""
        actor = api_person()
        header = if_match_version()
        expected = header if header is not None else args.get("version")
        comment = _stale_as_412(header, lambda: delete_comment(actor, comment_id, expected))
        return comment, 200, _etag(comment)


def _stale_as_412(header: int | None, change: Callable[[], T]) -> T:
    """``change()``; a stale version named by If-Match is a 412 (a ``version`` given otherwise stays a 409)."""
    try:
        return change()
    except StaleObject as error:
        if header is not None:
            abort(412, message=str(error))
        raise
