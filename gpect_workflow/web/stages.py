"""The gate review page: the evidence of a stage, and the steering committee's decision.

A committee member reads the stage's tasks with their notes and links, the indicators as they stand
and the earlier decisions, then approves, asks for rework of chosen tasks, or puts the plan on hold,
with minutes. The decision is one transaction; the lead and the assignees hear of it by email
through the outbox (``notifications.notices``).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from markupsafe import Markup, escape

from ..errors import InvalidTransition, ValidationError
from ..models import Decision, TaskStatus
from ..services.stages.gate_review import GateReview, gate_review
from ..services.stages.progression import decide_gate
from ..services.unit_of_work import after_rollback
from ..validation import MINUTES_MAX_LENGTH
from .auth import signed_in
from .charts import indicator_title

URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")
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
    form = {"decision": chosen, "minutes": minutes, "reopen": reopen_keys}
    errors: dict[str, list[str]] = {}
    try:
        decision = Decision(chosen)
    except ValueError:
        errors["decision"] = [gettext("Choose a decision.")]
    if len(minutes) > MINUTES_MAX_LENGTH:
        errors["minutes"] = [gettext("At most %(limit)s characters.", limit=MINUTES_MAX_LENGTH)]
    if errors:
        return _page(review, 422, form=form, errors=errors)
    reopen = reopen_keys if decision is Decision.REWORK else []
    try:
        decide_gate(current_user, stage_id, decision, minutes=minutes or None, reopen=reopen)
    except ValidationError:  # the engine only refuses the choice of tasks to rework
        errors["reopen"] = [gettext("Choose at least one task of this stage to rework.")]
        return after_rollback(lambda: _page(gate_review(current_user, stage_id), 422, form=form, errors=errors))
    except InvalidTransition:
        return after_rollback(lambda: _page(gate_review(current_user, stage_id), 409, form=form, conflict=True))
    flash(_decided_message(decision), "success")
    return redirect(url_for("gpect.plan_page", plan_id=review.plan.id))


def _decided_message(decision: Decision) -> str:
    if decision is Decision.APPROVE:
        return gettext("The stage is approved; the lead and the partners are told by email.")
    if decision is Decision.REWORK:
        return gettext("Rework is requested; the tasks are reopened and their partners told by email.")
    return gettext("The plan is on hold; the lead and the partners are told by email.")


def _page(review: GateReview, status: int = 200, **context: Any) -> tuple[str, int]:
    page = render_template(
        "gpect_workflow/committee/gate_review.html",
        review=review,
        finished=FINISHED,
        linkify=linkify,
        indicator_title=indicator_title,
        decisions=[decision.value for decision in Decision],
        form=context.pop("form", {"decision": "", "minutes": "", "reopen": []}),
        errors=context.pop("errors", {}),
        **context,
    )
    return page, status


def linkify(text: str) -> Markup:
    """Escape a note and turn the web addresses in it into links (documents partners point to)."""
    parts: list[str] = []
    position = 0
    for match in URL.finditer(text):
        parts.append(str(escape(text[position : match.start()])))
        url = escape(match.group(0))
        parts.append(f'<a href="{url}" rel="noopener noreferrer nofollow" target="_blank">{url}</a>')
        position = match.end()
    parts.append(str(escape(text[position:])))
    return Markup("".join(parts).replace("\n", Markup("<br>")))
