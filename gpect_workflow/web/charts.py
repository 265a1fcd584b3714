"""The charts of the plan, committee and report pages, in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from flask_babel import gettext
from markupsafe import Markup

from ..charts.svg import ChartWords, Point, burnup_chart, indicator_chart
from ..models import Indicator
from ..services.plans.burnup import Burnup
from .i18n import counted, current_language, number, short_date
from .labels import label
from .standing import status_of, status_word, target_phrase


def indicator_svg(indicator: Indicator, chart_id: str | None = None) -> Markup:
    """The indicator's measurements against its target."""
    points = [Point(m.measured_on, m.value) for m in sorted(indicator.measurements, key=lambda m: m.measured_on)]
    title = indicator_title(indicator)
    unit = label("unit", indicator.unit)
    values = ", ".join(f"{short_date(p.day)} : {number(p.value)} {unit}" for p in points)
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
        _words(title, description, series=_fixed_words(current_language()).measured),
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
        "%(num)s of %(total)s tasks finished.", "%(num)s of %(total)s tasks finished.", done, total=number(total)
    )
    fixed = _fixed_words(current_language())
    words = _words(fixed.burnup_title, description, series=fixed.burnup_series)
    return Markup(burnup_chart(burnup.days, burnup.done, burnup.total, words, chart_id=chart_id))


def indicator_title(indicator: Indicator) -> str:
    """The indicator's name in the page's language."""
    return indicator.title_en if current_language() == "en" else indicator.title_fr


def _words(title: str, description: str, series: str) -> ChartWords:
    fixed = _fixed_words(current_language())
    return ChartWords(
        title=title,
        description=description,
        series=series,
        target=fixed.target,
        total=fixed.total,
        no_data=fixed.no_data,
        format_date=short_date,
        format_number=number,
    )


@dataclass(frozen=True, slots=True)
class _FixedWords:
    """The words every chart of a kind says, whatever its data."""

    burnup_title: str
    burnup_series: str
    measured: str
    target: str
    total: str
    no_data: str


@lru_cache(maxsize=8)
def _fixed_words(language: str) -> _FixedWords:
    """The charts' fixed words in ``language`` (the page's: ``current_language``), translated once per
    process: a committee page draws a chart per plan, and translating them for each chart cost a tenth of
    the page."""
    return _FixedWords(
        burnup_title=gettext("Tasks finished over time"),
        burnup_series=gettext("Tasks finished"),
        measured=gettext("Measured value"),
        target=gettext("Target"),
        total=gettext("All tasks"),
        no_data=gettext("No measurement yet"),
    )
