"""Changing a running plan (its lead, or an administrator): rename it, map a role (the committee's too) to
other people, add a one-off task to a stage, remove one nobody started.

Plain POST forms, one transaction each, each carrying the plan's version: when someone changed the plan
meanwhile the page comes back with 409 and says who did what; input errors come back with 422 beside
their field, what was typed kept.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ...errors import InvalidTransition, NotFound, StaleObject, ValidationError
from ...refusals import Refusal
from ...services.plans.changes import OneOffTask, add_one_off_task, remove_one_off_task, rename_plan
from ...services.plans.changes_page import plan_changes
from ...services.plans.roles import RoleChange, remap_role
from ...services.unit_of_work import after_rollback
from ..auth import signed_in
from ..i18n import localized
from ..inputs import as_id
from ..refusals import error_fields, refusal_text
from .forms import FormState, form_lookup, form_values, stale_message, version


def register(blueprint: Blueprint) -> None:
    """Add the page that changes a plan and its four forms to the UI blueprint."""
    blueprint.add_url_rule("/plans/<id:plan_id>/changes", "plan_changes", view_func=changes_page)
    blueprint.add_url_rule("/plans/<id:plan_id>/changes/name", "plan_rename", view_func=rename, methods=["POST"])
    blueprint.add_url_rule(
        "/plans/<id:plan_id>/changes/roles/<role_key>", "plan_role", view_func=change_role, methods=["POST"]
    )
    blueprint.add_url_rule("/plans/<id:plan_id>/changes/tasks", "plan_add_task", view_func=add_task, methods=["POST"])
    blueprint.add_url_rule(
        "/plans/<id:plan_id>/changes/tasks/<id:task_id>/remove",
        "plan_remove_task",
        view_func=remove_task,
        methods=["POST"],
    )


@signed_in
def changes_page(plan_id: int) -> Any:
    """The forms that change the plan, for its lead and administrators (403 for others who see it)."""
    return _render(plan_id)


def _render(plan_id: int, form: FormState | None = None, status: int = 200) -> tuple[str, int]:
    data = plan_changes(current_user, plan_id)
    page = render_template(
        "gpect_workflow/plans/changes.html",
        page=data,
        plan=data.plan,
        form=form,
        form_for=form_lookup(form),
        organisation_options=[(o.id, o.name) for o in data.organisations],
        people_options=[(p.id, p.name) for p in data.people()],
        stage_options=[(stage.id, localized(title)) for stage, title in data.stages],
        role_options=[(role.key, localized(role.title)) for role in data.roles if role.member_ids],
    )
    return page, status


@signed_in(back_to="gpect.plan_changes")
def rename(plan_id: int) -> Any:
    """Give the plan another name."""
    values = form_values("name", "expected_version")
    plan_changes(current_user, plan_id)  # NotFound / PermissionDenied before anything else
    return _apply(
        plan_id,
        FormState("rename", None, values),
        lambda: rename_plan(current_user, plan_id, values["name"], expected_version=version(values)),
        gettext("The plan is renamed."),
    )


@signed_in(back_to="gpect.plan_changes")
def change_role(plan_id: int, role_key: str) -> Any:
    """Map a role to an organisation and people; the leavers' open tasks go back to the role or to one person."""
    values = form_values("organisation", "open_tasks_to", "expected_version")
    people = [as_id(p) or 0 for p in request.form.getlist("people")]
    values["people"] = ",".join(str(p) for p in people)
    page = plan_changes(current_user, plan_id)
    if page.role(role_key) is None:
        raise NotFound(Refusal.NO_SUCH_ROLE)
    change = RoleChange(as_id(values["organisation"]) or 0, people, as_id(values["open_tasks_to"]))
    return _apply(
        plan_id,
        FormState(f"role-{role_key}", None, values),
        lambda: remap_role(current_user, plan_id, role_key, change, expected_version=version(values)),
        gettext("The role is mapped again; the people who join it are told by email."),
    )


@signed_in(back_to="gpect.plan_changes")
def add_task(plan_id: int) -> Any:
    """Add a one-off task to an open or pending stage."""
    names = ("stage", "title_fr", "title_en", "description", "owner_role", "due_date", "weight", "expected_version")
    values = form_values(*names)
    values["required"] = "yes" if request.form.get("required") else ""
    depends_on = [as_id(t) or 0 for t in request.form.getlist("depends_on")]
    values["depends_on"] = ",".join(str(t) for t in depends_on)
    state = FormState("add-task", None, values)
    plan_changes(current_user, plan_id)
    due = _day(values["due_date"])
    if due is None:
        state.errors = {"due_date": [gettext("Enter a date, such as 2027-03-31.")]}
        return _render(plan_id, state, 422)
    new = OneOffTask(
        stage_id=as_id(values["stage"]) or 0,
        owner_role=values["owner_role"],
        due_date=due,
        title_fr=values["title_fr"],
        title_en=values["title_en"],
        description=values["description"],
        depends_on=depends_on,
        weight=_weight(values["weight"]),
        is_required=bool(values["required"]),
    )
    return _apply(
        plan_id,
        state,
        lambda: add_one_off_task(current_user, plan_id, new, expected_version=version(values)),
        gettext("The task is added to the stage; its assignee sees it in their tasks."),
    )


@signed_in(back_to="gpect.plan_changes")
def remove_task(plan_id: int, task_id: int) -> Any:
    """Remove a one-off task nobody started."""
    values = form_values("expected_version")
    plan_changes(current_user, plan_id)
    return _apply(
        plan_id,
        FormState("remove-task", task_id, values),
        lambda: remove_one_off_task(current_user, plan_id, task_id, expected_version=version(values)),
        gettext("The one-off task is removed."),
    )


def _apply(plan_id: int, state: FormState, change: Any, done: str) -> Any:
    """Make the change; the page again with what went wrong, or back to it with ``done``."""
    try:
        change()
    except ValidationError as error:
        state.errors = error_fields(error)
        return after_rollback(lambda: _render(plan_id, state, 422))
    except StaleObject:
        return after_rollback(lambda: _render(plan_id, _with_message(state, stale_message(plan_id)), 409))
    except (InvalidTransition, NotFound) as error:
        state.message = refusal_text(error)
        status = 409 if isinstance(error, InvalidTransition) else 404
        return after_rollback(lambda: _render(plan_id, state, status))
    flash(done)
    return redirect(url_for("gpect.plan_changes", plan_id=plan_id))


def _with_message(state: FormState, message: str) -> FormState:
    state.message = message
    return state


def _weight(text: str) -> int:
    """The weight typed (1 when left empty); 0, which the service refuses beside the field, for anything else."""
    if not text:
        return 1
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 3 else 0


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None
