"""Review reports of a plan, or of every plan a committee oversees: CSV, printable page, PDF.

All three are drawn from ``services.committee.reports`` in the reader's language and carry the date they were
made. The CSV is what French spreadsheets open directly (UTF-8 with a byte-order mark, ``;``
separators, decimal commas in French). The PDF is the printable page run through WeasyPrint, with the
stylesheet inlined and no resource fetched from anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, render_template, url_for
from flask_babel import gettext
from flask_login import current_user

from ...resources import static_dir
from ...services.committee.reports import IndicatorLine, PlanReview, plan_review
from ...services.context import now
from ...services.csv_export import CSV_CONTENT_TYPE, csv_bytes
from ...vocabulary import N_
from ..auth import signed_in
from ..charts import burnup_svg, indicator_svg, indicator_title
from ..evidence import file_size
from ..i18n import localized
from ..i18n import number as number_as_written
from ..labels import label
from ..standing import status_word, target_phrase

#: Column headings of the CSV, in order (English source, translated for the reader).
CSV_COLUMNS = (
    N_("Plan"),
    N_("Row type"),
    N_("Stage"),
    N_("Item"),
    N_("Status"),
    N_("Role"),
    N_("Assignee"),
    N_("Organisation"),
    N_("Start"),
    N_("Due or end"),
    N_("Completed"),
    N_("Days late"),
    N_("Progress (%)"),
    N_("Value"),
    N_("Target"),
    N_("Unit"),
    N_("Measured on"),
    N_("Against target"),
    N_("Notes"),
)


def register(blueprint: Blueprint) -> None:
    """Add the plan reports to the UI blueprint."""
    blueprint.add_url_rule("/plans/<id:plan_id>/report", view_func=plan_report_page)
    blueprint.add_url_rule("/plans/<id:plan_id>/report.csv", view_func=plan_report_csv)
    blueprint.add_url_rule("/plans/<id:plan_id>/report.pdf", view_func=plan_report_pdf)


@signed_in
def plan_report_page(plan_id: int) -> Any:
    """The printable review of one plan (print it, or save it as PDF from the browser)."""
    review = plan_review(current_user, plan_id)
    downloads = [
        ("CSV", url_for("gpect.plan_report_csv", plan_id=plan_id)),
        ("PDF", url_for("gpect.plan_report_pdf", plan_id=plan_id)),
    ]
    return render_review([review], title=review.plan.name, downloads=downloads)


@signed_in
def plan_report_csv(plan_id: int) -> Any:
    """The plan's stages, tasks, indicators and decisions as one CSV file."""
    review = plan_review(current_user, plan_id)
    return csv_response(review_rows([review]), f"gpect-plan-{plan_id}")


@signed_in
def plan_report_pdf(plan_id: int) -> Any:
    """The printable review of one plan as a PDF file."""
    review = plan_review(current_user, plan_id)
    return pdf_response(render_review([review], title=review.plan.name, for_pdf=True), f"gpect-plan-{plan_id}")


def render_review(
    reviews: Sequence[PlanReview],
    title: str,
    for_pdf: bool = False,
    downloads: Sequence[tuple[str, str]] = (),
    **context: Any,
) -> str:
    """The printable review page of ``reviews``, with links to the other formats on screen."""
    return render_template(
        "gpect_workflow/reports/review.html",
        reviews=reviews,
        title=title,
        for_pdf=for_pdf,
        downloads=downloads,
        made_on=made_on(),
        stylesheet=_stylesheet(),
        indicator_svg=indicator_svg,
        burnup_svg=burnup_svg,
        indicator_title=indicator_title,
        **context,
    )


def made_on() -> date:
    """Today in the reader's time zone: the date a report carries."""
    zone = getattr(current_user, "timezone", None) or "Europe/Paris"
    return now().astimezone(ZoneInfo(zone)).date()


