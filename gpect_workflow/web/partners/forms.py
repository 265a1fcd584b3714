"""The directory's forms: add and change organisations (project leads and administrators), add people (the
same; only administrators add administrators) and change people (administrators). Errors come back beside
their field, the input kept (422)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user

from ...errors import NotFound, ValidationError
from ...models import Language, OrganisationKind, OrganisationScope, Person, PersonRole
from ...refusals import ADDRESS_TAKEN, Refusal
from ...services.access import can_create_role, can_edit_people, can_manage_directory
from ...services.partners.directory import (
    get_organisation,
    list_territories,
    organisations_of_territory,
)
from ...services.partners.organisations import create_organisation, list_regions, update_organisation
from ...services.partners.people import create_person_as, find_person, get_person, update_person
from ...services.unit_of_work import after_rollback
from ...validation import TIMEZONE_MESSAGE, timezone_problem
from ...vocabulary import ORGANISATION_KINDS
from ..accounts.preferences import TIMEZONES
from ..auth import signed_in
from ..inputs import as_id
from ..refusals import error_fields
from .directory import render, require


def register(blueprint: Blueprint) -> None:
    """Add the organisation and person forms to the UI blueprint."""
    both = ["GET", "POST"]
    add = blueprint.add_url_rule
    add("/partners/organisations/new", "partners_new_organisation", new_organisation, methods=both)
    add(
        "/partners/organisations/<id:organisation_id>/edit",
        "partners_edit_organisation",
        edit_organisation,
        methods=both,
    )
    add("/partners/people/new", "partners_new_person", new_person, methods=both)
    add("/partners/people/<id:person_id>/edit", "partners_edit_person", edit_person, methods=both)


@signed_in
def new_organisation() -> Any:
    """Add an organisation (project leads and administrators)."""
    require(can_manage_directory(current_user))
    if request.method == "GET":
        return _organisation_form(None, {"territory_id": request.args.get("territory", "")})
    form, errors, values = _organisation_input()
    if errors:
        return _organisation_form(None, form, errors)
    try:
        organisation = create_organisation(current_user, **values)
    except ValidationError as error:
        errors, similar = error_fields(error), _similar(error)
        return after_rollback(lambda: _organisation_form(None, form, errors, similar))
    flash(gettext("The organisation %(name)s was added to the directory.", name=organisation.name))
    return redirect(url_for("gpect.partners_organisation", organisation_id=organisation.id))


@signed_in
def edit_organisation(organisation_id: int) -> Any:
    """Change an organisation's name, kind, territory or address (project leads and administrators)."""
    require(can_manage_directory(current_user))
    organisation = get_organisation(current_user, organisation_id)
    if request.method == "GET":
        form = {
            "name": organisation.name,
            "kind": organisation.kind.value,
            "scope": organisation.scope.value,
            "territory_id": str(organisation.territory_id or ""),
            "region": organisation.region or "",
            "email": organisation.email or "",
        }
        return _organisation_form(organisation, form)
    form, errors, values = _organisation_input()
    if errors:
        return _organisation_form(organisation, form, errors)
    try:
        update_organisation(current_user, organisation_id, **values)
    except ValidationError as error:
        errors, similar = error_fields(error), _similar(error)
        return after_rollback(
            lambda: _organisation_form(get_organisation(current_user, organisation_id), form, errors, similar)
        )
    flash(gettext("The organisation was saved."))
    return redirect(url_for("gpect.partners_organisation", organisation_id=organisation_id))


def _organisation_input() -> tuple[dict[str, str], dict[str, list[str]], dict[str, Any]]:
    """The form as typed, the errors found reading it, and the values for the service.

    Only the place the chosen scope uses is passed on (a territory, or a region): the other select may
    still show an earlier choice. The service checks the scope and the place.
    """
    fields = ("name", "kind", "scope", "territory_id", "region", "email", "confirm")
    form = {key: (request.form.get(key) or "").strip() for key in fields}
    errors: dict[str, list[str]] = {}
    if form["kind"] not in ORGANISATION_KINDS:
        errors["kind"] = [gettext("Choose a kind of organisation from the list.")]
    scope = form["scope"]
    on_territory = scope in ("", OrganisationScope.TERRITORY)  # no scope: the territory's, or national without
    territory_id = as_id(form["territory_id"])
    if on_territory and form["territory_id"] and territory_id is None:
        errors["territory_id"] = [gettext("Unknown territory.")]
    values = {
        "name": form["name"],
        "kind": OrganisationKind(form["kind"]) if "kind" not in errors else None,
        "territory_id": territory_id if on_territory else None,
        "region": (form["region"] or None) if scope == OrganisationScope.REGION else None,
        "email": form["email"] or None,
        "allow_similar": form["confirm"] == "yes",
    }
    if scope:
        values["scope"] = scope
    form.pop("confirm")
    return form, errors, values


def _similar(error: ValidationError) -> tuple[int, str] | None:
    """The look-alike a refusal named (its id and name), for the warning's choices."""
    if error.refusal is not Refusal.SIMILAR_IN_DIRECTORY:
        return None
    return int(error.params["similar_id"]), str(error.params["similar"])


def _organisation_form(
    organisation: Any,
    form: dict[str, str],
    errors: dict[str, list[str]] | None = None,
    similar: tuple[int, str] | None = None,
) -> tuple[str, int]:
    return render(
        "organisation_form.html",
        422 if errors else 200,
        organisation=organisation,
        form=form,
        errors=errors or {},
        similar=similar,
        territories=list_territories(),
        regions=list_regions(),
    )


_PERSON_FIELDS = ("email", "name", "role", "language", "timezone", "organisation_id", "is_referent", "is_active")


