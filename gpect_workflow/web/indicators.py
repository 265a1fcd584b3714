"""A plan's indicators: charts against their targets, the plan's burn-up, and recording values.

Everyone who may see the plan reads the page; the plan lead and administrators record values, one
by one with the form or many at once from a spreadsheet file (previewed, then recorded together).
"""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ..errors import PermissionDenied, ValidationError
from ..models import Plan
from ..refusals import Refusal
from ..services.indicators.importing import (
    COLUMN_LABELS,
    MAX_BYTES,
    Localised,
    MeasurementFile,
    Problem,
    import_measurements,
    parse_day,
    parse_number,
    read_measurements,
)
from ..services.indicators.measurements import (
    correct_measurement,
    delete_measurement,
    get_measurement,
    plan_for_indicators,
    plan_indicators,
    record_measurement,
)
from ..services.plans.burnup import plan_burnup
from ..services.unit_of_work import after_rollback
from .auth import signed_in
from .charts import burnup_svg, indicator_svg, indicator_title
from .i18n import counted, page_language
from .refusals import error_fields

EXAMPLE_ROW = "companies-surveyed;31/12/2026;42;Enquête CCI"


def example_csv() -> str:
    """The example of the import's help, its columns named in the page's language."""
    return ";".join(gettext(label) for label in COLUMN_LABELS.values()) + "\n" + EXAMPLE_ROW + "\n"


def register(blueprint: Blueprint) -> None:
    """Add the indicator pages to the UI blueprint."""
    blueprint.add_url_rule("/plans/<id:plan_id>/indicators", view_func=indicators_page)
    blueprint.add_url_rule(
        "/plans/<id:plan_id>/indicators/<id:indicator_id>/measurements",
        view_func=record_value,
        methods=["POST"],
    )
    blueprint.add_url_rule(
        "/plans/<id:plan_id>/indicators/<id:indicator_id>/measurements/<id:measurement_id>",
        view_func=correct_value,
        methods=["POST"],
    )
    blueprint.add_url_rule(
        "/plans/<id:plan_id>/indicators/<id:indicator_id>/measurements/<id:measurement_id>/delete",
        view_func=delete_value,
        methods=["POST"],
    )
    blueprint.add_url_rule("/plans/<id:plan_id>/indicators/import", view_func=import_preview, methods=["POST"])
    blueprint.add_url_rule("/plans/<id:plan_id>/indicators/import/confirm", view_func=import_confirm, methods=["POST"])


@signed_in
def indicators_page(plan_id: int) -> Any:
    """The indicators of the plan with their charts, and the forms for those who record values."""
    return _page(plan_id)


@signed_in
def record_value(plan_id: int, indicator_id: int) -> Any:
    """Record one value from the form; errors are shown beside their field and the input is kept."""
    form, measured_on, value, errors = _measurement_form()
    if errors or measured_on is None or value is None:
        return _page(plan_id, status=422, form_for=indicator_id, form=form, errors=errors)
    try:
        record_measurement(current_user, indicator_id, value, measured_on, form["source"] or None)
    except ValidationError as error:
        refused = error_fields(error)
        return after_rollback(lambda: _page(plan_id, status=422, form_for=indicator_id, form=form, errors=refused))
    flash(gettext("The value is recorded."), "success")
    return redirect(url_for("gpect.indicators_page", plan_id=plan_id) + f"#indicator-{indicator_id}")


@signed_in
def correct_value(plan_id: int, indicator_id: int, measurement_id: int) -> Any:
    """Correct a recorded value, its date or its source (the plan lead or an administrator); errors are shown
    beside their field in the measurement's form, the input kept."""
    _managed_measurement(plan_id, indicator_id, measurement_id)
    form, measured_on, value, errors = _measurement_form()
    if errors or measured_on is None or value is None:
        return _page(plan_id, status=422, edit_for=measurement_id, form=form, errors=errors)
    try:
        correct_measurement(
            current_user, indicator_id, measurement_id, value, measured_on, form["source"] or None, plan_id=plan_id
        )
    except ValidationError as error:
        refused = error_fields(error)
        return after_rollback(lambda: _page(plan_id, status=422, edit_for=measurement_id, form=form, errors=refused))
    flash(gettext("The value is corrected; the journal keeps the old one."), "success")
    return redirect(url_for("gpect.indicators_page", plan_id=plan_id) + f"#indicator-{indicator_id}")


