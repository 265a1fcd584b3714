"""The plan creation wizard: the definition and the plan's details, the partners who play each role, a
preview of the schedule, then the plan starts.

The wizard carries what was typed from step to step in **hidden fields of its own form**, not in Flask's
session. The session is a signed cookie (no server state, so any worker serves any request) of about
4 KB at most, which a definition with a dozen roles and their people would approach; and one cookie is
shared by every tab, so two plans set up side by side would overwrite each other's choices, and the
browser's own Back button would show a page that no longer matches the stored state. In the form, each
wizard lives in its own page, Back re-shows the earlier step with the same values, and nothing is kept on
the server. Hidden fields can be edited, so each step re-checks every step before it, and Confirm checks
everything again (as does ``start_plan``).

Every step is a POST that answers with the next page (200), or with the step that is wrong, its errors
beside their fields and the input kept (422). Only two things write: adding a missing organisation or
person (its own small transaction, back to the roles step with the new entry chosen), and Confirm (one
transaction: ``start_plan``, then a redirect to the plan's page).

A plan whose start date is still ahead is created scheduled and opens on that day; the preview then
offers to open its first stage at once instead (``open_now``, unchecked unless the lead ticks it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from ...definitions import WorkflowDefinition
from ...errors import ValidationError
from ...models import Person, PersonRole, PlanStatus
from ...refusals import Refusal
from ...services.context import now
from ...services.plans.starting import RoleMapping, require_plan_starter, start_plan
from ...services.plans.wizard import (
    DetailsInput,
    PlanDetails,
    RoleChoice,
    add_organisation,
    add_person,
    check_details,
    check_roles,
    just_started,
    partner_organisations,
    plan_request,
)
from ...services.unit_of_work import after_rollback
from ..auth import signed_in
from ..i18n import long_date
from ..inputs import as_id
from ..refusals import error_fields
from .wizard_steps import OPEN_NOW, PLAN_FIELDS, ROLE_PREFIX, plan_step, preview_step, roles_step


class _Shown(Exception):
    """An earlier step is not valid: its page, with the errors, is shown instead of the one asked for."""

    def __init__(self, page: tuple[str, int]) -> None:
        super().__init__("an earlier step is not valid")
        self.page = page


def register(blueprint: Blueprint) -> None:
    """Add the wizard to the UI blueprint (before the plan page: ``new`` is not a plan id)."""
    blueprint.add_url_rule("/plans/new", view_func=new_plan, methods=["GET", "POST"])


@signed_in
def new_plan() -> Any:
    """The wizard: GET opens its first step; each POST names, in ``action``, where the person goes next."""
    require_plan_starter(current_user)
    values = _values()
    if request.method == "GET":
        return plan_step(values)
    action, _, role_key = (request.form.get("action") or "").partition(":")
    handler = _ACTIONS.get(action)
    if handler is None:
        abort(400)
    try:
        return handler(values, role_key)
    except _Shown as shown:
        return shown.page


def _values() -> MultiDict[str, str]:
    """What the form carries; the first time, sensible defaults. A lead leads the plans they create."""
    if request.method == "GET":
        timezone = current_app.config["DEFAULT_TIMEZONE"]
        organisation = current_user.organisation
        values = MultiDict(
            {
                "timezone": timezone,
                "start_date": now().astimezone(ZoneInfo(timezone)).date().isoformat(),
                "territory_id": str(organisation.territory_id or "") if organisation else "",
            }
        )
    else:
        values = MultiDict([(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", "action")])
    if current_user.role is PersonRole.LEAD:
        values["lead_id"] = str(current_user.id)
    return values


# Actions: where each button of the wizard leads.


def _to_plan(values: MultiDict[str, str], _: str) -> tuple[str, int]:
    """Back to the first step: nothing is checked, everything typed is kept."""
    return plan_step(values)


def _to_roles(values: MultiDict[str, str], _: str) -> tuple[str, int]:
    """On to the roles (or back from the preview, or showing the people of the organisations chosen)."""
    details, definition = _details(values)
    if not any(key.startswith(ROLE_PREFIX) for key in values):
        _prefill_lead_role(values, details, definition)
    return roles_step(values, details, definition)


def _to_preview(values: MultiDict[str, str], _: str) -> tuple[str, int]:
    """On to the preview, once every role that has tasks is mapped."""
    details, definition = _details(values)
    roles = _roles(values, details, definition)
    return preview_step(values, details, definition, roles)


def _confirm(values: MultiDict[str, str], _: str) -> Any:
    """Start the plan, in one transaction, and go to its page."""
    details, definition = _details(values)
    roles = _roles(values, details, definition)
    wanted = replace(plan_request(details, roles), open_now=values.get(OPEN_NOW) == "yes")
    already = just_started(wanted)
    if already is not None:
        flash(gettext("The plan %(name)s was already started: here it is.", name=already.name))
        return redirect(url_for("gpect.plan_page", plan_id=already.id))
    try:
        plan = start_plan(current_user, wanted)
    except ValidationError as error:
        errors = error_fields(error)
        return after_rollback(lambda: _step_of_errors(values, details, definition, roles, errors))
    if plan.status is PlanStatus.SCHEDULED:
        flash(
            gettext(
                "The plan %(name)s is scheduled: its first stage opens on %(date)s.",
                name=plan.name,
                date=long_date(plan.start_date),
            )
        )
    else:
        flash(gettext("The plan %(name)s has started: its first stage is open.", name=plan.name))
    return redirect(url_for("gpect.plan_page", plan_id=plan.id))


def _create_organisation(values: MultiDict[str, str], role_key: str) -> tuple[str, int]:
    """Add a missing organisation to the territory; it is then chosen for the role. A name like one the
    territory may already use comes back with a warning: choose that one, or confirm and add anyway."""
    details, definition = _details(values)
    field = _sub_form_fields("new-organisation", _role_key(definition, role_key))
    try:
        organisation = add_organisation(
            current_user,
            details.territory,
            values.get(field("name"), ""),
            values.get(field("kind"), ""),
            values.get(field("email"), ""),
            allow_similar=values.get(field("confirm")) == "yes",
        )
    except ValidationError as error:
        errors = _sub_form_errors("new-organisation", role_key, error_fields(error), ("name", "kind", "email"))
        similar = _similar(error, "new-organisation", role_key)
        return after_rollback(
            lambda: roles_step(values, details, definition, errors=errors, status=422, similar=similar)
        )
    values[f"role-{role_key}-organisation"] = str(organisation.id)
    values.setlist(f"role-{role_key}-people", [])
    _clear(values, field(""))
    created = gettext(
        "The organisation %(name)s was added to the directory and chosen for this role.", name=organisation.name
    )
    return roles_step(values, details, definition, created={role_key: created})


def _use_organisation(values: MultiDict[str, str], role_key: str) -> tuple[str, int]:
    """Choose, for the role, the organisation the warning named instead of adding a look-alike."""
    details, definition = _details(values)
    field = _sub_form_fields("new-organisation", _role_key(definition, role_key))
    offered = {organisation.id: organisation for organisation in partner_organisations(details.territory.id)}
    organisation = offered.get(as_id(values.get(field("similar"), "")) or 0)
    if organisation is None:
        abort(400)
    values[f"role-{role_key}-organisation"] = str(organisation.id)
    values.setlist(f"role-{role_key}-people", [])
    _clear(values, field(""))
    chosen = gettext("%(name)s is chosen for this role: pick its people below.", name=organisation.name)
    return roles_step(values, details, definition, created={role_key: chosen})


def _create_person(values: MultiDict[str, str], role_key: str) -> tuple[str, int]:
    """Add a missing person to the organisation chosen for the role; they are then chosen for it. An address
    already in the directory chooses its person (and their organisation) instead of refusing."""
    details, definition = _details(values)
    field = _sub_form_fields("new-person", _role_key(definition, role_key))
    chosen = values.get(f"role-{role_key}-organisation", "")
    offered = partner_organisations(details.territory.id)
    organisation = {o.id: o for o in offered}.get(as_id(chosen) or 0)
    try:
        found = add_person(
            current_user,
            organisation,
            values.get(field("name"), ""),
            values.get(field("email"), ""),
            offered,
            allow_similar=values.get(field("confirm")) == "yes",
        )
    except ValidationError as error:
        errors = _sub_form_errors("new-person", role_key, error_fields(error), ("organisation", "name", "email"))
        similar = _similar(error, "new-person", role_key)
        return after_rollback(
            lambda: roles_step(values, details, definition, errors=errors, status=422, similar=similar)
        )
    _choose_person(values, role_key, found.person)
    _clear(values, field(""))
    if found.existing:
        message = gettext(
            "%(name)s is already in the directory (%(organisation)s): chosen for this role.",
            name=found.person.name,
            organisation=found.person.organisation.name if found.person.organisation else "—",
        )
    else:
        message = gettext("%(name)s was added to the directory and chosen for this role.", name=found.person.name)
    return roles_step(values, details, definition, created={role_key: message})


def _use_person(values: MultiDict[str, str], role_key: str) -> tuple[str, int]:
    """Choose, for the role, the person the warning named instead of adding a look-alike."""
    details, definition = _details(values)
    field = _sub_form_fields("new-person", _role_key(definition, role_key))
    people = {
        person.id: person
        for organisation in partner_organisations(details.territory.id)
        for person in organisation.people
        if person.is_active
    }
    person = people.get(as_id(values.get(field("similar"), "")) or 0)
    if person is None:
        abort(400)
    _choose_person(values, role_key, person)
    _clear(values, field(""))
    return roles_step(
        values, details, definition, created={role_key: gettext("%(name)s is chosen for this role.", name=person.name)}
    )


def _choose_person(values: MultiDict[str, str], role_key: str, person: Person) -> None:
    """Check ``person`` for the role, with their organisation (the people of another one are let go)."""
    organisation_key, people_key = f"role-{role_key}-organisation", f"role-{role_key}-people"
    if values.get(organisation_key) != str(person.organisation_id):
        values[organisation_key] = str(person.organisation_id)
        values.setlist(people_key, [])
    if str(person.id) not in values.getlist(people_key):
        values.setlist(people_key, [*values.getlist(people_key), str(person.id)])


def _similar(error: ValidationError, form: str, role_key: str) -> dict[str, Any]:
    """The look-alike a refusal named, for the warning's choices: ``{"<form>.<role>": (id, name)}``."""
    if error.refusal is not Refusal.SIMILAR_IN_DIRECTORY:
        return {}
    return {f"{form}.{role_key}": (error.params["similar_id"], error.params["similar"])}


