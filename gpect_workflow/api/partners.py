"""Territories, organisations and people of the partners directory."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from ..errors import NotFound
from ..models import Language, OrganisationKind, Person, PersonRole, ReminderMode
from ..refusals import Refusal
from ..services.partners.directory import get_organisation, list_territories
from ..services.partners.organisations import create_organisation, list_organisations, update_organisation
from ..services.partners.people import create_person_as, list_people, update_person
from .auth import api_person
from .common import ApiBlueprint, errors
from .schemas.partners import (
    OrganisationArgsSchema,
    OrganisationCreateSchema,
    OrganisationListSchema,
    OrganisationSchema,
    OrganisationUpdateSchema,
    PersonArgsSchema,
    PersonCreateSchema,
    PersonListSchema,
    PersonSchema,
    PersonUpdateSchema,
    TerritoryListSchema,
)

URL_PREFIX = ""
blp = ApiBlueprint(
    "gpect_api_partners", __name__, description="Territories, organisations and people", authenticate=api_person
)


@blp.route("/territories")
class Territories(MethodView):
    @blp.response(200, TerritoryListSchema)
    @errors(blp)
    def get(self) -> Any:
        """Territories plans run on."""
        api_person()
        return {"items": list_territories()}


@blp.route("/organisations")
class Organisations(MethodView):
    @blp.arguments(OrganisationArgsSchema, location="query")
    @blp.response(200, OrganisationListSchema)
    @errors(blp, 422)
    def get(self, args: dict[str, Any]) -> Any:
        """Partner organisations, optionally of one territory."""
        return {"items": list_organisations(api_person(), args.get("territory_id"))}

    @blp.arguments(OrganisationCreateSchema)
    @blp.response(201, OrganisationSchema)
    @errors(blp, 403, 422)
    def post(self, data: dict[str, Any]) -> Any:
        """Add an organisation (project leads and administrators)."""
        return create_organisation(
            api_person(),
            data["name"],
            OrganisationKind(data["kind"]),
            data.get("territory_id"),
            data.get("email"),
            scope=data.get("scope"),
            region=data.get("region"),
            allow_similar=data.get("allow_similar", False),
        )


@blp.route("/organisations/<int(max=2147483647):organisation_id>")
class OrganisationById(MethodView):
    @blp.response(200, OrganisationSchema)
    @errors(blp, 404)
    def get(self, organisation_id: int) -> Any:
        """One organisation."""
        return get_organisation(api_person(), organisation_id)

    @blp.arguments(OrganisationUpdateSchema)
    @blp.response(200, OrganisationSchema)
    @errors(blp, 403, 404, 422)
    def patch(self, data: dict[str, Any], organisation_id: int) -> Any:
        """Change an organisation (project leads and administrators)."""
        return update_organisation(api_person(), organisation_id, **data)


@blp.route("/people")
class People(MethodView):
    @blp.arguments(PersonArgsSchema, location="query")
    @blp.response(200, PersonListSchema)
    @errors(blp, 422)
    def get(self, args: dict[str, Any]) -> Any:
        """People of the directory you may see, optionally of one organisation."""
        return {"items": list_people(api_person(), args.get("organisation_id"))}

    @blp.arguments(PersonCreateSchema)
    @blp.response(201, PersonSchema)
    @errors(blp, 403, 422)
    def post(self, data: dict[str, Any]) -> Any:
        """Add a person (project leads and administrators)."""
        options = _typed(data)
        return create_person_as(
            api_person(), options.pop("email"), options.pop("role"), options.pop("name", None), **options
        )


@blp.route("/people/<int(max=2147483647):person_id>")
class PersonById(MethodView):
    @blp.response(200, PersonSchema)
    @errors(blp, 404)
    def get(self, person_id: int) -> Any:
        """One person you may see."""
        visible = {p.id: p for p in list_people(api_person())}
        if person_id not in visible:
            raise NotFound(Refusal.NO_SUCH_PERSON)
        return visible[person_id]

    @blp.arguments(PersonUpdateSchema)
    @blp.response(200, PersonSchema)
    @errors(blp, 403, 404, 422)
    def patch(self, data: dict[str, Any], person_id: int) -> Any:
        """Change a person: yourself (name, language, time zone, reminders), anyone for administrators."""
        return update_person(api_person(), person_id, **_typed(data))


def _typed(data: dict[str, Any]) -> dict[str, Any]:
    converters = {"role": PersonRole, "language": Language, "reminder_mode": ReminderMode}
    return {key: converters[key](value) if key in converters else value for key, value in data.items()}


__all__ = ["Person", "blp"]
