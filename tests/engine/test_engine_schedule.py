"""Working days and due dates (``gpect_workflow.engine.calendar`` and ``gpect_workflow.engine.schedule``)."""

from __future__ import annotations

from datetime import date

import pytest

from gpect_workflow.definitions.model import (
    Calendar,
    Due,
    DueFrom,
    Gate,
    Lever,
    Role,
    StageDef,
    TaskDef,
    Text,
    WorkflowDefinition,
)
from gpect_workflow.engine.calendar import WorkingCalendar, calendar_for
from gpect_workflow.engine.schedule import PlannedStage, due_date, plan_schedule, stage_due_dates

FRANCE = WorkingCalendar("FR")
TITLE = Text("Titre", "Title")


def task_def(key: str, due: Due) -> TaskDef:
    return TaskDef(key=key, title=TITLE, owner="lead", due=due)


# --- working days -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 4, 3), True),  # Good Friday: not a holiday in most of France
        (date(2026, 4, 4), False),  # Saturday
        (date(2026, 4, 5), False),  # Sunday
        (date(2026, 4, 6), False),  # Easter Monday
        (date(2026, 5, 14), False),  # Ascension
        (date(2026, 7, 14), False),  # national day
        (date(2026, 7, 15), True),
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert FRANCE.is_working_day(day) is working


def test_zero_working_days_is_the_start_itself_even_on_a_sunday() -> None:
    assert FRANCE.add_working_days(date(2026, 4, 5), 0) == date(2026, 4, 5)


def test_working_days_skip_weekend_and_holiday() -> None:
    assert FRANCE.add_working_days(date(2026, 4, 3), 1) == date(2026, 4, 7)


def test_ten_working_days_from_a_monday() -> None:
    assert FRANCE.add_working_days(date(2026, 11, 30), 10) == date(2026, 12, 14)
    # Christmas and New Year's Day fall in between: two days later.
    assert FRANCE.add_working_days(date(2026, 12, 21), 10) == date(2027, 1, 6)


def test_subdivision_holidays_count() -> None:
    moselle = WorkingCalendar("FR", "57")
    assert not moselle.is_working_day(date(2026, 4, 3))  # Good Friday in Alsace-Moselle
    assert moselle.add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)
    assert FRANCE.add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 3)


def test_next_working_day() -> None:
    assert FRANCE.next_working_day(date(2026, 4, 4)) == date(2026, 4, 7)
    assert FRANCE.next_working_day(date(2026, 4, 7)) == date(2026, 4, 7)


def test_calendar_for_builds_one_calendar_per_country_and_subdivision() -> None:
    assert calendar_for(Calendar()) is calendar_for(Calendar("FR", None))
    assert calendar_for(Calendar("FR", "57")) is not calendar_for(Calendar())


# --- due dates ----------------------------------------------------------------------------------

PLAN_START = date(2026, 5, 4)  # a Monday


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (Due(days=10), date(2026, 5, 24)),  # counted from the stage opening (the default)
        (Due(days=10, counted_from=DueFrom.PLAN_START), date(2026, 5, 14)),  # Ascension: calendar days not moved
        (Due(working_days=5), date(2026, 5, 21)),  # from the opening on Ascension day: 15, 18, 19, 20, 21 May
        (Due(working_days=5, counted_from=DueFrom.PLAN_START), date(2026, 5, 12)),  # Friday 8 May skipped
        (Due(working_days=0), date(2026, 5, 14)),
        (Due(on=date(2026, 9, 1)), date(2026, 9, 1)),
        (Due(on=date(2026, 9, 1), counted_from=DueFrom.PLAN_START), date(2026, 9, 1)),
        (Due(), date(2026, 5, 14)),  # neither days nor working days: the origin
    ],
)
def test_due_date(due: Due, expected: date) -> None:
    assert due_date(task_def("t", due), PLAN_START, date(2026, 5, 14), FRANCE) == expected


def definition() -> WorkflowDefinition:
    first = StageDef(
        key="observe",
        lever=Lever.OBSERVE,
        title=TITLE,
        duration_days=30,
        gate=Gate.AUTO,
        tasks=(
            task_def("survey", Due(days=10)),
            task_def("data", Due(working_days=5)),
            task_def("intake", Due(on=date(2026, 6, 1))),
        ),
    )
    second = StageDef(
        key="experiment",
        lever=Lever.EXPERIMENT,
        title=TITLE,
        duration_days=20,
        gate=Gate.COMMITTEE,
        tasks=(
            task_def("pilot", Due(days=5)),
            task_def("school", Due(days=40, counted_from=DueFrom.PLAN_START)),
        ),
    )
    return WorkflowDefinition(key="demo", version=1, title=TITLE, roles=(Role("lead", TITLE),), stages=(first, second))


def test_plan_schedule_puts_stages_back_to_back() -> None:
    assert plan_schedule(definition(), PLAN_START) == [
        PlannedStage(
            "observe",
            date(2026, 5, 4),
            date(2026, 6, 3),
            {"survey": date(2026, 5, 14), "data": date(2026, 5, 12), "intake": date(2026, 6, 1)},
        ),
        PlannedStage(
            "experiment",
            date(2026, 6, 3),
            date(2026, 6, 23),
            {"pilot": date(2026, 6, 8), "school": date(2026, 6, 13)},
        ),
    ]


def test_stage_opening_late_recomputes_only_tasks_counted_from_the_opening() -> None:
    workflow = definition()
    due = stage_due_dates(workflow, workflow.stage("experiment"), PLAN_START, date(2026, 6, 15))
    assert due == {"pilot": date(2026, 6, 20), "school": date(2026, 6, 13)}
