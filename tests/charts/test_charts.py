"""The SVG charts are well-formed, accessible, and carry the values they draw."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from gpect_workflow.charts.svg import (
    ChartWords,
    Point,
    _day_range,
    _Frame,
    _value_range,
    burnup_chart,
    indicator_chart,
    nice_step,
)

NS = {"svg": "http://www.w3.org/2000/svg"}
WORDS = ChartWords(
    title="Taux d'insertion",
    description="Valeurs mesurées & cible <70 %>",
    series="Valeur mesurée",
    target="Cible",
    total="Tâches prévues",
    no_data="Aucune mesure",
    format_date=lambda day: day.strftime("%d/%m/%Y"),
    format_number=lambda value: f"{value:g}".replace(".", ","),
)


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def test_an_indicator_chart_draws_each_measurement_and_the_target() -> None:
    points = [Point(date(2026, 3, 1), 41.5), Point(date(2026, 1, 1), 30), Point(date(2026, 6, 1), 55)]
    root = parse(indicator_chart(points, 70, WORDS, chart_id="taux"))

    markers = root.findall(".//svg:circle[@class='point']", NS)
    assert [(m.get("data-date"), m.get("data-value")) for m in markers] == [
        ("2026-01-01", "30"),
        ("2026-03-01", "41.5"),
        ("2026-06-01", "55"),
    ]
    assert [m.find("svg:title", NS).text for m in markers][1] == "01/03/2026 : 41,5"
    target = root.find(".//svg:line[@class='target']", NS)
    assert target is not None and target.get("data-target") == "70"
    # Higher values are drawn higher: the target (70) sits above every measurement.
    assert all(float(target.get("y1")) < float(m.get("cy")) for m in markers)
    assert [float(m.get("cx")) for m in markers] == sorted(float(m.get("cx")) for m in markers)
    assert root.get("role") == "img"
    assert root.find("svg:title", NS).text == "Taux d'insertion"
    assert root.find("svg:desc", NS).text == "Valeurs mesurées & cible <70 %>"  # escaped, then read back
    texts = "".join(root.itertext())
    assert "Cible : 70" in texts and "01/01/2026" in texts and "01/06/2026" in texts


def test_an_indicator_without_measurements_says_so() -> None:
    root = parse(indicator_chart([], 12, WORDS))
    assert root.findall(".//svg:circle", NS) == []
    assert "Aucune mesure" in "".join(root.itertext())
    assert root.find(".//svg:line[@class='target']", NS) is not None


def test_an_indicator_without_target_draws_no_target_line() -> None:
    root = parse(indicator_chart([Point(date(2026, 1, 1), 3)], None, WORDS))
    assert root.find(".//svg:line[@class='target']", NS) is None
    assert root.get("data-target") is None


def test_a_burnup_chart_carries_done_and_total_series() -> None:
    days = [date(2026, 12, 1), date(2026, 12, 8), date(2026, 12, 15)]
    root = parse(burnup_chart(days, [0, 3, 7], [20, 20, 22], WORDS))
    assert root.find(".//svg:polyline[@class='done']", NS).get("data-values") == "0,3,7"
    assert root.find(".//svg:polyline[@class='total']", NS).get("data-values") == "20,20,22"
    last = root.find(".//svg:circle[@class='point']", NS)
    assert (last.get("data-date"), last.get("data-value")) == ("2026-12-15", "7")


def test_a_burnup_chart_places_each_point_at_its_day_and_count() -> None:
    """The lines' points are each day's x and each count's y on the chart's frame (written once per day and
    per distinct count, the same as worked out point by point)."""
    days = [date(2026, 12, 1) + timedelta(days=7 * week) for week in range(9)]
    done, total = [0, 0, 2, 2, 5, 9, 9, 12, 12], [20, 20, 20, 22, 22, 22, 22, 22, 25]
    root = parse(burnup_chart(days, done, total, WORDS))
    frame = _Frame(_day_range(days), _value_range([0, *total, *done]))
    for name, counts in (("done", done), ("total", total)):
        points = root.find(f".//svg:polyline[@class='{name}']", NS).get("points")
        assert points == " ".join(f"{frame.x(d):.1f},{frame.y(c):.1f}" for d, c in zip(days, counts, strict=True))
    assert root.find(".//svg:polyline[@class='total']", NS).get("points").split()[0] == "56.0,90.7"


def test_a_burnup_chart_refuses_series_of_different_lengths() -> None:
    with pytest.raises(ValueError):
        burnup_chart([date(2026, 1, 1)], [1, 2], [3], WORDS)


@pytest.mark.parametrize(("raw", "step"), [(0.3, 0.5), (1, 1), (3, 5), (12, 20), (45, 50), (0, 1), (101, 200)])
def test_ticks_are_round(raw: float, step: float) -> None:
    assert nice_step(raw) == pytest.approx(step)


def test_the_last_point_and_the_target_line_say_where_the_indicator_stands() -> None:
    points = [Point(date(2026, 1, 1), 150_000), Point(date(2026, 6, 1), 131_500)]
    words = ChartWords(title="Budget", description="d", target_line="target ≤ 120,000", standing="behind target")
    root = parse(indicator_chart(points, 120_000, words, chart_id="budget", status="off_target"))
    assert root.get("data-status") == "off_target"
    markers = root.findall(".//svg:circle[@class='point']", NS)
    assert [m.get("data-latest") for m in markers] == [None, "true"]
    assert markers[-1].get("fill") == "#a1231b" and markers[0].get("fill") == "#1f4e8c"
    assert markers[-1].findtext("svg:title", namespaces=NS).endswith("(behind target)")
    texts = [t.text for t in root.findall(".//svg:text", NS)]
    assert "target ≤ 120,000" in texts
    reached = parse(indicator_chart(points, 140_000, words, chart_id="budget", status="on_target"))
    assert reached.findall(".//svg:circle[@class='point']", NS)[-1].get("fill") == "#1c6b3a"
    unknown = parse(indicator_chart(points, None, ChartWords(title="t", description="d"), status="no_target"))
    assert unknown.findall(".//svg:circle[@class='point']", NS)[-1].get("fill") == "#1f4e8c"
