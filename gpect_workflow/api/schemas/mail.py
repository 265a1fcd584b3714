"""The outbox administrators read, the caller's inbox, and the health check."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ...models import (
    OutboxStatus,
)
from ...notifications.problems import DeliveryProblem
from ..fields import (
    PageArgsSchema,
    PageSchema,
    names,
)


class OutboxMessageSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(names(OutboxStatus)))
    recipient_email = fields.String(required=True)
    subject = fields.String(required=True)
    attempts = fields.Integer(required=True)
    failure_code = fields.String(
        allow_none=True,
        validate=validate.OneOf(names(DeliveryProblem)),
        metadata={"description": "Why the message failed or waits, as a stable code (see docs/reminders.md)."},
    )
    last_error = fields.String(
        allow_none=True, metadata={"description": "The technical detail: the relay's answer or the error."}
    )
    plan_id = fields.Integer(allow_none=True)
    task_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime(attribute="created_dt", required=True)
    next_attempt_at = fields.AwareDateTime(attribute="next_attempt_dt", required=True)
    sent_at = fields.AwareDateTime(attribute="sent_dt", allow_none=True)


class OutboxListSchema(PageSchema):
    items = fields.List(fields.Nested(OutboxMessageSchema), required=True)


class OutboxArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(names(OutboxStatus)))


class InboxEntrySchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "The kind of email it repeats (`reminder`, ...)."})
    title = fields.String(required=True, metadata={"description": "The email's subject, in your language."})
    link_path = fields.String(
        allow_none=True,
        metadata={"description": "The page of the web UI it is about (`/tasks/12`), under the UI's address."},
    )
    plan_id = fields.Integer(allow_none=True)
    task_id = fields.Integer(allow_none=True)
    at = fields.AwareDateTime(
        attribute="visible_from_dt", required=True, metadata={"description": "When it reached the inbox."}
    )
    read_at = fields.AwareDateTime(attribute="read_dt", allow_none=True)


class InboxListSchema(PageSchema):
    items = fields.List(fields.Nested(InboxEntrySchema), required=True)
    unread = fields.Integer(
        required=True, metadata={"description": "Unread notifications, counted up to 100 (100 means 100 or more)."}
    )


class InboxArgsSchema(PageArgsSchema):
    pass


class InboxReadAllSchema(Schema):
    marked = fields.Integer(required=True, metadata={"description": "How many notifications were unread."})


class HealthSchema(Schema):
    status = fields.String(required=True)
    database = fields.String(required=True)