@signed_in
def new_person() -> Any:
    """Add a person (project leads and administrators; only administrators add administrators)."""
    require(can_manage_directory(current_user))
    if request.method == "GET":
        organisation_id = request.args.get("organisation_id", "")
        form = {
            "role": PersonRole.PARTNER.value,
            "language": Language.FR.value,
            "timezone": current_app.config["DEFAULT_TIMEZONE"],
            "organisation_id": organisation_id,
        }
        return _person_form(None, form)
    form, errors, values = _person_input(creating=True)
    if errors:
        return _person_form(None, form, errors)
    values.pop("is_active")
    email = values.pop("email")
    try:
        person = create_person_as(
            current_user,
            email,
            values.pop("role"),
            values.pop("name"),
            allow_similar=request.form.get("confirm") == "yes",
            **values,
        )
    except ValidationError as error:
        errors, similar = error_fields(error), _similar(error) or _known_address(error, email)
        return after_rollback(lambda: _person_form(None, form, errors, similar=similar))
    flash(gettext("%(name)s was added to the directory.", name=person.name))
    return _back_to(person)


@signed_in
def edit_person(person_id: int) -> Any:
    """Change a person's name, organisation, role, language, referent flag or access (administrators)."""
    require(can_edit_people(current_user))
    person = get_person(person_id)
    if request.method == "GET":
        form = {
            "email": person.email,
            "name": person.name,
            "role": person.role.value,
            "language": person.language.value,
            "timezone": person.timezone,
            "organisation_id": str(person.organisation_id or ""),
            "is_referent": "1" if person.is_referent else "",
            "is_active": "1" if person.is_active else "",
        }
        # A time zone stored before the rule (or by hand) shows with the rule's message, ready to correct.
        stored_problem = {"timezone": [gettext(TIMEZONE_MESSAGE)]} if timezone_problem(person.timezone) else None
        return _person_form(person, form, stored_problem, status=200)
    form, errors, values = _person_input(creating=False)
    if errors:
        return _person_form(person, form, errors)
    values.pop("email")
    if values["timezone"] is None:
        values.pop("timezone")
    try:
        update_person(current_user, person_id, **values)
    except ValidationError as error:
        errors = error_fields(error)
        return after_rollback(lambda: _person_form(get_person(person_id), form, errors))
    flash(gettext("The record of %(name)s was saved.", name=person.name))
    return _back_to(person)


def _back_to(person: Person) -> Any:
    if person.organisation_id is not None:
        return redirect(url_for("gpect.partners_organisation", organisation_id=person.organisation_id))
    return redirect(url_for("gpect.partners"))


def _person_input(creating: bool) -> tuple[dict[str, str], dict[str, list[str]], dict[str, Any]]:
    """The form as typed, the errors found reading it, and the values for the service."""
    form = {key: (request.form.get(key) or "").strip() for key in _PERSON_FIELDS}
    errors: dict[str, list[str]] = {}
    if creating and not form["email"]:
        errors["email"] = [gettext("An email address is required.")]
    if form["role"] not in {role.value for role in PersonRole}:
        errors["role"] = [gettext("Choose a role from the list.")]
    if form["language"] not in {language.value for language in Language}:
        errors["language"] = [gettext("Choose a language from the list.")]
    if form["organisation_id"] and as_id(form["organisation_id"]) is None:
        errors["organisation_id"] = [gettext("Unknown organisation.")]
    if not creating and not form["name"]:
        errors["name"] = [gettext("Give a name of 1 to 200 characters.")]
    values: dict[str, Any] = {
        "email": form["email"],
        "name": form["name"] or None,
        "role": PersonRole(form["role"]) if "role" not in errors else None,
        "language": Language(form["language"]) if "language" not in errors else None,
        # Left empty: the default zone for a new person, unchanged for an existing one.
        "timezone": form["timezone"] or (current_app.config["DEFAULT_TIMEZONE"] if creating else None),
        "organisation_id": as_id(form["organisation_id"]),
        "is_referent": form["is_referent"] == "1",
        "is_active": form["is_active"] == "1",
    }
    return form, errors, values


def _known_address(error: ValidationError, email: str) -> tuple[int, str] | None:
    """The person an address already names, when that is why it was refused: the form offers their record."""
    if ADDRESS_TAKEN not in error.fields.get("email", []):
        return None
    known = find_person(email)
    return (known.id, known.name) if known is not None else None


def _person_form(
    person: Person | None,
    form: dict[str, str],
    errors: dict[str, list[str]] | None = None,
    status: int | None = None,
    similar: tuple[int, str] | None = None,
) -> Any:
    """The person form; its organisation list shows one territory at a time (``?territory=``)."""
    chosen = _chosen_organisation(form.get("organisation_id", ""))
    territory = request.args.get("territory")
    if territory is None:
        territory = str(chosen.territory_id or "none") if chosen is not None else ""
    if territory != "none" and as_id(territory) is None:
        territory = ""
    territory_id = as_id(territory)
    choices = organisations_of_territory(territory_id) if territory else []
    if chosen is not None and chosen not in choices:
        choices = [chosen, *choices]
    roles = [role for role in PersonRole if person is not None or can_create_role(current_user, role)]
    return render(
        "person_form.html",
        status or (422 if errors else 200),
        person=person,
        form=form,
        errors=errors or {},
        roles=roles,
        languages=list(Language),
        timezones=TIMEZONES,
        territories=list_territories(),
        territory=territory,
        choices=choices,
        similar=similar,
        similar_is_known=similar is not None and bool(errors and "email" in errors),
    )


def _chosen_organisation(value: str) -> Any:
    organisation_id = as_id(value)
    if organisation_id is None:
        return None
    try:
        return get_organisation(current_user, organisation_id)
    except NotFound:
        return None
