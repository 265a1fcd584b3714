"""Search across plans, tasks, people and comments."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ...services.search.terms import MAX_QUERY_LENGTH
from ..fields import (
    PageArgsSchema,
    PageSchema,
    Text,
    TextSchema,
)


class SearchArgsSchema(PageArgsSchema):
    q = Text(
        required=True,
        validate=validate.Length(1, MAX_QUERY_LENGTH),
        metadata={"description": "Words to find, all of them, as the start of words; accents and case ignored."},
    )
    kind = fields.String(
        validate=validate.OneOf(("plans", "tasks", "comments", "organisations")),
        metadata={"description": "One kind of result, a page at a time; left out: the first hits of every kind."},
    )


class SearchHitSchema(Schema):
    kind = fields.String(required=True)
    id = fields.Integer(required=True)
    title = fields.Nested(TextSchema, required=True)
    excerpt = fields.Nested(TextSchema, allow_none=True, required=True)
    plan_id = fields.Integer(allow_none=True, required=True)
    plan_name = fields.String(allow_none=True, required=True)
    task_id = fields.Integer(allow_none=True, required=True)
    stage_id = fields.Integer(allow_none=True, required=True)
    place = fields.String(allow_none=True, required=True)


class SearchGroupSchema(PageSchema):
    kind = fields.String(required=True)
    items = fields.List(fields.Nested(SearchHitSchema), required=True)


class SearchResultsSchema(Schema):
    q = fields.String(required=True, attribute="text")
    terms = fields.List(
        fields.String(),
        required=True,
        attribute="terms.words",
        metadata={"description": "The words searched for, lower case and without accents."},
    )
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    groups = fields.List(fields.Nested(SearchGroupSchema), required=True)
