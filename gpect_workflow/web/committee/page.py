"""The steering committee's view across the plans a member oversees, and its review reports.

Per plan: the levers with their status and progress, gates awaiting a decision, overdue tasks by
partner organisation, indicators against targets, and charts; filtered by territory, approach and
status, a page at a time. The same filters give the committee's CSV and PDF reports.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user

from ...models import PlanStatus
from ...services.committee.health import OffTrackKind, OffTrackReason, PlanHealth, plans_health
from ...services.committee.oversight import overseen_page, overseen_plans
from ...services.committee.reports import plan_reviews
from ...services.definitions import get_definition, latest_definitions
from ...services.indicators.measurements import indicators_of_plans
from ...services.paging import page_number
from ...services.partners.directory import list_territories
from ...services.plans.burnup import plans_burnup
from ...services.plans.listing import PlanFilters
from ..auth import signed_in
from ..charts import burnup_svg, indicator_svg
from ..i18n import current_language, localized
from ..inputs import as_id
from ..labels import translated
from .reports import csv_response, pdf_response, render_review, review_rows

#: A committee report covers at most this many plans (a territory's committee oversees a handful).
REPORT_LIMIT = 200


def register(blueprint: Blueprint) -> None:
    """Add the committee view and its reports to the UI blueprint."""
    blueprint.add_url_rule("/committee", view_func=committee)
    blueprint.add_url_rule("/committee/report", view_func=committee_report_page)
    blueprint.add_url_rule("/committee/report.csv", view_func=committee_report_csv)
    blueprint.add_url_rule("/committee/report.pdf", view_func=committee_report_pdf)


@signed_in
def committee() -> Any:
    """The plans the person oversees, each with its levers, gates, late partners and indicators.

    Sitting on a committee comes from a plan's roles, not from the account's kind: anyone signed in may
    open the page, and it lists exactly the plans ``services.committee.oversight`` says they oversee (often none).
    """
    person = current_user
    filters, chosen = _filters()
    found = overseen_page(person, filters, page_number(request.args.get("page")), current_app.config["PAGE_SIZE"])
    plans = found.items
    indicators = indicators_of_plans([plan.id for plan in plans])
    health = plans_health(plans, indicators)
    burnups = plans_burnup(plans, totals={plan.id: health[plan.id].progress.total for plan in plans})
    return render_template(
        "gpect_workflow/committee/index.html",
        plans=plans,
        health=health,
        burnups=burnups,
        indicators=indicators,
        total=found.total,
        page=found.page,
        pages=found.pages,
        chosen=chosen,
        territories=list_territories(),
        definitions=latest_definitions(),
        statuses=[status.value for status in PlanStatus],
        reason_text=reason_text,
        burnup_svg=burnup_svg,
        indicator_svg=indicator_svg,
        attention=sum(1 for item in health.values() if item.needs_attention),
        **_labels(),
    )


def _labels() -> dict[str, dict[str, str]]:
    """The labels the page repeats for every plan and lever, translated once for the page."""
    levers = translated("lever")
    return {
        "levers": levers,
        "lever_progress": {key: gettext("Progress of the lever %(lever)s", lever=name) for key, name in levers.items()},
        "stage_statuses": translated("stage_status"),
        "decisions": translated("decision"),
        "plan_statuses": translated("plan_status"),
    }


@signed_in
def committee_report_page() -> Any:
    """The printable review of every plan the person oversees (with the page's filters)."""
    person = current_user
    reviews = _reviews(person)
    downloads = [
        ("CSV", url_for("gpect.committee_report_csv", **_filter_args())),  # type: ignore[arg-type]  # Flask types url_for's keywords as its own options (_external...)
        ("PDF", url_for("gpect.committee_report_pdf", **_filter_args())),  # type: ignore[arg-type]  # Flask types url_for's keywords as its own options (_external...)
    ]
    return render_review(reviews, title=gettext("Steering committee review"), downloads=downloads)


@signed_in
def committee_report_csv() -> Any:
    """The committee's review as one CSV file (stages, tasks, indicators, decisions of every plan)."""
    person = current_user
    return csv_response(review_rows(_reviews(person)), "gpect-committee")


@signed_in
def committee_report_pdf() -> Any:
    """The committee's review as a PDF file."""
    person = current_user
    html = render_review(_reviews(person), title=gettext("Steering committee review"), for_pdf=True)
    return pdf_response(html, "gpect-committee")


def reason_text(reason: OffTrackReason, plan_health: PlanHealth) -> str:
    """Why a plan is off track, in the page's language."""
    if reason.kind is OffTrackKind.TASKS_LATE:
        return ngettext(
            "%(num)s task late by more than a week (up to %(days)s days)",
            "%(num)s tasks late by more than a week (up to %(days)s days)",
            reason.count,
            days=reason.days,
        )
    if reason.kind is OffTrackKind.STAGE_PAST_END:
        stage = next((s for s in plan_health.stages if s.key == reason.stage_key), None)
        title = _stage_title(plan_health, reason.stage_key) if stage else (reason.stage_key or "")
        return ngettext(
            "the stage “%(stage)s” runs %(num)s day past its planned end",
            "the stage “%(stage)s” runs %(num)s days past its planned end",
            reason.days,
            stage=title,
        )
    indicator = next((i for i in plan_health.indicators if i.key == reason.indicator_key), None)
    name = indicator.title_en if indicator and _english() else (indicator.title_fr if indicator else "")
    return gettext("the indicator “%(name)s” is behind its target", name=name)


def _stage_title(plan_health: PlanHealth, stage_key: str | None) -> str:
    plan = plan_health.plan
    definition = get_definition(plan.definition_key, plan.definition_version)
    try:
        return localized(definition.stage(stage_key or "").title)
    except KeyError:
        return stage_key or ""


def _english() -> bool:
    return current_language() == "en"


def _reviews(person: Any) -> list[Any]:
    filters, _ = _filters()
    plans = overseen_plans(person, filters, limit=REPORT_LIMIT)
    return plan_reviews(person, [plan.id for plan in plans])


def _filters() -> tuple[PlanFilters, dict[str, str]]:
    """The filters of the query string; values that are not valid choices are ignored."""
    chosen = {key: (request.args.get(key) or "").strip() for key in ("territory", "definition", "status")}
    territory = as_id(chosen["territory"])
    status = PlanStatus(chosen["status"]) if chosen["status"] in {s.value for s in PlanStatus} else None
    if status is None:
        chosen["status"] = ""
    return PlanFilters(territory, chosen["definition"] or None, status), chosen


def _filter_args() -> dict[str, str]:
    _, chosen = _filters()
    return {key: value for key, value in chosen.items() if value}