@signed_in
def delete_value(plan_id: int, indicator_id: int, measurement_id: int) -> Any:
    """Delete a recorded value once the person confirms it (the plan lead or an administrator)."""
    _managed_measurement(plan_id, indicator_id, measurement_id)
    if request.form.get("confirm") != "yes":
        return _page(plan_id, confirm_delete=measurement_id)
    delete_measurement(current_user, indicator_id, measurement_id, plan_id=plan_id)
    flash(gettext("The value is deleted; the journal keeps what it was."), "success")
    return redirect(url_for("gpect.indicators_page", plan_id=plan_id) + f"#indicator-{indicator_id}")


def _managed_measurement(plan_id: int, indicator_id: int, measurement_id: int) -> None:
    """``NotFound`` unless the measurement is the plan's indicator's and the person sees the plan;
    ``PermissionDenied`` unless they may change its values."""
    get_measurement(current_user, indicator_id, measurement_id, plan_id)
    _, access = plan_for_indicators(current_user, plan_id)
    if not access.can_manage:
        raise PermissionDenied(Refusal.LEAD_RECORDS_INDICATORS)


def _measurement_form() -> tuple[dict[str, str], date | None, float | None, dict[str, list[str]]]:
    """The date, value and source of a measurement's form, read as recording reads them."""
    form = {key: (request.form.get(key) or "").strip() for key in ("measured_on", "value", "source")}
    errors: dict[str, list[str]] = {}
    measured_on = parse_day(form["measured_on"])
    value = parse_number(form["value"])
    if measured_on is None:
        errors["measured_on"] = [gettext("Give the date of the measurement.")]
    if value is None:
        errors["value"] = [gettext("Give a number, for example 12 or 12,5.")]
    return form, measured_on, value, errors


@signed_in
def import_preview(plan_id: int) -> Any:
    """Read an uploaded file and show what would be recorded, line by line, before anything is."""
    plan, access = plan_for_indicators(current_user, plan_id)
    if not access.can_manage:
        raise PermissionDenied(Refusal.LEAD_RECORDS_INDICATORS)
    upload = request.files.get("file")
    content = upload.read(MAX_BYTES + 1) if upload else b""
    if not content:
        return _page(plan_id, status=422, import_errors=[gettext("Choose a file to import.")])
    parsed = read_measurements(content, plan_indicators(current_user, plan_id))
    return _preview(plan, parsed, content, status=200 if parsed.is_valid else 422)


@signed_in
def import_confirm(plan_id: int) -> Any:
    """Record the previewed file in one transaction: every line, or none."""
    try:
        content = base64.b64decode(request.form.get("content", ""), validate=True)
    except (ValueError, binascii.Error):
        content = b""
    try:
        recorded = import_measurements(current_user, plan_id, content)
    except ValidationError:
        return after_rollback(lambda: _refused_import(plan_id, content))
    flash(counted("%(num)s value recorded.", "%(num)s values recorded.", len(recorded)), "success")
    return redirect(url_for("gpect.indicators_page", plan_id=plan_id))


def _refused_import(plan_id: int, content: bytes) -> Any:
    """The preview again, of the indicators as they are, once the refused file is rolled back."""
    plan, _ = plan_for_indicators(current_user, plan_id)
    parsed = read_measurements(content, plan_indicators(current_user, plan_id))
    return _preview(plan, parsed, content, status=422, refused=True)


def _preview(plan: Plan, parsed: MeasurementFile, content: bytes, status: int, refused: bool = False) -> Any:
    page = render_template(
        "gpect_workflow/indicators/import_preview.html",
        plan=plan,
        parsed=parsed,
        content=base64.b64encode(content).decode("ascii"),
        refused=refused,
        problem_text=problem_text,
        indicator_title=indicator_title,
    )
    return page, status


def problem_text(problem: Problem) -> str:
    """A problem found in a file, in the page's language."""
    language = page_language()
    values = {
        name: value.in_language(language) if isinstance(value, Localised) else value
        for name, value in problem.values.items()
    }
    return gettext(problem.template, **values)


def _page(plan_id: int, status: int = 200, **context: Any) -> Any:
    indicators = plan_indicators(current_user, plan_id)  # NotFound for people who may not see the plan
    plan, access = plan_for_indicators(current_user, plan_id)
    page = render_template(
        "gpect_workflow/indicators/page.html",
        plan=plan,
        indicators=indicators,
        can_record=access.can_manage,
        burnup=burnup_svg(plan_burnup(plan), chart_id=f"burnup-{plan.id}"),
        indicator_svg=indicator_svg,
        indicator_title=indicator_title,
        example_csv=example_csv(),
        column_labels={column: gettext(label) for column, label in COLUMN_LABELS.items()},
        max_kb=MAX_BYTES // 1024,
        **context,
    )
    return page, status
