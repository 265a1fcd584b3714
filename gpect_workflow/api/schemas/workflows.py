"""What the API says of the registered workflow definitions."""

from __future__ import annotations

from marshmallow import Schema, fields

from ..fields import (
    TextSchema,
)


class WorkflowSummarySchema(Schema):
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    title = fields.Nested(TextSchema, required=True)


class WorkflowListSchema(Schema):
    items = fields.List(fields.Nested(WorkflowSummarySchema), required=True)


class RoleSchema(Schema):
    key = fields.String(required=True)
    title = fields.Nested(TextSchema, required=True)
    committee = fields.Boolean(attribute="is_committee", required=True)


class WorkflowTaskSchema(Schema):
    key = fields.String(required=True)
    title = fields.Nested(TextSchema, required=True)
    owner = fields.String(required=True)
    depends_on = fields.List(fields.String(), required=True)
    required = fields.Boolean(required=True)
    weight = fields.Integer(required=True)
    due_days = fields.Integer(attribute="due.days", allow_none=True)
    due_working_days = fields.Integer(attribute="due.working_days", allow_none=True)
    due_date = fields.Date(attribute="due.on", allow_none=True)
    due_from = fields.String(attribute="due.counted_from", required=True)


class WorkflowStageSchema(Schema):
    key = fields.String(required=True)
    lever = fields.String(required=True)
    title = fields.Nested(TextSchema, required=True)
    duration_days = fields.Integer(required=True)
    gate = fields.String(required=True)
    tasks = fields.List(fields.Nested(WorkflowTaskSchema), required=True)


class WorkflowIndicatorSchema(Schema):
    key = fields.String(required=True)
    title = fields.Nested(TextSchema, required=True)
    unit = fields.String(required=True)
    target = fields.Float(allow_none=True)
    direction = fields.String(required=True)


class WorkflowSchema(WorkflowSummarySchema):
    roles = fields.List(fields.Nested(RoleSchema), required=True)
    stages = fields.List(fields.Nested(WorkflowStageSchema), required=True)
    indicators = fields.List(fields.Nested(WorkflowIndicatorSchema), required=True)
