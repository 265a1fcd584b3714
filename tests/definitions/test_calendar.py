"""Working days: weekends and the public holidays of the definition's calendar are skipped."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from gpect_workflow.definitions.model import Calendar
from gpect_workflow.engine.calendar import WorkingCalendar, calendar_for

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


@pytest.fixture(scope="module")
def france() -> WorkingCalendar:
    return WorkingCalendar("FR")


@pytest.fixture(scope="module")
def moselle() -> WorkingCalendar:
    return WorkingCalendar("FR", "57")


@pytest.mark.parametrize(
    ("day", "weekday", "holiday"),
    [
        (date(2026, 1, 1), THU, "New Year's Day"),
        (date(2026, 5, 1), FRI, "Labour Day"),
        (date(2026, 5, 8), FRI, "Victory Day"),
        (date(2026, 7, 14), TUE, "National Day"),
        (date(2026, 11, 11), WED, "Armistice Day"),
        (date(2026, 12, 25), FRI, "Christmas"),
        (date(2027, 3, 29), MON, "Easter Monday"),
        (date(2027, 5, 6), THU, "Ascension"),
        (date(2027, 5, 17), MON, "Whit Monday"),
    ],
)
def test_french_public_holidays_on_weekdays_are_not_working_days(
    france: WorkingCalendar, day: date, weekday: int, holiday: str
) -> None:
    assert day.weekday() == weekday, holiday
    assert not france.is_working_day(day), holiday


@pytest.mark.parametrize("day", [date(2026, 12, 26), date(2026, 12, 27), date(2027, 3, 27), date(2027, 3, 28)])
def test_weekends_are_not_working_days(france: WorkingCalendar, day: date) -> None:
    assert day.weekday() in (SAT, SUN)
    assert not france.is_working_day(day)


@pytest.mark.parametrize("day", [date(2026, 12, 24), date(2026, 12, 28), date(2027, 3, 26), date(2027, 5, 7)])
def test_ordinary_weekdays_are_working_days(france: WorkingCalendar, day: date) -> None:
    assert day.weekday() < SAT
    assert france.is_working_day(day)


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        # Christmas (Friday) then the weekend
        (date(2026, 12, 24), 1, date(2026, 12, 28)),
        # 14 July (Tuesday)
        (date(2026, 7, 13), 1, date(2026, 7, 15)),
        # 1 May (Friday) then the weekend
        (date(2026, 4, 30), 1, date(2026, 5, 4)),
        # Easter Monday 2027
        (date(2027, 3, 26), 1, date(2027, 3, 30)),
        # Ascension 2027 (Thursday)
        (date(2027, 5, 5), 1, date(2027, 5, 7)),
        # ten working days from a Monday without holidays: the Monday two weeks later
        (date(2026, 6, 1), 10, date(2026, 6, 15)),
        # ... and one day later when a holiday (14 July) falls in between
        (date(2026, 7, 6), 10, date(2026, 7, 21)),
        # across New Year: 25 Dec and 1 Jan skipped
        (date(2026, 12, 21), 9, date(2027, 1, 5)),
        # from a weekend, the first working day is the Monday
        (date(2026, 6, 6), 1, date(2026, 6, 8)),
        (date(2026, 6, 7), 5, date(2026, 6, 12)),
        # Friday + 1 = Monday
        (date(2026, 6, 5), 1, date(2026, 6, 8)),
    ],
)
def test_add_working_days(france: WorkingCalendar, start: date, count: int, expected: date) -> None:
    assert france.add_working_days(start, count) == expected
    assert france.is_working_day(expected)


@pytest.mark.parametrize("start", [date(2026, 12, 25), date(2026, 12, 26), date(2026, 12, 28)])
def test_zero_working_days_is_the_start_itself_even_on_a_holiday(france: WorkingCalendar, start: date) -> None:
    assert france.add_working_days(start, 0) == start


def test_working_days_are_counted_one_by_one(france: WorkingCalendar) -> None:
    start = date(2026, 12, 1)
    days = [france.add_working_days(start, n) for n in range(1, 30)]
    assert days == sorted(set(days))
    assert all(france.is_working_day(day) for day in days)
    for previous, current in itertools.pairwise(days):
        between = [date.fromordinal(o) for o in range(previous.toordinal() + 1, current.toordinal())]
        assert not any(france.is_working_day(day) for day in between)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 12, 24), date(2026, 12, 24)),
        (date(2026, 12, 25), date(2026, 12, 28)),
        (date(2026, 12, 26), date(2026, 12, 28)),
        (date(2027, 5, 1), date(2027, 5, 3)),  # Labour Day on a Saturday
    ],
)
def test_next_working_day(france: WorkingCalendar, day: date, expected: date) -> None:
    assert france.next_working_day(day) == expected


def test_a_subdivision_adds_its_own_holidays(france: WorkingCalendar, moselle: WorkingCalendar) -> None:
    good_friday = date(2027, 3, 26)
    st_stephen = date(2025, 12, 26)
    assert good_friday.weekday() == FRI and st_stephen.weekday() == FRI
    assert france.is_working_day(good_friday) and not moselle.is_working_day(good_friday)
    assert france.is_working_day(st_stephen) and not moselle.is_working_day(st_stephen)
    # Thursday before Easter + 1 working day: Friday in France, Tuesday in Moselle (Friday, weekend, Monday off)
    assert france.add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 26)
    assert moselle.add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)
    assert france.add_working_days(date(2025, 12, 24), 1) == date(2025, 12, 26)
    assert moselle.add_working_days(date(2025, 12, 24), 1) == date(2025, 12, 29)
    # the national holidays still apply in the subdivision
    assert not moselle.is_working_day(date(2026, 7, 14))


def test_calendar_for_builds_the_definition_calendar_once() -> None:
    national = calendar_for(Calendar())
    assert calendar_for(Calendar(country="FR")) is national
    moselle = calendar_for(Calendar(country="FR", subdivision="57"))
    assert moselle is not national
    assert national.is_working_day(date(2027, 3, 26)) and not moselle.is_working_day(date(2027, 3, 26))


def test_an_unknown_country_is_refused() -> None:
    with pytest.raises(NotImplementedError):
        WorkingCalendar("XX")
