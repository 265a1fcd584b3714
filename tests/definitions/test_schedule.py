"""Planned schedules: stages back to back from the plan start, and each kind of due date."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from gpect_workflow.definitions import WorkflowDefinition, load_definition_file
from gpect_workflow.definitions.model import Calendar, Due, DueFrom, TaskDef, Text
from gpect_workflow.engine.calendar import WorkingCalendar, calendar_for
from gpect_workflow.engine.schedule import due_date, plan_schedule, stage_due_dates

WORKFLOWS_DIR = Path(__file__).resolve().parents[2] / "workflows"

# Plan start Monday 14 December 2026: Christmas (Fri 25 Dec) and New Year (Fri 1 Jan) fall in the first stage.
PLAN_START = date(2026, 12, 14)

DEFINITION = """\
# Every kind of due date, for the schedule tests.
key: schedule
version: 1
title: {fr: Calendrier, en: Schedule}
calendar:
  country: FR
roles:
  lead:
    title: {fr: Chef de projet, en: Project lead}
stages:
  - key: first
    lever: observe
    title: {fr: Premier, en: First}
    duration_days: 30
    tasks:
      - {key: calendar-days, title: {fr: A, en: A}, owner: lead, due_days: 10}
      - {key: working-days, title: {fr: B, en: B}, owner: lead, due_working_days: 10}
      - {key: absolute, title: {fr: C, en: C}, owner: lead, due_date: 2026-09-01}
      - {key: last-day, title: {fr: D, en: D}, owner: lead, due_days: 30}
      - {key: from-start, title: {fr: E, en: E}, owner: lead, due_days: 5, due_from: plan_start}
      - {key: on-opening, title: {fr: F, en: F}, owner: lead, due_working_days: 0}
  - key: second
    lever: adapt
    title: {fr: Second, en: Second}
    duration_days: 60
    due_from: plan_start
    tasks:
      - {key: inherits-plan-start, title: {fr: G, en: G}, owner: lead, due_days: 40}
      - {key: overrides, title: {fr: H, en: H}, owner: lead, due_days: 20, due_from: stage_opening}
      - {key: working-from-opening, title: {fr: I, en: I}, owner: lead, due_working_days: 3, due_from: stage_opening}
      - {key: working-from-start, title: {fr: J, en: J}, owner: lead, due_working_days: 40}
  - key: third
    lever: lead_change
    title: {fr: Troisième, en: Third}
    duration_days: 15
    tasks:
      - {key: closing, title: {fr: K, en: K}, owner: lead, due_days: 15}
