"""The gate review page: the evidence of a stage, and the steering committee's decision.

A committee member reads the stage's tasks with their notes and links, the indicators as they stand
and the earlier decisions, then approves, asks for rework of chosen tasks, or puts the plan on hold,
with minutes. The decision is one transaction; the lead and the assignees hear of it by email
through the outbox (``notifications.notices``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ..errors import InvalidTransition, ValidationError
from ..models import Decision, TaskStatus
from ..services.evidence.files import files_of_stage
from ..services.stages.gate_review import GateReview, gate_review
from ..services.stages.progression import decide_gate
from ..services.unit_of_work import after_rollback
from ..validation import MINUTES_MAX_LENGTH
from .auth import signed_in
from .charts import indicator_title
from .comments.thread import CommentForm, gate_discussion
from .linkify import linkify
from .refusals import error_fields

FINISHED = (TaskStatus.DONE, TaskStatus.SKIPPED)


def register(blueprint: Blueprint) -> None:
    """Add the gate review page to the UI blueprint."""
    blueprint.add_url_rule("/stages/<id:stage_id>/review", view_func=review_page)
    blueprint.add_url_rule("/stages/<id:stage_id>/decision", view_func=decide, methods=["POST"])


@signed_in
def review_page(stage_id: int) -> Any:
    """The evidence of the stage's gate and, for committee members when it awaits them, the decision form."""
    return _page(gate_review(current_user, stage_id))


@signed_in
def decide(stage_id: int) -> Any:
    """Record the committee's decision; problems re-show the page with the member's input kept."""
    review = gate_review(current_user, stage_id)  # NotFound for people who may not see the plan
    chosen = request.form.get("decision", "")
    minutes = (request.form.get("minutes") or "").strip()
    reopen_keys = request.form.getlist("reopen")
    typed = {key: (request.form.get(f"due_date.{key}") or "").strip() for key in review.rework_dates}
    form = {"decision": chosen, "minutes": minutes, "reopen": reopen_keys, "due_dates": typed}
    errors: dict[str, list[str]] = {}
    if chosen not in set(Decision):
        errors["decision"] = [gettext("Choose a decision.")]
    if len(minutes) > MINUTES_MAX_LENGTH:
        errors["minutes"] = [gettext("At most %(limit)s characters.", limit=MINUTES_MAX_LENGTH)]
    reopen = reopen_keys if chosen == Decision.REWORK else []
    due_dates = _due_dates({key: typed[key] for key in reopen if typed.get(key)}, errors)
    if errors:
        return _page(review, 422, form=form, errors=errors)
    decision = Decision(chosen)
    try:
        decide_gate(current_user, stage_id, decision, minutes=minutes or None, reopen=reopen, due_dates=due_dates)
    except ValidationError as error:  # the tasks chosen for rework, or their new dates
        refused = error_fields(error)
        return after_rollback(lambda: _page(gate_review(current_user, stage_id), 422, form=form, errors=refused))
    except InvalidTransition:
        return after_rollback(lambda: _page(gate_review(current_user, stage_id), 409, form=form, conflict=True))
    flash(_decided_message(decision), "success")
    return redirect(url_for("gpect.plan_page", plan_id=review.plan.id))


def _due_dates(typed: dict[str, str], errors: dict[str, list[str]]) -> dict[str, date]:
    """The new due dates typed for the reopened tasks; one that is not a date is refused beside its field."""
    dates: dict[str, date] = {}
    for key, value in typed.items():
        try:
            dates[key] = date.fromisoformat(value)
        except ValueError:
            errors[f"due_dates.{key}"] = [gettext("Enter the date as a date, for example 2027-01-04.")]
    return dates


def _decided_message(decision: Decision) -> str:
    if decision is Decision.APPROVE:
        return gettext("The stage is approved; the lead and the partners are told by email.")
    if decision is Decision.REWORK:
        return gettext("Rework is requested; the tasks are reopened and their partners told by email.")
    return gettext("The plan is on hold; the lead and the partners are told by email.")


def render_gate_review(stage_id: int, status: int = 200, **context: Any) -> tuple[str, int]:
    """The gate review page for the current person, with ``context`` (a form sent back) and ``status``."""
    return _page(gate_review(current_user, stage_id), status, **context)


def _page(review: GateReview, status: int = 200, **context: Any) -> tuple[str, int]:
    page = render_template(
        "gpect_workflow/committee/gate_review.html",
        review=review,
        evidence=files_of_stage(current_user, review.plan, review.access, review.stage),
        finished=FINISHED,
        linkify=linkify,
        indicator_title=indicator_title,
        decisions=[decision.value for decision in Decision],
        form=context.pop("form", {"decision": "", "minutes": "", "reopen": [], "due_dates": {}}),
        errors=context.pop("errors", {}),
        discussion=gate_discussion(
            current_user, review.stage, review.access, review.definition, context.pop("comment_form", None)
        ),
        **context,
    )
    return page, status


def render_review(review: GateReview, status: int = 200, comment_form: CommentForm | None = None) -> tuple[str, int]:
    """The gate review page drawn again with the comment form as the person left it (``web.comments``)."""
    return _page(review, status, comment_form=comment_form)
