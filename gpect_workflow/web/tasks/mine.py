"""My tasks: everything I have to do, by urgency, with the usual status changes one click away.

Each row carries small forms (start, mark done, blocked with its reason) offering only the changes the
engine allows me from the task's status. A change goes through ``change_task_status`` like everywhere
else; a refused change is rolled back and the page shown again with the error, the typed reason kept.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ...errors import InvalidTransition, StaleObject, ValidationError
from ...models import TaskStatus
from ...services.definitions import definitions_for
from ...services.paging import page_number
from ...services.tasks.changes import change_task_status
from ...services.tasks.mine import HORIZON_DAYS, QUICK_TARGETS, RECENT_DAYS, Urgency
from ...services.tasks.mine import my_tasks as load_my_tasks
from ...services.unit_of_work import after_rollback
from ...vocabulary import N_
from .. import lists
from ..auth import signed_in
from ..inputs import as_id
from ..labels import label, translated
from ..plans.forms import note_message
from ..refusals import refusal_text

_STALE = N_(
    "Someone changed this task since you opened the page: nothing was saved. Here is its current state; "
    "try again if the change is still needed."
)
_REASON_NEEDED = N_("Say why the task is blocked: the project lead will read it.")
_CHANGED = N_("“%(task)s” is now %(status)s.")
_REASON = N_("Reason")


def register(blueprint: Blueprint) -> None:
    """Add the "my tasks" page and its one-click status changes to the UI blueprint."""
    blueprint.add_url_rule("/my-tasks", view_func=my_tasks)
    blueprint.add_url_rule("/my-tasks/<id:task_id>/status", view_func=change_my_task_status, methods=["POST"])


@signed_in
def my_tasks() -> Any:
    """My open tasks (overdue, due soon, later) and those finished lately, a page of each list at a time
    (``?overdue_page=2``, ``?soon_page=``, ``?later_page=``, ``?finished_page=``)."""
    return _page()


@signed_in(back_to="gpect.my_tasks")
def change_my_task_status(task_id: int) -> Any:
    """Start, finish or block one of my tasks, then come back to the list."""
    target = _target(request.form.get("status") or "")
    note = (request.form.get("note") or "").strip() or None
    version = as_id(request.form.get("version"))
    too_long = note_message(note or "")
    if too_long:
        return _refused(task_id, note, too_long, 422)
    try:
        task = change_task_status(current_user, task_id, target, note=note, expected_version=version)
    except ValidationError:
        return _refused(task_id, note, gettext(_REASON_NEEDED), 422)
    except StaleObject:
        return _refused(task_id, note, gettext(_STALE), 409)
    except InvalidTransition as error:
        return _refused(task_id, note, refusal_text(error), 409)
    plan = task.plan
    title = lists.Titles(definitions_for([plan])).task(plan, task)
    flash(gettext(_CHANGED, task=title, status=label("task_status", target)))
    back: dict[str, Any] = dict(_pages_asked())  # the same page of each list
    return redirect(url_for("gpect.my_tasks", **back))


def _target(value: str) -> TaskStatus:
    try:
        target = TaskStatus(value)
    except ValueError:
        abort(400)
    if target not in QUICK_TARGETS:
        abort(400)
    return target


def _refused(task_id: int, note: str | None, message: str, status: int) -> Any:
    """Nothing was changed: show the list again, fresh once the refused change is rolled back, with the
    error and what the person typed."""

    def page() -> tuple[str, int]:
        flash(message, "error")
        return _page({task_id: note or ""}, status)

    return after_rollback(page)


def _pages_asked() -> dict[str, int]:
    """The page of each list the address asks for (``?later_page=3``), read by ``page_number``; a list not
    named is on its first page."""
    asked = {f"{urgency.value}_page": request.args.get(f"{urgency.value}_page") for urgency in Urgency}
    return {name: page_number(value) for name, value in asked.items() if value is not None}


def _page(kept: dict[int, str] | None = None, status: int = 200) -> tuple[str, int]:
    keep = _pages_asked()
    pages = {urgency: keep.get(f"{urgency.value}_page", 1) for urgency in Urgency}
    tasks = load_my_tasks(current_user, pages, current_app.config["PAGE_SIZE"])
    action_labels = {target: gettext(text) for target, text in lists.TASK_ACTIONS.items()}
    page = render_template(
        "gpect_workflow/tasks/mine.html",
        tasks=tasks,
        titles=lists.Titles(tasks.definitions),
        kept=kept or {},
        keep=keep,
        horizon=HORIZON_DAYS,
        recent=RECENT_DAYS,
        status_labels=translated("task_status"),
        action_labels={**action_labels, "reason": gettext(_REASON)},
        csrf=generate_csrf(),
    )
    return page, status
