"""Merging duplicates of the partners directory (administrators): an organisation or a person entered twice."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields

from ..services.partners.merging import merge_organisations, merge_people
from .auth import api_person
from .common import ApiBlueprint, errors
from .schemas.partners import OrganisationSchema, PersonSchema

URL_PREFIX = ""
blp = ApiBlueprint(
    "gpect_api_merging",
    __name__,
    description="Merging duplicates of the partners directory (administrators)",
    authenticate=api_person,
)


class OrganisationMergeSchema(Schema):
    source_id = fields.Integer(required=True, metadata={"description": "The merged organisation, now deleted."})
    source_name = fields.String(required=True)
    target = fields.Nested(OrganisationSchema, required=True)
    plans = fields.Integer(required=True, metadata={"description": "Plans one of whose roles it played."})
    mappings = fields.Integer(required=True, metadata={"description": "Role mappings moved to the target."})
    people = fields.Integer(required=True, metadata={"description": "People moved to the target."})
    dropped_referent = fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "Its referent's name, no longer referent: the target has its own (else null)."},
    )


class PersonMergeSchema(Schema):
    source_id = fields.Integer(required=True, metadata={"description": "The merged person, now deleted."})
    source_name = fields.String(required=True)
    source_email = fields.String(required=True)
    target = fields.Nested(PersonSchema, required=True)
    plans = fields.Integer(required=True, metadata={"description": "Plans whose rows named the merged person."})
    memberships = fields.Integer(required=True)
    duplicate_memberships = fields.Integer(
        required=True, metadata={"description": "Plan roles both played: the target keeps its own."}
    )
    tasks = fields.Integer(required=True)
    plans_led = fields.Integer(required=True)
    decisions = fields.Integer(required=True)
    measurements = fields.Integer(required=True)
    events = fields.Integer(required=True)
    tokens = fields.Integer(required=True)
    pending_messages = fields.Integer(required=True)
    referent_passes = fields.Boolean(required=True)


@blp.route("/organisations/<int(max=2147483647):organisation_id>/merge-into/<int(max=2147483647):target_id>")
class OrganisationMergeInto(MethodView):
    @blp.response(200, OrganisationMergeSchema)
    @errors(blp, 403, 404, 422)
    def post(self, organisation_id: int, target_id: int) -> Any:
        """Merge a duplicate organisation into another: its role mappings and people move, it is deleted."""
        return merge_organisations(api_person(), organisation_id, target_id)


@blp.route("/people/<int(max=2147483647):person_id>/merge-into/<int(max=2147483647):target_id>")
class PersonMergeInto(MethodView):
    @blp.response(200, PersonMergeSchema)
    @errors(blp, 403, 404, 422)
    def post(self, person_id: int, target_id: int) -> Any:
        """Merge a duplicate person into another: every reference to them moves, they are deleted."""
        return merge_people(api_person(), person_id, target_id)
