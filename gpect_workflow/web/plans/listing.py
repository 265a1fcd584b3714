"""The plans list: the plans a person may see, one compact row each, filtered and a page at a time.

Filters travel in the query string (a GET form), so a filtered page can be bookmarked and its
pagination links keep the filters. A value that is not one of the offered choices is ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from ...definitions import WorkflowDefinition
from ...models import PlanStatus
from ...services.access import can_start_plans
from ...services.paging import page_number
from ...services.plans.listing import PlanFilters, PlanListChoices, list_plans, plan_list_choices
from .. import lists
from ..auth import signed_in
from ..i18n import localized
from ..labels import label

#: The lateness filter: its values in the query string and what they ask of ``PlanFilters.late``.
LATENESS = {"yes": True, "no": False}
FILTER_NAMES = ("territory", "definition", "stage", "status", "late")


def register(blueprint: Blueprint) -> None:
    """Add the plans list to the UI blueprint."""
    blueprint.add_url_rule("/plans", view_func=plans_index)


@signed_in
def plans_index() -> Any:
    """The plans the signed-in person leads, takes part in or oversees (all for administrators)."""
    choices = plan_list_choices(current_user)
    options = _options(choices, request.args.get("definition") or "")
    form = _form(request.args, options)
    page = page_number(request.args.get("page"))
    result = list_plans(current_user, _filters(form), page, current_app.config["PAGE_SIZE"])
    if result.page > result.pages:
        return redirect(url_for("gpect.plans_index", page=result.pages, **form))  # type: ignore[arg-type]  # Flask types url_for's keywords as its own options (_external...)
    return render_template(
        "gpect_workflow/plans/index.html",
        result=result,
        form=form,
        options=options,
        titles=lists.Titles(choices.definitions),
        can_start_plans=can_start_plans(current_user),
    )


@dataclass(frozen=True, slots=True)
class FilterOptions:
    """The choices of each filter, as ``(value, label)`` pairs."""

    territories: list[tuple[str, str]]
    definitions: list[tuple[str, str]]
    #: Stages grouped by definition: ``(definition title, [(stage key, stage title), ...])``.
    stages: list[tuple[str, list[tuple[str, str]]]]
    statuses: list[tuple[str, str]]


def _options(choices: PlanListChoices, definition_key: str) -> FilterOptions:
    latest: dict[str, WorkflowDefinition] = {}
    for (key, _version), definition in sorted(choices.definitions.items()):
        latest[key] = definition  # the highest version of each key wins
    definitions = sorted(((key, localized(d.title)) for key, d in latest.items()), key=lambda pair: pair[1])
    shown = [key for key, _ in definitions if definition_key in ("", key) or definition_key not in latest]
    return FilterOptions(
        territories=[(str(territory.id), territory.name) for territory in choices.territories],
        definitions=definitions,
        stages=[
            (localized(latest[key].title), [(stage.key, localized(stage.title)) for stage in latest[key].stages])
            for key in shown
        ],
        statuses=[(status.value, label("plan_status", status)) for status in PlanStatus],
    )


def _form(args: Mapping[str, str], options: FilterOptions) -> dict[str, str]:
    """The filters asked for that are among the choices offered; the others are dropped."""
    allowed = {
        "territory": {value for value, _ in options.territories},
        "definition": {value for value, _ in options.definitions},
        "stage": {value for _, stages in options.stages for value, _ in stages},
        "status": {value for value, _ in options.statuses},
        "late": set(LATENESS),
    }
    return {name: args[name] for name in FILTER_NAMES if args.get(name) in allowed[name]}


def _filters(form: Mapping[str, str]) -> PlanFilters:
    return PlanFilters(
        territory_id=int(form["territory"]) if "territory" in form else None,
        definition_key=form.get("definition"),
        status=PlanStatus(form["status"]) if "status" in form else None,
        stage_key=form.get("stage"),
        late=LATENESS[form["late"]] if "late" in form else None,
    )