_ACTIONS = {
    "to-plan": _to_plan,
    "to-roles": _to_roles,
    "refresh": _to_roles,
    "to-preview": _to_preview,
    "confirm": _confirm,
    "create-organisation": _create_organisation,
    "create-person": _create_person,
    "use-organisation": _use_organisation,
    "use-person": _use_person,
}


# Checking the steps before the one asked for.


def _details(values: MultiDict[str, str]) -> tuple[PlanDetails, WorkflowDefinition]:
    typed = DetailsInput(**{name: values.get(name, "") for name in PLAN_FIELDS})
    try:
        return check_details(current_user, typed)
    except ValidationError as error:
        raise _Shown(plan_step(values, errors=error_fields(error), status=422)) from error


def _roles(values: MultiDict[str, str], details: PlanDetails, definition: WorkflowDefinition) -> dict[str, RoleMapping]:
    choices = {
        role.key: RoleChoice(values.get(f"role-{role.key}-organisation", ""), values.getlist(f"role-{role.key}-people"))
        for role in definition.roles
    }
    try:
        return check_roles(definition, partner_organisations(details.territory.id), choices)
    except ValidationError as error:
        raise _Shown(roles_step(values, details, definition, errors=error_fields(error), status=422)) from error


def _step_of_errors(
    values: MultiDict[str, str],
    details: PlanDetails,
    definition: WorkflowDefinition,
    roles: dict[str, RoleMapping],
    errors: dict[str, list[str]],
) -> tuple[str, int]:
    """``start_plan`` refused: show its errors at the step their fields belong to."""
    if any(field in PLAN_FIELDS for field in errors):
        return plan_step(values, errors=errors, status=422)
    if any(field.startswith("roles") for field in errors):
        return roles_step(values, details, definition, errors=errors, status=422)
    messages = [message for field_messages in errors.values() for message in field_messages]
    return preview_step(values, details, definition, roles, errors={"_form": messages}, status=422)


