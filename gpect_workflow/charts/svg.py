"""Charts drawn as SVG on the server: indicators against their target, and a plan's task burn-up.

No JavaScript and no external service: committees read the same picture on screen, in print and in a
PDF. The SVG is accessible (``role="img"`` with a title and a description listing the values) and
carries its values in ``data-*`` attributes, so tests and scripts can read what is drawn. Callers pass
the words and the date and number formatters of the reader's language; this module knows no language.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape, quoteattr

WIDTH = 640
HEIGHT = 260
MARGIN_LEFT = 56
MARGIN_RIGHT = 16
MARGIN_TOP = 28
MARGIN_BOTTOM = 44
#: Colours with at least 4.5:1 contrast on white (WCAG AA), and distinguishable without colour (dashes).
INK = "#1d2330"
MUTED = "#4a5363"
GRID = "#d5dae3"
VALUE = "#1f4e8c"
TARGET = "#a1231b"
DONE = "#1c6b3a"


@dataclass(frozen=True)
class ChartWords:
    """What the chart says, already in the reader's language."""

    title: str
    description: str
    #: Legend of the measured series (``Valeur mesurée``) and of the target line (``Cible``).
    series: str = "value"
    target: str = "target"
    total: str = "total"
    no_data: str = "no data"
    #: The target line's text with its comparison ("target ≤ 120,000"); else "<target> : <number>".
    target_line: str | None = None
    #: The latest value's standing against the target ("behind target"), said on the last point.
    standing: str | None = None
    format_date: Callable[[date], str] = field(default=lambda day: day.isoformat())
    format_number: Callable[[float], str] = field(default=lambda value: f"{value:g}")


@dataclass(frozen=True)
class Point:
    day: date
    value: float


#: The colour of the last point by the indicator's status code (``services.indicators.status``).
STATUS_COLOURS = {"on_target": DONE, "off_target": TARGET}


def indicator_chart(
    points: Sequence[Point],
    target: float | None,
    words: ChartWords,
    *,
    chart_id: str = "indicator",
    status: str | None = None,
) -> str:
    """Measured values over time as a line with markers, and the target as a dashed line; the last point
    is coloured and labelled by ``status`` (green when the target is reached, red when behind it)."""
    points = sorted(points, key=lambda point: point.day)
    values = [point.value for point in points] + ([target] if target is not None else [])
    frame = _Frame(_day_range([point.day for point in points]), _value_range(values))
    parts = [_open(words, chart_id, "indicator", target=target, status=status), *frame.axes(words)]
    if target is not None:
        y = frame.y(target)
        parts.append(
            f'<line class="target" x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{TARGET}" stroke-width="2" stroke-dasharray="6 4" data-target="{target:g}"/>'
        )
        parts.append(
            f'<text x="{WIDTH - MARGIN_RIGHT}" y="{y - 5:.1f}" text-anchor="end" fill="{TARGET}" font-size="12">'
            f"{escape(words.target_line or f'{words.target} : {words.format_number(target)}')}</text>"
        )
    if not points:
        parts.append(_centered_note(words.no_data))
    else:
        coordinates = " ".join(f"{frame.x(point.day):.1f},{frame.y(point.value):.1f}" for point in points)
        parts.append(
            f'<polyline class="series" points="{coordinates}" fill="none" stroke="{VALUE}" stroke-width="2.5"/>'
        )
        parts.extend(_marker(frame, point, words, VALUE) for point in points[:-1])
        parts.append(_marker(frame, points[-1], words, STATUS_COLOURS.get(status or "", VALUE), last=True))
    legend: list[tuple[str, str, str | None]] = [(words.series, VALUE, None)]
    if target is not None:
        legend.append((words.target, TARGET, "6 4"))
    parts.append(_legend(legend))
    parts.append("</svg>")
    return "".join(parts)


def burnup_chart(
    days: Sequence[date], done: Sequence[int], total: Sequence[int], words: ChartWords, *, chart_id: str = "burnup"
) -> str:
    """Tasks completed over time against the plan's total number of tasks (the scope)."""
    if not (len(days) == len(done) == len(total)):
        raise ValueError("days, done and total must have the same length")
    frame = _Frame(_day_range(list(days)), _value_range([0, *total, *done]))
    parts = [_open(words, chart_id, "burnup"), *frame.axes(words)]
    if not days:
        parts.append(_centered_note(words.no_data))
    else:
        # Each day's x and each count's y written once: the committee page draws 25 charts of up to 60 days, whose
        # two lines share their days and repeat their counts (the scope is mostly one number).
        xs = [f"{frame.x(day):.1f}" for day in days]
        scope = " ".join(f"{x},{y}" for x, y in zip(xs, _y_texts(frame, total), strict=True))
        parts.append(
            f'<polyline class="total" points="{scope}" fill="none" stroke="{MUTED}" stroke-width="2" '
            f'stroke-dasharray="4 3" data-values="{",".join(str(count) for count in total)}"/>'
        )
        completed = " ".join(f"{x},{y}" for x, y in zip(xs, _y_texts(frame, done), strict=True))
        parts.append(
            f'<polyline class="done" points="{completed}" fill="none" stroke="{DONE}" stroke-width="2.5" '
            f'data-values="{",".join(str(count) for count in done)}"/>'
        )
        last = Point(days[-1], done[-1])
        parts.append(_marker(frame, last, words, DONE))
    parts.append(_legend([(words.series, DONE, None), (words.total, MUTED, "4 3")]))
    parts.append("</svg>")
    return "".join(parts)


