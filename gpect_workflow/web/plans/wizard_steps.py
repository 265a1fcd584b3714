"""The wizard's pages: each step drawn with its choices, its errors beside their fields, and in hidden
fields what the other steps hold (the form carries the wizard from step to step: see ``wizard``)."""

from __future__ import annotations

from typing import Any

from babel import Locale
from flask import render_template
from flask_babel import gettext
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from ...definitions import WorkflowDefinition
from ...models import OrganisationScope, PersonRole
from ...services.partners.directory import list_territories
from ...services.plans.opening import opening_hour
from ...services.plans.starting import RoleMapping, waits_for_start
from ...services.plans.wizard import (
    PlanDetails,
    deciding_roles,
    definition_choices,
    lead_choices,
    partner_organisations,
    schedule_preview,
    task_owning_roles,
)
from ...vocabulary import N_
from ..accounts.preferences import TIMEZONES
from ..i18n import current_language
from ..labels import translated

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


def plan_step(
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


def roles_step(
    values: MultiDict[str, str],
    details: PlanDetails,
    definition: WorkflowDefinition,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
    created: dict[str, str] | None = None,
    similar: dict[str, Any] | None = None,
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
        deciding=deciding_roles(definition),
        organisations={organisation.id: organisation for organisation in organisations},
        local=[organisation for organisation in organisations if organisation.scope is OrganisationScope.TERRITORY],
        regional=[
            organisation for organisation in organisations if organisation.scope is not OrganisationScope.TERRITORY
        ],
        created=created or {},
        similar=similar or {},
    )


def preview_step(
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
        errors=errors or {},
        levers=translated("lever"),
        gates=translated("gate"),
        organisation_kinds=translated("organisation_kind"),
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
