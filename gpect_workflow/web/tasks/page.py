"""The task page, and the task actions of the task and plan pages: status, assignee, deadline.

Partners reach the task page from their emails and "my tasks"; leads from the plan page. Each action
is a plain POST form, one transaction, checked by the services. A form sent from the plan page says so
(``return_to=plan``) and comes back there, with the person's input kept, when it needs them again:
422 for input errors (beside their field), 409 when someone changed the task meanwhile (who, what,
when) or when the change is refused in the task's current state. A deadline move is previewed first:
the page lists every deadline it would shift and what it does to the stages, and only the confirmation
changes them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from ...errors import InvalidTransition, StaleObject, ValidationError
from ...models import TaskStatus
from ...refusals import Refusal
from ...services.access import is_worker, require
from ...services.evidence.files import files_of_task
from ...services.paging import page_number
from ...services.plans.detail import plan_of_task
from ...services.tasks.changes import change_task_status, reassign_task, reschedule
from ...services.tasks.delay_requests import delay_panel
from ...services.tasks.page import preview_move, stage_lines
from ...services.tasks.page import task_page as load_task_page
from ...services.unit_of_work import after_rollback
from ...vocabulary import N_
from ..auth import signed_in
from ..comments.thread import CommentForm, task_discussion
from ..i18n import localized, short_date
from ..inputs import as_id
from ..labels import label
from ..plans import texts as plan_texts
from ..plans.forms import FormState, form_lookup, form_values, note_errors, stale_message, version
from ..plans.page import render_plan
from ..refusals import error_fields, refusal_text

#: What the services' field errors mean, in the reader's language, by action and field.
_FIELD_MESSAGES = {
    "status": {"note": N_("Say why: this change needs a reason.")},
    "assignee": {"assignee_id": N_("Choose a member of the task's role, or the project lead.")},
    "deadline": {},
}


def register(blueprint: Blueprint) -> None:
    """Add the task page and the task actions to the UI blueprint."""
    blueprint.add_url_rule("/tasks/<id:task_id>", view_func=task_page)
    blueprint.add_url_rule("/tasks/<id:task_id>/status", "task_status", view_func=change_status, methods=["POST"])
    blueprint.add_url_rule("/tasks/<id:task_id>/assignee", "task_reassign", view_func=reassign, methods=["POST"])
    blueprint.add_url_rule("/tasks/<id:task_id>/deadline", "task_deadline", view_func=deadline, methods=["POST"])


@signed_in
def task_page(task_id: int) -> Any:
    """A task in full with the actions the reader may take (404 for someone who may not see its plan)."""
    return render_task(task_id)


def render_task(
    task_id: int,
    form: FormState | None = None,
    status: int = 200,
    comment_form: CommentForm | None = None,
    **extra: Any,
) -> tuple[str, int]:
    """The task page, with ``form`` (or ``comment_form``) sent back filled in when an action needs the person
    again (``extra``: the evidence form sent back)."""
    data = load_task_page(current_user, task_id, page_number(request.args.get("journal_page")))
    evidence = files_of_task(current_user, data.plan, data.detail.access, data.row.task)
    page = render_template(
        "gpect_workflow/tasks/show.html",
        page=data,
        plan=data.plan,
        row=data.row,
        task=data.row.task,
        form=form,
        form_for=form_lookup(form),
        pt=plan_texts,
        return_to="task",
        journal_url=lambda number: url_for("gpect.task_page", task_id=task_id, journal_page=number, _anchor="journal"),
        evidence=evidence,
        **extra,
        delay=delay_panel(current_user, data.plan, data.row.task, data.detail.access),
        refusal_text=refusal_text,
        discussion=task_discussion(
            current_user, data.row.task, data.detail.access, data.definition, data.detail.stages, comment_form
        ),
    )
    return page, status


@signed_in(back_to="gpect.task_page")
def change_status(task_id: int) -> Any:
    """Move the task to another status, with a note (start, finish, block, skip, reopen)."""
    values = form_values("status", "note", "expected_version", "override_dependencies")
    form = FormState("status", task_id, values, note_errors(values))
    target = _task_status(values["status"])
    if target is None:
        form.errors["status"] = [gettext("Choose a status from the list.")]
    if form.errors:
        return _input_errors(form, anyone_working_on_it=True)
    try:
        change_task_status(
            current_user,
            task_id,
            target,  # type: ignore[arg-type]
            note=values["note"] or None,
            expected_version=version(values),
            override_dependencies=values["override_dependencies"] == "yes",
        )
    except (ValidationError, StaleObject, InvalidTransition) as error:
        return _refused(form, error)
    message = gettext("The task is now “%(status)s”.", status=label("task_status", target))
    return _done(task_id, message)


@signed_in(back_to="gpect.task_page")
def reassign(task_id: int) -> Any:
    """Give the task to another member of its role (the lead)."""
    values = form_values("assignee_id", "expected_version")
    form = FormState("assignee", task_id, values)
    assignee_id = as_id(values["assignee_id"])
    if assignee_id is None:
        form.errors["assignee_id"] = [gettext("Choose a person from the list.")]
        return _input_errors(form)
    try:
        task = reassign_task(current_user, task_id, assignee_id, expected_version=version(values))
    except (ValidationError, StaleObject, InvalidTransition) as error:
        return _refused(form, error)
    name = task.assignee.name if task.assignee else ""
    return _done(task_id, gettext("The task is now assigned to %(name)s.", name=name))


@signed_in(back_to="gpect.task_page")
def deadline(task_id: int) -> Any:
    """Preview a deadline move (every deadline it shifts, old → new), then, once confirmed, make it."""
    values = form_values("due_date", "note", "expected_version", "step")
    form = FormState("deadline", task_id, values, note_errors(values))
    new_due = parse_day(values["due_date"])
    if new_due is None:
        form.errors["due_date"] = [gettext("Give a date, for example 31/03/2027.")]
    if form.errors:
        return _input_errors(form)
    assert new_due is not None
    if values["step"] != "confirm":
        return _preview(form, new_due)
    try:
        move = reschedule(current_user, task_id, new_due, note=values["note"] or None, expected_version=version(values))
    except (ValidationError, StaleObject, InvalidTransition) as error:
        return _refused(form, error)
    others = len(move.shifts) - 1
    message = gettext("The deadline is now %(date)s.", date=short_date(new_due))
    if others:
        message += " " + ngettext(
            "%(num)s dependent task moved with it.", "%(num)s dependent tasks moved with it.", others
        )
    for line in stage_lines(plan_of_task(task_id), move.stages):
        if line.change.extended_by:
            message += " " + gettext(
                "The stage “%(stage)s” now ends on %(date)s.",
                stage=localized(line.title),
                date=short_date(line.change.new_end),
            )
    return _done(task_id, message)


def _preview(form: FormState, new_due: date) -> Any:
    """Show what the move would change; nothing is written (the plan's lock ends with the request)."""
    assert form.task_id is not None
    try:
        form.preview = preview_move(current_user, form.task_id, new_due, version(form.values))
    except (ValidationError, StaleObject, InvalidTransition) as error:
        return _refused(form, error)
    return _back(form, 200)


def parse_day(value: str) -> date | None:
    """A day typed as 2027-03-31 (what date fields send) or 31/03/2027 (what people type)."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def _task_status(value: str) -> TaskStatus | None:
    try:
        return TaskStatus(value)
    except ValueError:
        return None


def _input_errors(form: FormState, anyone_working_on_it: bool = False) -> tuple[str, int]:
    """The form again with its errors (422), for someone who may use it; a 403 for anyone else.

    The services were not asked (the input is unusable), so the page applies their rule: the lead, or
    for a status change also the person working on the task.
    """
    assert form.task_id is not None
    data = load_task_page(current_user, form.task_id)
    access = data.detail.access
    allowed = access.can_manage or (anyone_working_on_it and is_worker(current_user, data.row.task, access))
    require(allowed, Refusal.WORKERS_CHANGE_TASKS)
    return _back(form, 422)


def _refused(form: FormState, error: Exception) -> Any:
    """The form again once the refused change is rolled back: 422 for input, 409 for a change meanwhile or
    the state."""
    return after_rollback(lambda: _refusal_page(form, error))


def _refusal_page(form: FormState, error: Exception) -> tuple[str, int]:
    assert form.task_id is not None
    if isinstance(error, ValidationError):
        messages = _FIELD_MESSAGES[form.action]
        for name, problems in error_fields(error).items():
            known = messages.get(name)
            if known:
                form.errors[name] = [gettext(known)]
            elif name in form.values:  # a rule's message (the date rule's, say) beside the field it is about
                form.errors[name] = problems
            else:
                form.errors["_form"] = problems
        return _back(form, 422)
    if isinstance(error, StaleObject):
        form.message = stale_message(plan_of_task(form.task_id), form.task_id)
    else:
        form.message = refusal_text(error)  # type: ignore[arg-type]
    return _back(form, 409)


def _back(form: FormState, status: int) -> tuple[str, int]:
    """The page the form was sent from, the form filled in as the person left it."""
    assert form.task_id is not None
    if request.form.get("return_to") == "plan":
        return render_plan(plan_of_task(form.task_id), form, status)
    return render_task(form.task_id, form, status)


def _done(task_id: int, message: str) -> Response:
    """Say what was done, and go back to the page the form was sent from (Post/Redirect/Get)."""
    flash(message)
    if request.form.get("return_to") == "plan":
        target = url_for("gpect.plan_page", plan_id=plan_of_task(task_id), _anchor=f"task-{task_id}")
    else:
        target = url_for("gpect.task_page", task_id=task_id)
    return redirect(target)
