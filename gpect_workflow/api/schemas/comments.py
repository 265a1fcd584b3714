"""Comments on tasks and gate reviews."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from ..fields import (
    MAX_ID,
    CommentBody,
    PageSchema,
    StrictSchema,
)


class CommentSchema(Schema):
    id = fields.Integer(required=True)
    plan_id = fields.Integer(required=True)
    task_id = fields.Integer(allow_none=True, metadata={"description": "The task commented on; null on a gate"})
    stage_id = fields.Integer(
        allow_none=True, metadata={"description": "The stage whose gate review is commented on; null on a task"}
    )
    author_id = fields.Integer(required=True)
    author_name = fields.String(attribute="author.name", required=True)
    body = fields.Method(
        "_body", required=True, allow_none=True, metadata={"description": "The text; null once deleted"}
    )
    deleted = fields.Boolean(attribute="is_deleted", required=True)
    created_at = fields.AwareDateTime(attribute="created_dt", required=True)
    edited_at = fields.AwareDateTime(attribute="edited_dt", allow_none=True)
    deleted_at = fields.AwareDateTime(attribute="deleted_dt", allow_none=True)
    version = fields.Integer(required=True)

    def _body(self, comment: Any) -> str | None:
        return None if comment.is_deleted else str(comment.body)


class CommentListSchema(PageSchema):
    items = fields.List(fields.Nested(CommentSchema), required=True)


class CommentCreateSchema(StrictSchema):
    body = CommentBody(required=True)


class CommentUpdateSchema(StrictSchema):
    body = CommentBody(required=True)
    version = fields.Integer(
        validate=validate.Range(1, MAX_ID), metadata={"description": "The version read; or If-Match"}
    )


class CommentDeleteArgsSchema(StrictSchema):
    version = fields.Integer(
        validate=validate.Range(1, MAX_ID), metadata={"description": "The version read; or If-Match"}
    )
