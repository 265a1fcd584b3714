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

from babel import Locale
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from ...definitions import WorkflowDefinition
from ...errors import ValidationError
from ...models import PersonRole, PlanStatus
from ...services.context import now
from ...services.partners.directory import list_territories
from ...services.plans.opening import opening_hour
from ...services.plans.starting import RoleMapping, require_plan_starter, start_plan, waits_for_start
from ...services.plans.wizard import (
    DetailsInput,
    PlanDetails,
    RoleChoice,
    add_organisation,
    add_person,
    check_details,
    check_roles,
    definition_choices,
    just_started,
    lead_choices,
    partner_organisations,
    plan_request,
    schedule_preview,
    task_owning_roles,
)
from ...services.unit_of_work import after_rollback
from ..accounts.preferences import TIMEZONES
from ..auth import signed_in
from ..i18n import current_language, long_date
from ..labels import GATES, LEVERS, translated
from ..partners.labels import ORGANISATION_KINDS, field_messages
from ..texts import N_

#: Fields of the first step, carried forward once it is done.
PLAN_FIELDS = ("definition", "territory_id", "name", "start_date", "timezone", "lead_id")
#: The preview's checkbox: open the first stage now although the start date is ahead.
OPEN_NOW = "open_now"
#: Fields of the roles step: ``role-<key>-organisation`` and ``role-<key>-people``.
ROLE_PREFIX = "role-"
#: Fields of the inline creation sub-forms, never carried to another step.
NEW_PREFIXES = ("new-organisation-", "new-person-")
#: Where the errors of those sub-forms are reported: ``new-organisation.<role>.<field>``.
NEW_SCOPES = ("new-organisation.", "new-person.")

STEPS = (
    ("plan", N_("Definition and plan")),
    ("roles", N_("Roles and partners")),
    ("preview", N_("Schedule and confirmation")),
)


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
        return _plan_step(values)
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
    return _plan_step(values)


def _to_roles(values: MultiDict[str, str], _: str) -> tuple[str, int]:
    """On to the roles (or back from the preview, or showing the people of the organisations chosen)."""
    details, definition = _details(values)
    if not any(key.startswith(ROLE_PREFIX) for key in values):
        _prefill_lead_role(values, details, definition)
    return _roles_step(values, details, definition)


def _to_preview(values: MultiDict[str, str], _: str) -> tuple[str, int]:
    """On to the preview, once every role that has tasks is mapped."""
    details, definition = _details(values)
    roles = _roles(values, details, definition)
    return _preview_step(values, details, definition, roles)


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
        errors = error.fields
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
    """Add a missing organisation to the territory; it is then chosen for the role."""
    details, definition = _details(values)
    field = _sub_form_fields("new-organisation", _role_key(definition, role_key))
    try:
        organisation = add_organisation(
            current_user,
            details.territory,
            values.get(field("name"), ""),
            values.get(field("kind"), ""),
            values.get(field("email"), ""),
        )
    except ValidationError as error:
        errors = _sub_form_errors("new-organisation", role_key, error.fields, ("name", "kind", "email"))
        return after_rollback(lambda: _roles_step(values, details, definition, errors=errors, status=422))
    values[f"role-{role_key}-organisation"] = str(organisation.id)
    values.setlist(f"role-{role_key}-people", [])
    _clear(values, field(""))
    created = gettext(
        "The organisation %(name)s was added to the directory and chosen for this role.", name=organisation.name
    )
    return _roles_step(values, details, definition, created={role_key: created})


def _create_person(values: MultiDict[str, str], role_key: str) -> tuple[str, int]:
    """Add a missing person to the organisation chosen for the role; they are then chosen for it."""
    details, definition = _details(values)
    field = _sub_form_fields("new-person", _role_key(definition, role_key))
    chosen = values.get(f"role-{role_key}-organisation", "")
    offered = {organisation.id: organisation for organisation in partner_organisations(details.territory.id)}
    organisation = offered.get(int(chosen)) if chosen.isdigit() else None
    try:
        person = add_person(current_user, organisation, values.get(field("name"), ""), values.get(field("email"), ""))
    except ValidationError as error:
        errors = _sub_form_errors("new-person", role_key, error.fields, ("organisation", "name", "email"))
        return after_rollback(lambda: _roles_step(values, details, definition, errors=errors, status=422))
    values.setlist(f"role-{role_key}-people", [*values.getlist(f"role-{role_key}-people"), str(person.id)])
    _clear(values, field(""))
    created = gettext("%(name)s was added to the directory and chosen for this role.", name=person.name)
    return _roles_step(values, details, definition, created={role_key: created})


_ACTIONS = {
    "to-plan": _to_plan,
    "to-roles": _to_roles,
    "refresh": _to_roles,
    "to-preview": _to_preview,
    "confirm": _confirm,
    "create-organisation": _create_organisation,
    "create-person": _create_person,
}


# Checking the steps before the one asked for.