"""


@pytest.fixture
def definition(parse: Callable[[str], WorkflowDefinition]) -> WorkflowDefinition:
    return parse(DEFINITION)


@pytest.fixture
def france() -> WorkingCalendar:
    return calendar_for(Calendar())


def _task(due: Due) -> TaskDef:
    return TaskDef(key="t", title=Text("T", "T"), owner="lead", due=due)


def test_the_parser_records_each_kind_of_due(definition: WorkflowDefinition) -> None:
    first, second, _ = definition.stages
    dues = {task.key: task.due for task in definition.tasks()}
    assert dues["calendar-days"] == Due(days=10, counted_from=DueFrom.STAGE_OPENING)
    assert dues["working-days"] == Due(working_days=10, counted_from=DueFrom.STAGE_OPENING)
    assert dues["absolute"] == Due(on=date(2026, 9, 1), counted_from=DueFrom.STAGE_OPENING)
    assert dues["from-start"].counted_from is DueFrom.PLAN_START
    assert second.due_from is DueFrom.PLAN_START and first.due_from is DueFrom.STAGE_OPENING
    assert dues["inherits-plan-start"].counted_from is DueFrom.PLAN_START
    assert dues["overrides"].counted_from is DueFrom.STAGE_OPENING


def test_stages_are_planned_back_to_back(definition: WorkflowDefinition) -> None:
    schedule = plan_schedule(definition, PLAN_START)
    assert [stage.key for stage in schedule] == ["first", "second", "third"]
    assert schedule[0].start == PLAN_START
    for planned, stage in zip(schedule, definition.stages, strict=True):
        assert planned.end == planned.start + timedelta(days=stage.duration_days)
    for previous, following in itertools.pairwise(schedule):
        assert following.start == previous.end
    assert [(stage.start, stage.end) for stage in schedule] == [
        (date(2026, 12, 14), date(2027, 1, 13)),
        (date(2027, 1, 13), date(2027, 3, 14)),
        (date(2027, 3, 14), date(2027, 3, 29)),
    ]


def test_every_kind_of_due_date_in_the_planned_schedule(definition: WorkflowDefinition) -> None:
    first, second, third = plan_schedule(definition, PLAN_START)
    assert first.due_dates == {
        "calendar-days": date(2026, 12, 24),  # 14 Dec + 10 days, a Thursday
        "working-days": date(2026, 12, 29),  # 10 working days, Christmas skipped: 15-18, 21-24, 28, 29
        "absolute": date(2026, 9, 1),  # whatever the plan start, even before it
        "last-day": date(2027, 1, 13),  # D days after a D-day stage's opening is its end = the next opening
        "from-start": date(2026, 12, 19),  # plan start + 5, a Saturday: calendar days are not moved
        "on-opening": date(2026, 12, 14),  # 0 working days is the origin itself
    }
    assert first.due_dates["last-day"] == first.end == second.start
    assert second.due_dates == {
        "inherits-plan-start": date(2027, 1, 23),  # plan start + 40 (the stage counts from the plan start)
        "overrides": date(2027, 2, 2),  # stage opening 13 Jan + 20
        "working-from-opening": date(2027, 1, 18),  # Wed 13 Jan + 3 working days: 14, 15, 18
        "working-from-start": date(2027, 2, 10),  # 40 working days from 14 Dec, 25 Dec and 1 Jan skipped
    }
    assert third.due_dates == {"closing": third.end}


def test_a_late_stage_recomputes_only_the_dates_counted_from_its_opening(definition: WorkflowDefinition) -> None:
    second = definition.stage("second")
    planned = plan_schedule(definition, PLAN_START)[1].due_dates
    late = stage_due_dates(definition, second, PLAN_START, date(2027, 2, 1))
    assert late["inherits-plan-start"] == planned["inherits-plan-start"]
    assert late["working-from-start"] == planned["working-from-start"]
    assert late["overrides"] == date(2027, 2, 21)
    assert late["working-from-opening"] == date(2027, 2, 4)
    first = definition.stage("first")
    late_first = stage_due_dates(definition, first, PLAN_START, date(2026, 12, 21))
    assert late_first["absolute"] == date(2026, 9, 1)
    assert late_first["from-start"] == date(2026, 12, 19)
    assert late_first["calendar-days"] == date(2026, 12, 31)
    assert late_first["working-days"] == date(2027, 1, 6)  # 22-24, 28-31, 4-6 (25 Dec and 1 Jan skipped)


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (Due(days=7), date(2027, 1, 20)),
        (Due(days=7, counted_from=DueFrom.PLAN_START), date(2026, 12, 21)),
        (Due(working_days=1), date(2027, 1, 14)),
        (Due(working_days=1, counted_from=DueFrom.PLAN_START), date(2026, 12, 15)),
        (Due(working_days=9, counted_from=DueFrom.PLAN_START), date(2026, 12, 28)),
        (Due(on=date(2027, 6, 30)), date(2027, 6, 30)),
        (Due(on=date(2027, 6, 30), counted_from=DueFrom.PLAN_START), date(2027, 6, 30)),
        (Due(days=0), date(2027, 1, 13)),
    ],
)
def test_due_date(france: WorkingCalendar, due: Due, expected: date) -> None:
    assert due_date(_task(due), PLAN_START, date(2027, 1, 13), france) == expected


def test_calendar_days_and_working_days_differ_over_holidays(france: WorkingCalendar) -> None:
    opening = date(2026, 12, 24)
    assert due_date(_task(Due(days=1)), opening, opening, france) == date(2026, 12, 25)  # a holiday, not moved
    assert due_date(_task(Due(working_days=1)), opening, opening, france) == date(2026, 12, 28)


def test_a_subdivision_calendar_is_used_for_working_days(parse: Callable[[str], WorkflowDefinition]) -> None:
    moselle = parse(DEFINITION.replace("  country: FR\n", '  country: FR\n  subdivision: "57"\n'))
    assert moselle.calendar == Calendar(country="FR", subdivision="57")
    national = parse(DEFINITION)
    # Plan start Thursday 25 March 2027: Good Friday is a holiday in Moselle only, Easter Monday in both.
    start = date(2027, 3, 25)
    assert plan_schedule(national, start)[0].due_dates["working-days"] == date(2027, 4, 9)
    assert plan_schedule(moselle, start)[0].due_dates["working-days"] == date(2027, 4, 12)
    assert plan_schedule(moselle, start)[0].due_dates["calendar-days"] == date(2027, 4, 4)


def test_a_shipped_definition_is_planned_end_to_end() -> None:
    definition = load_definition_file(WORKFLOWS_DIR / "chartres-cosmetics-training.yaml")
    start = date(2026, 9, 7)
    schedule = plan_schedule(definition, start)
    assert schedule[-1].end == start + timedelta(days=sum(stage.duration_days for stage in definition.stages))
    assert schedule[-1].end == date(2027, 12, 31)
    for planned, stage in zip(schedule, definition.stages, strict=True):
        assert set(planned.due_dates) == {task.key for task in stage.tasks}
        for task in stage.tasks:
            # the checks keep offsets from the opening inside the stage; allow the holiday margin the docs warn of
            assert planned.start <= planned.due_dates[task.key] <= planned.end + timedelta(days=7), task.key
    recruitment = schedule[2]
    assert recruitment.start == date(2026, 12, 21)
    # 10 working days from Monday 21 December: 22-24, 28-31, 4-6 January (25 Dec and 1 Jan skipped)
    assert recruitment.due_dates["information-sessions"] == date(2027, 1, 6)
