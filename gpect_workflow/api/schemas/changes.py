"""Changes to a running plan: its name, role mappings and one-off tasks."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..fields import (
    MAX_ID,
    Day,
    StrictBoolean,
    StrictSchema,
    Text,
)


class PlanUpdateSchema(StrictSchema):
    name = Text(required=True, validate=validate.Length(1, 200))
    version = fields.Integer(
        validate=validate.Range(1, MAX_ID), metadata={"description": "The plan's version read; or If-Match"}
    )


class RoleRemapSchema(StrictSchema):
    organisation_id = fields.Integer(required=True, validate=validate.Range(1, MAX_ID))
    person_ids = fields.List(
        fields.Integer(validate=validate.Range(1, MAX_ID)),
        required=True,
        validate=validate.Length(1, 50),
        metadata={"description": "The role's people in order: the first picks up the tasks returned to the role"},
    )
    open_tasks_to = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(1, MAX_ID),
        metadata={
            "description": "Who takes the open tasks of the people who leave the role (one of person_ids);"
            " null: back to the role, its first person"
        },
    )
    version = fields.Integer(
        validate=validate.Range(1, MAX_ID), metadata={"description": "The plan's version read; or If-Match"}
    )


class RoleAssignmentSchema(Schema):
    role_key = fields.String(required=True)
    organisation_id = fields.Integer(required=True)
    person_ids = fields.List(fields.Integer(), required=True)
    plan_version = fields.Integer(required=True)


class OneOffTaskCreateSchema(StrictSchema):
    stage_id = fields.Integer(required=True, validate=validate.Range(1, MAX_ID))
    title_fr = Text(load_default="", validate=validate.Length(0, 200))
    title_en = Text(load_default="", validate=validate.Length(0, 200))
    description = Text(load_default="", validate=validate.Length(0, 2000))
    owner_role = Text(required=True, validate=validate.Length(1, 64))
    due_date = Day(required=True)
    depends_on = fields.List(
        fields.Integer(validate=validate.Range(1, MAX_ID)), load_default=list, validate=validate.Length(0, 50)
    )
    weight = fields.Integer(load_default=1, validate=validate.Range(1, 100))
    required = StrictBoolean(load_default=True)
    version = fields.Integer(
        validate=validate.Range(1, MAX_ID), metadata={"description": "The plan's version read; or If-Match"}
    )


class PlanVersionArgsSchema(StrictSchema):
    version = fields.Integer(
        validate=validate.Range(1, MAX_ID), metadata={"description": "The plan's version read; or If-Match"}
    )