def _details(values: MultiDict[str, str]) -> tuple[PlanDetails, WorkflowDefinition]:
    typed = DetailsInput(**{name: values.get(name, "") for name in PLAN_FIELDS})
    try:
        return check_details(current_user, typed)
    except ValidationError as error:
        raise _Shown(_plan_step(values, errors=error.fields, status=422)) from error


def _roles(values: MultiDict[str, str], details: PlanDetails, definition: WorkflowDefinition) -> dict[str, RoleMapping]:
    choices = {
        role.key: RoleChoice(values.get(f"role-{role.key}-organisation", ""), values.getlist(f"role-{role.key}-people"))
        for role in definition.roles
    }
    try:
        return check_roles(definition, partner_organisations(details.territory.id), choices)
    except ValidationError as error:
        raise _Shown(_roles_step(values, details, definition, errors=error.fields, status=422)) from error


def _step_of_errors(
    values: MultiDict[str, str],
    details: PlanDetails,
    definition: WorkflowDefinition,
    roles: dict[str, RoleMapping],
    errors: dict[str, list[str]],
) -> tuple[str, int]:
    """``start_plan`` refused: show its errors at the step their fields belong to."""
    if any(field in PLAN_FIELDS for field in errors):
        return _plan_step(values, errors=errors, status=422)
    if any(field.startswith("roles") for field in errors):
        return _roles_step(values, details, definition, errors=errors, status=422)
    messages = [message for field_messages in errors.values() for message in field_messages]
    return _preview_step(values, details, definition, roles, errors={"_form": messages}, status=422)


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


# Pages.


def _plan_step(
    values: MultiDict[str, str], errors: dict[str, list[str]] | None = None, status: int = 200
) -> tuple[str, int]:
    choices = definition_choices(current_user)
    return _page(
        "plan",
        values,
        errors,
        status,
        latest=[choice for choice in choices if choice.is_latest],
        earlier={
            latest.definition.key: [c for c in choices if c.definition.key == latest.definition.key and not c.is_latest]
            for latest in choices
            if latest.is_latest
        },
        territories=list_territories(),
        leads=lead_choices(current_user),
        timezones=TIMEZONES,
    )


def _roles_step(
    values: MultiDict[str, str],
    details: PlanDetails,
    definition: WorkflowDefinition,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
    created: dict[str, str] | None = None,
) -> tuple[str, int]:
    organisations = partner_organisations(details.territory.id)
    return _page(
        "roles",
        values,
        errors,
        status,
        details=details,
        definition=definition,
        owners=task_owning_roles(definition),
        organisations={organisation.id: organisation for organisation in organisations},
        local=[organisation for organisation in organisations if organisation.territory_id is not None],
        regional=[organisation for organisation in organisations if organisation.territory_id is None],
        created=created or {},
    )


def _preview_step(
    values: MultiDict[str, str],
    details: PlanDetails,
    definition: WorkflowDefinition,
    roles: dict[str, RoleMapping],
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    organisations = {organisation.id: organisation for organisation in partner_organisations(details.territory.id)}
    return _page(
        "preview",
        values,
        errors,
        status,
        details=details,
        definition=definition,
        roles=roles,
        organisations=organisations,
        people={person.id: person for organisation in organisations.values() for person in organisation.people},
        preview=schedule_preview(definition, details.start_date, roles),
        calendar=_calendar_name(definition),
        scheduled=waits_for_start(details.start_date, details.timezone),
        opening_hour=opening_hour().strftime("%H:%M"),
    )


def _calendar_name(definition: WorkflowDefinition) -> str:
    """Whose public holidays the definition's working days skip: ``France``, or ``France (57)``."""
    country, subdivision = definition.calendar.country, definition.calendar.subdivision
    name = Locale.parse(current_language()).territories.get(country, country)
    return f"{name} ({subdivision})" if subdivision else name


def _page(
    step: str, values: MultiDict[str, str], errors: dict[str, list[str]] | None, status: int, **context: Any
) -> tuple[str, int]:
    page = render_template(
        "gpect_workflow/plans/new.html",
        step=step,
        steps=[(key, gettext(label)) for key, label in STEPS],
        values=values,
        carried=_carried(values, step),
        errors=field_messages(errors or {}),
        levers=translated(LEVERS),
        gates=translated(GATES),
        organisation_kinds={str(kind): gettext(label) for kind, label in ORGANISATION_KINDS.items()},
        is_lead=current_user.role is PersonRole.LEAD,
        open_forms={".".join(field.split(".")[:2]) for field in errors or {} if field.startswith(NEW_SCOPES)},
        **context,
    )
    return page, status


def _carried(values: MultiDict[str, str], step: str) -> list[tuple[str, str]]:
    """The hidden fields of a step: what the other steps' fields hold (the inline sub-forms excepted)."""

    def shown_here(key: str) -> bool:
        if key.startswith(NEW_PREFIXES):
            return True
        if step == "plan":
            return key in PLAN_FIELDS
        if step == "roles":
            return key.startswith(ROLE_PREFIX)
        return step == "preview" and key == OPEN_NOW

    return [(key, value) for key, value in values.items(multi=True) if not shown_here(key)]
