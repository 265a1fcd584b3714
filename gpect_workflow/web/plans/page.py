"""The plan page: header, stage timeline, tasks by stage, indicators and journal; open, hold, resume, cancel.

Actions are plain POST forms, one transaction each, checked by the services. A form carries the
version of the plan or task the person saw; when someone changed it meanwhile the page comes back
with 409, says who changed what and when, and keeps what the person typed. Input errors come back
with 422, next to their field. The task forms of this page post to the task page's actions, which
come back here when asked to (``return_to=plan``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ...errors import InvalidTransition, StaleObject
from ...refusals import Refusal
from ...services.access import require
from ...services.paging import page_number
from ...services.plans.burnup import plan_burnup
from ...services.plans.detail import check_visible
from ...services.plans.lifecycle import cancel_plan, hold_plan, resume_plan
from ...services.plans.opening import open_plan_now, opens_at
from ...services.plans.page import plan_page as load_plan_page
from ...services.tasks.delay_requests import plan_delay_requests
from ...services.unit_of_work import after_rollback
from ...vocabulary import N_
from ..auth import signed_in
from ..charts import burnup_svg, indicator_svg
from ..refusals import refusal_text
from . import texts as plan_texts
from .forms import FormState, form_lookup, form_values, note_errors, stale_message, version


def register(blueprint: Blueprint) -> None:
    """Add the plan page and the plan's actions to the UI blueprint."""
    blueprint.add_url_rule("/plans/<id:plan_id>", view_func=plan_page)
    blueprint.add_url_rule("/plans/<id:plan_id>/open", "plan_open", view_func=open_now, methods=["POST"])
    blueprint.add_url_rule("/plans/<id:plan_id>/hold", "plan_hold", view_func=hold, methods=["POST"])
    blueprint.add_url_rule("/plans/<id:plan_id>/resume", "plan_resume", view_func=resume, methods=["POST"])
    blueprint.add_url_rule("/plans/<id:plan_id>/cancel", "plan_cancel", view_func=cancel, methods=["POST"])


@signed_in
def plan_page(plan_id: int) -> Any:
    """A plan as the reader may see it, with the actions they may take (404 for someone who may not see it)."""
    return render_plan(plan_id)


def render_plan(plan_id: int, form: FormState | None = None, status: int = 200) -> tuple[str, int]:
    """The plan page, with ``form`` sent back filled in when an action needs the person again."""
    data = load_plan_page(current_user, plan_id, _journal_page())
    page = render_template(
        "gpect_workflow/plans/show.html",
        page=data,
        plan=data.plan,
        form=form,
        form_for=form_lookup(form),
        pt=plan_texts,
        return_to="plan",
        journal_url=lambda number: url_for("gpect.plan_page", plan_id=plan_id, journal_page=number, _anchor="journal"),
        gate_review="gpect.review_page" in current_app.view_functions,  # a host may leave that page out
        burnup=burnup_svg(plan_burnup(data.plan, total=data.detail.progress.total), chart_id=f"burnup-{plan_id}"),
        indicator_svg=indicator_svg,
        opens_at=opens_at(data.plan),
        delays=plan_delay_requests(current_user, data.plan, access=data.detail.access)
        if data.detail.access.can_manage
        else None,
        delays_show_plan=False,
    )
    return page, status


@signed_in(back_to="gpect.plan_page")
def open_now(plan_id: int) -> Any:
    """Open a scheduled plan before its start date (the lead): its first stage starts, its partners are told."""
    return _plan_action(plan_id, "open")


@signed_in(back_to="gpect.plan_page")
def hold(plan_id: int) -> Any:
    """Put the plan on hold (the lead): no task or stage changes until it resumes."""
    return _plan_action(plan_id, "hold")


@signed_in(back_to="gpect.plan_page")
def resume(plan_id: int) -> Any:
    """Resume a plan on hold, moving open deadlines by the time spent on hold if the lead asks."""
    return _plan_action(plan_id, "resume")


@signed_in(back_to="gpect.plan_page")
def cancel(plan_id: int) -> Any:
    """Cancel the plan for good, after a confirmation; its history stays."""
    return _plan_action(plan_id, "cancel")


_DONE = {
    "open": N_("The plan is open: its first stage has started and its partners are told."),
    "hold": N_("The plan is on hold: reminders stop until it resumes."),
    "resume": N_("The plan has resumed."),
    "cancel": N_("The plan is cancelled. Its history stays available."),
}


def _plan_action(plan_id: int, action: str) -> Any:
    values = form_values("note", "expected_version", "shift_deadlines", "confirm")
    errors = note_errors(values)
    needs_confirmation = action == "cancel" and values["confirm"] != "yes"
    if errors or needs_confirmation:
        return _back_before_service(plan_id, FormState(action, None, values, errors, confirm=not errors))
    note, expected = values["note"] or None, version(values)
    check_visible(current_user, plan_id)
    try:
        if action == "open":
            open_plan_now(current_user, plan_id, expected_version=expected)
        elif action == "hold":
            hold_plan(current_user, plan_id, note, expected_version=expected)
        elif action == "resume":
            resume_plan(
                current_user,
                plan_id,
                shift_deadlines=values["shift_deadlines"] == "yes",
                note=note,
                expected_version=expected,
            )
        else:
            cancel_plan(current_user, plan_id, note, expected_version=expected)
    except StaleObject:
        return after_rollback(lambda: _changed_meanwhile(plan_id, action, values))
    except InvalidTransition as error:
        refused = FormState(action, None, values, message=refusal_text(error))
        return after_rollback(lambda: render_plan(plan_id, refused, 409))
    flash(gettext(_DONE[action]))
    return redirect(url_for("gpect.plan_page", plan_id=plan_id))


def _changed_meanwhile(plan_id: int, action: str, values: dict[str, str]) -> tuple[str, int]:
    """The form again, drawn once the refused change is rolled back, saying who changed the plan meanwhile."""
    return render_plan(plan_id, FormState(action, None, values, message=stale_message(plan_id)), 409)


def _back_before_service(plan_id: int, form: FormState) -> tuple[str, int]:
    """The page again before the service was asked: input errors (422), or the cancellation to confirm.

    Only to the plan's managers: anyone else gets the 403 the service would have answered.
    """
    data = load_plan_page(current_user, plan_id, 1)
    require(data.detail.access.can_manage, Refusal.LEAD_HOLDS_PLANS)
    if form.confirm and not data.actions.can_cancel:
        message = gettext("The plan cannot make this change from its current status.")
        return render_plan(plan_id, FormState(form.action, None, form.values, message=message), 409)
    return render_plan(plan_id, form, 422 if form.errors else 200)


def _journal_page() -> int:
    return page_number(request.args.get("journal_page"))