def _role_key(definition: WorkflowDefinition, role_key: str) -> str:
    if role_key not in {role.key for role in definition.roles}:
        abort(400)
    return role_key


def _prefill_lead_role(values: MultiDict[str, str], details: PlanDetails, definition: WorkflowDefinition) -> None:
    """The first time the roles show, the definition's ``lead`` role goes to the plan's lead, when the
    lead's organisation is one the territory may use."""
    organisation_id = details.lead.organisation_id
    if "lead" not in {role.key for role in definition.roles} or organisation_id is None:
        return
    if organisation_id in {organisation.id for organisation in partner_organisations(details.territory.id)}:
        values["role-lead-organisation"] = str(organisation_id)
        values.setlist("role-lead-people", [str(details.lead.id)])


def _sub_form_fields(form: str, role_key: str) -> Callable[[str], str]:
    """Names of an inline sub-form's fields for one role: ``new-person-<role>-email``."""
    return lambda name: f"{form}-{role_key}-{name}"


def _sub_form_errors(
    form: str, role_key: str, fields: dict[str, list[str]], shown: tuple[str, ...]
) -> dict[str, list[str]]:
    """Errors of an inline creation, under its own fields (others at the top of its sub-form)."""
    errors: dict[str, list[str]] = {}
    for field, messages in fields.items():
        key = f"{form}.{role_key}.{field}" if field in shown else f"{form}.{role_key}"
        errors.setdefault(key, []).extend(messages)
    return errors


def _clear(values: MultiDict[str, str], prefix: str) -> None:
    for key in [key for key in values if key.startswith(prefix)]:
        values.poplist(key)