def _y_texts(frame: _Frame, values: Sequence[int]) -> list[str]:
    """The y coordinate of each value as the charts write it, worked out once per distinct value."""
    written: dict[int, str] = {}
    return [written.get(value) or written.setdefault(value, f"{frame.y(value):.1f}") for value in values]


def _open(words: ChartWords, chart_id: str, kind: str, target: float | None = None, status: str | None = None) -> str:
    target_attribute = f' data-target="{target:g}"' if target is not None else ""
    if status:
        target_attribute += f" data-status={quoteattr(status)}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc"'
        f'{target_attribute} font-family="system-ui, sans-serif">'
        f'<title id="{chart_id}-title">{escape(words.title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(words.description)}</desc>'
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>'
    )


def _marker(frame: _Frame, point: Point, words: ChartWords, colour: str, last: bool = False) -> str:
    label = f"{words.format_date(point.day)} : {words.format_number(point.value)}"
    if last and words.standing:
        label += f" ({words.standing})"
    latest = ' data-latest="true"' if last else ""
    return (
        f'<circle class="point"{latest} cx="{frame.x(point.day):.1f}" cy="{frame.y(point.value):.1f}" r="4" '
        f'fill="{colour}" '
        f'data-date="{point.day.isoformat()}" data-value="{point.value:g}"><title>{escape(label)}</title></circle>'
    )


def _centered_note(text: str) -> str:
    middle_y = (MARGIN_TOP + HEIGHT - MARGIN_BOTTOM) / 2
    return (
        f'<text x="{(MARGIN_LEFT + WIDTH - MARGIN_RIGHT) / 2:.1f}" y="{middle_y:.1f}" text-anchor="middle" '
        f'fill="{MUTED}" font-size="14">{escape(text)}</text>'
    )


def _legend(entries: list[tuple[str, str, str | None]]) -> str:
    parts = []
    x = MARGIN_LEFT
    for label, colour, dashes in entries:
        dash = f' stroke-dasharray="{dashes}"' if dashes else ""
        parts.append(
            f'<line x1="{x}" x2="{x + 22}" y1="14" y2="14" stroke="{colour}" stroke-width="2.5"{dash}/>'
            f'<text x="{x + 28}" y="18" fill="{INK}" font-size="12">{escape(label)}</text>'
        )
        x += 40 + 7 * len(label)
    return "".join(parts)


def _day_range(days: list[date]) -> tuple[date, date] | None:
    return (min(days), max(days)) if days else None


def _value_range(values: Sequence[float]) -> tuple[float, float]:
    """A range from 0 (or the lowest value, if negative) up to a round number above the highest."""
    low = min([0.0, *values])
    high = max([1.0, *values])
    step = nice_step((high - low) / 4)
    return math.floor(low / step) * step, math.ceil(high / step) * step


def nice_step(raw: float) -> float:
    """The round tick step (1, 2 or 5 times a power of ten) at or above ``raw``."""
    if raw <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if raw <= multiple * power:
            return multiple * power
    return 10 * power  # pragma: no cover - the loop always returns


@dataclass(frozen=True)
class _Frame:
    #: First and last day drawn; ``None`` when there is nothing to draw yet.
    days: tuple[date, date] | None
    values: tuple[float, float]

    def x(self, day: date) -> float:
        width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
        if self.days is None or self.days[0] == self.days[1]:
            return MARGIN_LEFT + width / 2
        first, last = self.days
        span = (last - first).days
        if span == 0:
            return MARGIN_LEFT + width / 2
        return MARGIN_LEFT + width * (day - first).days / span

    def y(self, value: float) -> float:
        low, high = self.values
        height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
        return MARGIN_TOP + height * (1 - (value - low) / (high - low))

    def axes(self, words: ChartWords) -> list[str]:
        low, high = self.values
        step = nice_step((high - low) / 4)
        parts = []
        tick = low
        while tick <= high + step / 1000:
            y = self.y(tick)
            parts.append(
                f'<line x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
                f'<text x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}" font-size="11">'
                f"{escape(words.format_number(round(tick, 6)))}</text>"
            )
            tick += step
        baseline = HEIGHT - MARGIN_BOTTOM
        parts.append(
            f'<line x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" y1="{baseline}" y2="{baseline}" stroke="{MUTED}"/>'
        )
        if self.days is not None:
            first, last = self.days
            labels = [(first, "start")] if first == last else [(first, "start"), (last, "end")]
            for day, anchor in labels:
                x = self.x(day)
                text_anchor = "middle" if first == last else anchor
                parts.append(
                    f'<text x="{x:.1f}" y="{baseline + 18}" text-anchor={quoteattr(text_anchor)} fill="{MUTED}" '
                    f'font-size="11">{escape(words.format_date(day))}</text>'
                )
        return parts
