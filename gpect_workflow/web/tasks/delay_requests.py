"""Delay requests on the task page: a partner asks for a new deadline with a reason (or withdraws the
request); the lead, who sees what accepting would shift, accepts or refuses with a reason.

Plain POST forms, one transaction each, checked by the services; a refused form comes back on the task
page filled in as the person left it (422 for input, 409 for a refusal in the current state). The plan
page and the dashboard list pending requests and link here.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from ...errors import GpectError, InvalidTransition, StaleObject, ValidationError
from ...refusals import DATE_NEEDED, Refusal
from ...services.tasks.delay_requests import (
    accept_delay_request,
    ask_for_delay,
    get_delay_request,
    refuse_delay_request,
    withdraw_delay_request,
)
from ...services.unit_of_work import after_rollback
from ..auth import signed_in
from ..i18n import short_date
from ..plans.forms import FormState, form_values
from ..refusals import error_fields, refusal_text
from .page import parse_day, render_task


def register(blueprint: Blueprint) -> None:
    """Add the delay request actions to the UI blueprint."""
    blueprint.add_url_rule("/tasks/<id:task_id>/delay-requests", "delay_ask", view_func=ask, methods=["POST"])
    for action, view in (("withdraw", withdraw), ("accept", accept), ("refuse", refuse)):
        blueprint.add_url_rule(
            f"/delay-requests/<id:request_id>/{action}", f"delay_{action}", view_func=view, methods=["POST"]
        )


@signed_in(back_to="gpect.task_page")
def ask(task_id: int) -> Any:
    """Ask the lead for a new deadline, with the reason."""
    values = form_values("due_date", "reason")
    form = FormState("delay_ask", task_id, values)
    day = parse_day(values["due_date"]) if "\x00" not in values["due_date"] else None
    try:
        if day is None:
            raise ValidationError(Refusal.INVALID_INPUT, {"due_date": [DATE_NEEDED]})
        ask_for_delay(current_user, task_id, day, values["reason"])
    except (ValidationError, InvalidTransition, StaleObject) as error:
        return _refused(form, error)
    return _done(task_id, gettext("Your request was sent to the project lead."))


@signed_in(back_to="gpect.dashboard")
def withdraw(request_id: int) -> Any:
    """Take back one's own request while it waits."""
    task_id = get_delay_request(current_user, request_id).task_id
    try:
        withdraw_delay_request(current_user, request_id)
    except (ValidationError, InvalidTransition, StaleObject) as error:
        return _refused(FormState("delay_withdraw", task_id), error)
    return _done(task_id, gettext("Your delay request was withdrawn."))


@signed_in(back_to="gpect.dashboard")
def accept(request_id: int) -> Any:
    """Accept the request: the deadline moves to the date asked, dependents follow, the requester is told."""
    task_id = get_delay_request(current_user, request_id).task_id
    values = form_values("note")
    try:
        move = accept_delay_request(current_user, request_id, values["note"] or None)
    except (ValidationError, InvalidTransition, StaleObject) as error:
        return _refused(FormState("delay_answer", task_id, values), error)
    message = gettext("Request accepted: the deadline is now %(date)s.", date=short_date(move.shifts[0].new))
    others = len(move.shifts) - 1
    if others:
        message += " " + ngettext(
            "%(num)s dependent task moved with it.", "%(num)s dependent tasks moved with it.", others
        )
    return _done(task_id, message)


@signed_in(back_to="gpect.dashboard")
def refuse(request_id: int) -> Any:
    """Refuse the request with a reason the requester reads; the deadline stays."""
    task_id = get_delay_request(current_user, request_id).task_id
    values = form_values("reason")
    try:
        refuse_delay_request(current_user, request_id, values["reason"])
    except (ValidationError, InvalidTransition, StaleObject) as error:
        return _refused(FormState("delay_answer", task_id, values), error)
    return _done(task_id, gettext("Request refused: the requester is told why."))


def _refused(form: FormState, error: GpectError) -> Any:
    """The task page again once the refused change is rolled back: 422 for input, 409 otherwise."""

    def page() -> tuple[str, int]:
        assert form.task_id is not None
        if isinstance(error, ValidationError):
            form.errors.update(error_fields(error))
            return render_task(form.task_id, form, 422)
        form.message = refusal_text(error)
        return render_task(form.task_id, form, 409)

    return after_rollback(page)


def _done(task_id: int, message: str) -> Response:
    flash(message)
    return redirect(url_for("gpect.task_page", task_id=task_id, _anchor="delay-requests"))
