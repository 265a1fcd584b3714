"""Territories, organisations and people: the directory the plans' roles are mapped to."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ...models import (
    Language,
    OrganisationKind,
    OrganisationScope,
    PersonRole,
    ReminderMode,
)
from ..fields import (
    MAX_ID,
    EmailAddress,
    StrictBoolean,
    StrictSchema,
    Text,
    TimeZone,
    names,
)


class TerritorySchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    department = fields.String(allow_none=True)
    region = fields.String(allow_none=True)


class TerritoryListSchema(Schema):
    items = fields.List(fields.Nested(TerritorySchema), required=True)


class OrganisationSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(names(OrganisationKind)))
    scope = fields.String(
        required=True,
        validate=validate.OneOf(names(OrganisationScope)),
        metadata={"description": "Where it acts: its territory, a whole region (`region`), or the country."},
    )
    territory_id = fields.Integer(allow_none=True)
    region = fields.String(allow_none=True, metadata={"description": "The region served (scope `region`)."})
    email = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(attribute="created_dt", required=True)


class OrganisationListSchema(Schema):
    items = fields.List(fields.Nested(OrganisationSchema), required=True)


class OrganisationArgsSchema(StrictSchema):
    territory_id = fields.Integer(validate=validate.Range(1, MAX_ID))


_SCOPE_HELP = (
    "`territory` (needs `territory_id`), `region` (needs `region`, a region some territory lies in) or "
    "`national`; left out: `territory` with a `territory_id`, else `national`."
)
_SIMILAR_HELP = "Add it although its name is like that of an organisation acting on the same place."


class OrganisationCreateSchema(StrictSchema):
    name = Text(required=True, validate=validate.Length(1, 200))
    kind = fields.String(required=True, validate=validate.OneOf(names(OrganisationKind)))
    scope = fields.String(validate=validate.OneOf(names(OrganisationScope)), metadata={"description": _SCOPE_HELP})
    territory_id = fields.Integer(allow_none=True, validate=validate.Range(1, MAX_ID))
    region = Text(allow_none=True, validate=validate.Length(1, 100))
    email = EmailAddress(allow_none=True)
    allow_similar = StrictBoolean(metadata={"description": _SIMILAR_HELP})


class OrganisationUpdateSchema(StrictSchema):
    name = Text(validate=validate.Length(1, 200))
    kind = fields.String(validate=validate.OneOf(names(OrganisationKind)))
    scope = fields.String(validate=validate.OneOf(names(OrganisationScope)), metadata={"description": _SCOPE_HELP})
    territory_id = fields.Integer(allow_none=True, validate=validate.Range(1, MAX_ID))
    region = Text(allow_none=True, validate=validate.Length(1, 100))
    email = EmailAddress(allow_none=True)
    allow_similar = StrictBoolean(metadata={"description": _SIMILAR_HELP})


class PersonSchema(Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(names(PersonRole)))
    organisation_id = fields.Integer(allow_none=True)
    language = fields.String(required=True, validate=validate.OneOf(names(Language)))
    timezone = fields.String(required=True)
    reminder_mode = fields.String(required=True, validate=validate.OneOf(names(ReminderMode)))
    is_referent = fields.Boolean(required=True)
    is_active = fields.Boolean(required=True)


class PersonListSchema(Schema):
    items = fields.List(fields.Nested(PersonSchema), required=True)


class PersonArgsSchema(StrictSchema):
    organisation_id = fields.Integer(validate=validate.Range(1, MAX_ID))


class PersonCreateSchema(StrictSchema):
    email = EmailAddress(required=True)
    name = Text(validate=validate.Length(1, 200))
    role = fields.String(required=True, validate=validate.OneOf(names(PersonRole)))
    organisation_id = fields.Integer(allow_none=True, validate=validate.Range(1, MAX_ID))
    language = fields.String(validate=validate.OneOf(names(Language)))
    timezone = TimeZone()
    reminder_mode = fields.String(validate=validate.OneOf(names(ReminderMode)))
    is_referent = StrictBoolean()
    allow_similar = StrictBoolean(
        metadata={"description": "Add them although someone of the organisation has a name like theirs."}
    )


class PersonUpdateSchema(StrictSchema):
    name = Text(validate=validate.Length(1, 200))
    role = fields.String(validate=validate.OneOf(names(PersonRole)))
    organisation_id = fields.Integer(allow_none=True, validate=validate.Range(1, MAX_ID))
    language = fields.String(validate=validate.OneOf(names(Language)))
    timezone = TimeZone()
    reminder_mode = fields.String(validate=validate.OneOf(names(ReminderMode)))
    is_referent = StrictBoolean()
    is_active = StrictBoolean()
