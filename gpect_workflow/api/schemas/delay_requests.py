"""Delay requests: a partner asks for a later deadline, the lead answers."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ...models import (
    DelayStatus,
)
from ..fields import (
    Day,
    Note,
    PageArgsSchema,
    PageSchema,
    StrictSchema,
    names,
)
from .plans import DeadlineChangeSchema, StageChangeSchema


class DelayRequestSchema(Schema):
    id = fields.Integer(required=True)
    plan_id = fields.Integer(required=True)
    task_id = fields.Integer(required=True)
    requester_id = fields.Integer(required=True)
    current_due_date = fields.Date(required=True, metadata={"description": "The task's deadline when asked"})
    due_date = fields.Date(required=True, metadata={"description": "The deadline asked for"})
    reason = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(names(DelayStatus)))
    answered_by_id = fields.Integer(allow_none=True)
    answer_reason = fields.String(
        allow_none=True, metadata={"description": "Why refused, or the note of an acceptance"}
    )
    created_at = fields.AwareDateTime(attribute="created_dt", required=True)
    answered_at = fields.AwareDateTime(attribute="answered_dt", allow_none=True)


class DelayRequestListSchema(PageSchema):
    items = fields.List(fields.Nested(DelayRequestSchema), required=True)


class DelayListArgsSchema(PageArgsSchema):
    status = fields.String(load_default="pending", validate=validate.OneOf([*names(DelayStatus), "all"]))


class DelayRequestCreateSchema(StrictSchema):
    due_date = Day(required=True)
    reason = Note(required=True, metadata={"description": "Why more time is needed (required, up to 2000 characters)"})


class DelayAcceptSchema(StrictSchema):
    note = Note()


class DelayRefuseSchema(StrictSchema):
    reason = Note(required=True, metadata={"description": "Why the request is refused; the requester reads it"})


class DelayPreviewSchema(Schema):
    moved_deadlines = fields.List(
        fields.Nested(DeadlineChangeSchema),
        required=True,
        metadata={"description": "The task's deadline first, then its dependents and tasks carried with a stage"},
    )
    stage_changes = fields.List(fields.Nested(StageChangeSchema), required=True)


class DelayAnswerSchema(DelayPreviewSchema):
    request = fields.Nested(DelayRequestSchema, required=True)
