"""The web UI blueprint: the pages project leads, partners and committees use."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from ..models import OPEN_TASK_STATUSES, DefinitionRecord, Plan
from ..resources import static_dir, templates_dir
from ..services.context import now
from ..services.definitions import definition_from_record, list_definition_records
from ..services.plans import plans_overview
from . import auth, i18n, labels, links, preferences


def ui_blueprint() -> Blueprint:
    """A new UI blueprint; its templates come after the host's, so a host can override any of them."""
    blueprint = Blueprint(
        "gpect",
        __name__,
        template_folder=str(templates_dir()),
        static_folder=str(static_dir()),
        static_url_path="/static/gpect",
    )
    blueprint.add_url_rule("/", view_func=plans_index)
    links.register(blueprint)
    auth.register(blueprint)
    preferences.register(blueprint)
    i18n.register(blueprint)
    return blueprint


def plans_index() -> Any:
    """The plans the signed-in person may see, with their stages and tasks, a page at a time."""
    if not current_user.is_authenticated:
        return redirect(url_for("gpect.login", next=request.full_path.rstrip("?")))
    page = request.args.get("page", default=1, type=int) or 1
    overview = plans_overview(current_user, page, current_app.config["PAGE_SIZE"])
    definitions = {(r.key, r.version): r for r in list_definition_records()}
    task_titles, role_titles, stage_titles = _titles(overview.plans, definitions)
    return render_template(
        "gpect_workflow/plans/index.html",
        overview=overview,
        definitions=definitions,
        task_titles=task_titles,
        role_titles=role_titles,
        stage_titles=stage_titles,
        today_in=_today_in,
        is_late=_is_late,
        lever_labels=labels.LEVERS,
        plan_status_labels=labels.PLAN_STATUSES,
        stage_status_labels=labels.STAGE_STATUSES,
        task_status_labels=labels.TASK_STATUSES,
    )


def _titles(
    plans: list[Plan], records: dict[tuple[str, int], DefinitionRecord]
) -> tuple[dict[tuple[str, int, str], str], ...]:
    """French titles of the tasks, roles and stages of the definition versions the plans run."""
    tasks: dict[tuple[str, int, str], str] = {}
    roles: dict[tuple[str, int, str], str] = {}
    stages: dict[tuple[str, int, str], str] = {}
    for key, version in {(plan.definition_key, plan.definition_version) for plan in plans}:
        definition = definition_from_record(records[key, version])
        tasks.update({(key, version, task.key): task.title.fr for task in definition.tasks()})
        roles.update({(key, version, role.key): role.title.fr for role in definition.roles})
        stages.update({(key, version, stage.key): stage.title.fr for stage in definition.stages})
    return tasks, roles, stages


def _today_in(timezone: str) -> date:
    return now().astimezone(ZoneInfo(timezone)).date()


def _is_late(due: date, status: str, today: date) -> bool:
    return status in OPEN_TASK_STATUSES and due < today
