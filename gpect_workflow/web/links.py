"""Pages behind the signed links in emails: open a task, mark it done, ask for more time, go digest-only,
sign in, choose a new password, review a gate awaiting the committee (the review page, behind sign-in).

A link is a capability for one person: no login is needed. Reading a state-changing link shows a
confirmation page; only the confirmation (a POST carrying the token) acts, once. Every change goes
through the same services as the rest of the product and is journaled as the link's recipient.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from ..errors import GpectError, InvalidTransition, ValidationError
from ..formats import long_date
from ..models import FINISHED_TASK_STATUSES, Person, ReminderMode, TaskStatus
from ..notifications.links import LinkClaim, LinkError, consume, link_url, read_token
from ..notifications.views import linked_task
from ..refusals import DATE_NEEDED, Refusal
from ..services.accounts.password_change import reset_password
from ..services.accounts.preferences import set_reminder_mode
from ..services.partners.people import active_person
from ..services.tasks.changes import change_task_status
from ..services.tasks.delay_requests import ask_for_delay, delay_window, pending_request
from ..services.unit_of_work import after_commit, after_rollback
from ..validation import check_note
from .auth import login_from_link
from .i18n import force_locale, page_language
from .refusals import error_fields, refusal_text
from .tasks.page import parse_day
from .texts import link_texts

ERROR_STATUS = {"tampered": 400, "expired": 410, "used": 409}


def register(blueprint: Blueprint) -> None:
    """Add the link pages to the UI blueprint."""
    blueprint.add_url_rule("/links/<purpose>/<token>", view_func=link_page, methods=["GET", "POST"])


def link_page(purpose: str, token: str) -> Any:
    """Show what the link does (GET) or do it (POST)."""
    try:
        claim = read_token(purpose, token)
    except LinkError as error:
        return _error_page(error.reason, None)
    person = active_person(claim.person_id)
    if person is None:
        return _error_page("tampered", None)
    if claim.purpose == "review_gate":  # the review page itself asks whoever is not signed in to sign in
        return redirect(url_for("gpect.review_page", stage_id=claim.stage_id or 0))
    with force_locale(person.language.value):  # the page speaks the language the email was written in
        if request.method == "POST" and purpose != "open_task":
            return _act(claim, person, token)
        return _show(claim, person, token)


def _show(claim: LinkClaim, person: Person, token: str) -> str:
    context = _task_context(claim, person)
    if claim.purpose == "open_task" and context.get("task") is not None:
        context["done_url"] = link_url("mark_done", person.id, claim.task_id)
        context["more_time_url"] = link_url("more_time", person.id, claim.task_id)
    return render_template(
        "gpect_workflow/links/page.html",
        purpose=claim.purpose,
        token=token,
        person=person,
        **context,
    )


def _act(claim: LinkClaim, person: Person, token: str) -> Any:
    if claim.purpose == "login":
        return _sign_in(claim, person)
    if claim.purpose == "reset_password":
        return _reset_password(claim, person, token)
    try:
        check_note(_note())
    except ValidationError as too_long:
        return _show_with_error(claim, person, token, too_long, 422)
    try:
        consume(claim)
        outcome = _perform(claim, person)
    except LinkError as error:
        reason = error.reason
        return after_rollback(lambda: _error_page(reason, person))
    except GpectError as error:
        refused, status = error, 422 if isinstance(error, ValidationError) else 409
        return after_rollback(lambda: _show_with_error(claim, person, token, refused, status))
    return render_template(
        "gpect_workflow/links/done.html",
        outcome=outcome,
        person=person,
        **_task_context(claim, person),
    )


def _sign_in(claim: LinkClaim, person: Person) -> Any:
    try:
        consume(claim)
    except LinkError as error:
        reason = error.reason
        return after_rollback(lambda: _error_page(reason, person))
    after_commit(lambda: login_from_link(person))  # signed in once the link is recorded as used
    return redirect(url_for("gpect.dashboard"))


def _reset_password(claim: LinkClaim, person: Person, token: str) -> Any:
    """The new password from a reset link: the link used up and every session ended, or the form again."""
    new, repeated = (request.form.get(name) or "" for name in ("new_password", "new_password_again"))
    try:
        consume(claim)
        reset_password(person, new, repeated)
    except LinkError as error:
        reason = error.reason
        return after_rollback(lambda: _error_page(reason, person))
    except ValidationError as error:
        refused = error
        return after_rollback(lambda: _show_with_error(claim, person, token, refused, 422))
    return redirect(url_for("gpect.login", reset="done"))


def _perform(claim: LinkClaim, person: Person) -> str:
    if claim.purpose == "mark_done":
        assert claim.task_id is not None
        change_task_status(person, claim.task_id, TaskStatus.DONE, note=_note() or None)
        return "marked_done"
    if claim.purpose == "more_time":
        assert claim.task_id is not None
        ask_for_delay(person, claim.task_id, _day(request.form.get("due_date")), request.form.get("reason") or "")
        return "more_time_requested"
    set_reminder_mode(person, person.id, ReminderMode.DAILY)
    return "digest_only"


def _day(typed: str | None) -> date:
    """The date a delay request asks for, or ``ValidationError`` when it is not one."""
    day = parse_day((typed or "").strip()) if "\x00" not in (typed or "") else None
    if day is None:
        raise ValidationError(Refusal.INVALID_INPUT, {"due_date": [DATE_NEEDED]})
    return day


def _note() -> str:
    return (request.form.get("note") or "").strip()


def _show_with_error(
    claim: LinkClaim, person: Person, token: str, error: GpectError, status: int = 409
) -> tuple[str, int]:
    """The link's page again with why it could not act, in the recipient's language: the refused fields'
    messages, or the refusal told by its code."""
    with force_locale(person.language.value):  # also when drawn after the unit of work's rollback
        fields = error_fields(error) if isinstance(error, ValidationError) else {}
        message = " ".join(m for messages in fields.values() for m in messages) or refusal_text(error)
        page = render_template(
            "gpect_workflow/links/page.html",
            purpose=claim.purpose,
            token=token,
            person=person,
            error=message,
            typed=request.form,
            **_task_context(claim, person),
        )
    return page, status


def _task_context(claim: LinkClaim, person: Person) -> dict[str, Any]:
    language = person.language.value
    context: dict[str, Any] = {"t": link_texts(), "long_date": lambda day: long_date(day, language)}
    if claim.task_id is None:
        return context
    found = linked_task(claim.task_id, language)
    if found is not None:
        view, task, plan = found
        context.update(task=view, task_row=task, plan=plan)
        if claim.purpose == "more_time":
            context.update(_delay_context(task))
    return context


def _delay_context(task: Any) -> dict[str, Any]:
    """What the "more time" page says instead of its form: the task is finished, or a request waits."""
    if task.status in FINISHED_TASK_STATUSES:
        return {"closed": refusal_text(InvalidTransition(Refusal.FINISHED_TASK_NEEDS_NO_TIME))}
    waiting = pending_request(task.id)
    if waiting is not None:
        return {"closed": refusal_text(InvalidTransition(Refusal.DELAY_ALREADY_PENDING)), "waiting": waiting}
    first, last = delay_window(task.plan, task)
    return {"delay_first": first, "delay_last": last}


def _error_page(reason: str, person: Person | None) -> tuple[str, int]:
    with force_locale(person.language.value if person else page_language()):
        page = render_template("gpect_workflow/links/error.html", reason=reason, t=link_texts())
    return page, ERROR_STATUS[reason]