def review_rows(reviews: Iterable[PlanReview]) -> list[list[str]]:
    """The CSV rows (headings first) of ``reviews``, in the reader's language."""
    number = _number_formatter()
    rows = [[gettext(column) for column in CSV_COLUMNS]]
    for review in reviews:
        plan = review.plan.name
        for line in review.stages:
            stage = line.stage
            rows.append(
                _row(
                    plan,
                    gettext("stage"),
                    stage=localized(line.title),
                    item=label("lever", stage.lever),
                    status=label("stage_status", stage.status),
                    start=stage.planned_start_date.isoformat(),
                    due=stage.planned_end_date.isoformat(),
                    progress=str(line.percent),
                    notes=label("decision", stage.decision) if stage.decision else "",
                )
            )
        for task_line in review.tasks:
            task = task_line.task
            rows.append(
                _row(
                    plan,
                    gettext("task"),
                    stage=localized(task_line.stage_title),
                    item=localized(task_line.title),
                    status=label("task_status", task.status),
                    role=localized(task_line.role_title),
                    assignee=task_line.assignee or "",
                    organisation=task_line.organisation or "",
                    due=task.due_date.isoformat(),
                    completed=task_line.completed_on.isoformat() if task_line.completed_on else "",
                    days_late=str(task_line.days_late) if task_line.days_late else "",
                    notes=task.status_reason or "",
                )
            )
        for indicator_line in review.indicators:
            indicator = indicator_line.indicator
            rows.append(
                _row(
                    plan,
                    gettext("indicator"),
                    item=indicator_title(indicator),
                    value=number(indicator_line.latest_value),
                    target=number(indicator.target),
                    unit=label("unit", indicator.unit),
                    measured_on=indicator_line.latest_on.isoformat() if indicator_line.latest_on else "",
                    against_target=_standing(indicator_line),
                )
            )
        for decision_line in review.decisions:
            decision = decision_line.decision
            rows.append(
                _row(
                    plan,
                    gettext("decision"),
                    stage=localized(decision_line.stage_title),
                    item=label("decision", decision.decision),
                    assignee=decision_line.decided_by,
                    completed=decision.decided_dt.date().isoformat(),
                    notes=decision.minutes or "",
                )
            )
        rows.extend(_file_rows(plan, review))
    return rows


def _file_rows(plan: str, review: PlanReview) -> list[list[str]]:
    """One row per evidence file: its name, what it is attached to, its size, who added it and when."""
    return [
        _row(
            plan,
            gettext("file"),
            stage=localized(line.stage_title) if line.stage_title else "",
            item=line.file.display_name,
            assignee=line.uploader or "",
            completed=line.file.uploaded_dt.date().isoformat(),
            value=file_size(line.file.size_bytes),
            notes=localized(line.task_title) if line.task_title else gettext("gate review"),
        )
        for line in review.files
    ]


def _standing(line: IndicatorLine) -> str:
    """The status word, with the target and its comparison when there is one: "behind target (target ≤ 12)"."""
    phrase = target_phrase(line.indicator.direction, line.indicator.target)
    word = status_word(line.status)
    return f"{word} ({phrase})" if phrase else word


def _row(plan: str, record: str, **values: str) -> list[str]:
    keys = (
        "stage",
        "item",
        "status",
        "role",
        "assignee",
        "organisation",
        "start",
        "due",
        "completed",
        "days_late",
        "progress",
        "value",
        "target",
        "unit",
        "measured_on",
        "against_target",
        "notes",
    )
    # Cells are neutralised against formula injection by the one CSV writer (``services.csv_export``).
    return [plan, record, *(values.get(key, "") for key in keys)]


def _number_formatter() -> Callable[[float | None], str]:
    def number(value: float | None) -> str:
        return "" if value is None else number_as_written(value, "0.##")

    return number


def csv_response(rows: list[list[str]], stem: str) -> Response:
    """A CSV download named ``<stem>-<date>.csv``."""
    return _download(csv_bytes(rows), f"{stem}-{made_on().isoformat()}.csv", CSV_CONTENT_TYPE)


def pdf_response(html: str, stem: str) -> Response:
    """The printable page ``html`` as a PDF download named ``<stem>-<date>.pdf``."""
    from weasyprint import HTML  # imported here: loading Pango takes a moment and most requests never need it

    pdf = HTML(string=html, url_fetcher=_no_fetching).write_pdf()
    return _download(pdf, f"{stem}-{made_on().isoformat()}.pdf", "application/pdf")


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The report inlines all it shows; nothing is fetched, so a report cannot reach the network."""
    raise ValueError(f"reports fetch nothing ({url})")


def _download(body: bytes, filename: str, mimetype: str) -> Response:
    response = Response(body, content_type=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _stylesheet() -> str:
    return (static_dir() / "report.css").read_text(encoding="utf-8")
