"""The charts of the plan, committee and report pages, in the reader's language."""

from __future__ import annotations

from dataclasses import replace

from flask_babel import format_decimal, format_number, gettext
from markupsafe import Markup

from ..charts.svg import ChartWords, Point, burnup_chart, indicator_chart
from ..models import Indicator
from ..services.plans.burnup import Burnup
from .i18n import counted, current_language, short_date
from .labels import label
from .standing import status_of, status_word, target_phrase


def indicator_svg(indicator: Indicator, chart_id: str | None = None) -> Markup:
    """The indicator's measurements against its target."""
    points = [Point(m.measured_on, m.value) for m in sorted(indicator.measurements, key=lambda m: m.measured_on)]
    title = indicator_title(indicator)
    unit = label("unit", indicator.unit)
    values = ", ".join(f"{short_date(p.day)} : {format_decimal(p.value)} {unit}" for p in points)
    status = status_of(indicator)
    phrase = target_phrase(indicator.direction, indicator.target)
    if indicator.target is not None:
        description = gettext(
            "Measured values: %(values)s. Unit: %(unit)s; %(target)s: %(status)s.",
            values=values or gettext("none yet"),
            target=phrase,
            unit=unit,
            status=status_word(status),
        )
    else:
        description = gettext("Measured values: %(values)s.", values=values or gettext("none yet"))
    words = replace(
        _words(title, description, series=gettext("Measured value")),
        target_line=phrase or None,
        standing=status_word(status) if points else None,
    )
    chart_id = chart_id or f"indicator-{indicator.id}"
    svg = indicator_chart(points, indicator.target, words, chart_id=chart_id, status=status.value)
    return Markup(svg)  # charts.svg escapes every text it writes


def burnup_svg(burnup: Burnup, chart_id: str = "burnup") -> Markup:
    """The plan's finished tasks over time against its total number of tasks."""
    done = burnup.done[-1] if burnup.done else 0
    total = burnup.total[-1] if burnup.total else 0
    description = counted(
        "%(num)s of %(total)s tasks finished.", "%(num)s of %(total)s tasks finished.", done, total=format_number(total)
    )
    words = _words(gettext("Tasks finished over time"), description, series=gettext("Tasks finished"))
    return Markup(burnup_chart(burnup.days, burnup.done, burnup.total, words, chart_id=chart_id))


def indicator_title(indicator: Indicator) -> str:
    """The indicator's name in the page's language."""
    return indicator.title_en if current_language() == "en" else indicator.title_fr


def _words(title: str, description: str, series: str) -> ChartWords:
    return ChartWords(
        title=title,
        description=description,
        series=series,
        target=gettext("Target"),
        total=gettext("All tasks"),
        no_data=gettext("No measurement yet"),
        format_date=short_date,
        format_number=lambda value: format_decimal(value),
    )
