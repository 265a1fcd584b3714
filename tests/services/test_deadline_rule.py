"""The deadline rule (from the plan's start to a horizon after its planned end) and stages following moved tasks.

The plan is the generic definition's, started on 1 December 2026 (``tests.web.plan_support``): its first
stage, "Observe and analyse", runs to 1 March 2027; its last ends on 25 January 2028.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from gpect_workflow import signals
from gpect_workflow.config import SETTINGS, validate_config
from gpect_workflow.definitions.model import StagesPolicy
from gpect_workflow.engine.rescheduling import StageWindow, TaskDate, plan_stage_changes
from gpect_workflow.errors import ConfigurationError, ValidationError
from gpect_workflow.models import Person, Plan, PlanStage, TaskStatus
from gpect_workflow.refusals import DUE_DATE_RANGE, Refusal
from gpect_workflow.services.context import session
from gpect_workflow.services.definitions import register_definitions
from gpect_workflow.services.tasks.changes import (
    change_task_status,
    move_deadline,
    preview_reschedule,
    reschedule,
    update_task,
)
from gpect_workflow.services.tasks.deadlines import check_due_date, due_date_window
from gpect_workflow.validation import DATE_MESSAGE
from tests.plan_helpers import received
from tests.web.plan_support import PLAN_START, Cast, cast_fixture, events, start_plan_of, task  # noqa: F401

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
LAST_STAGE_END = date(2028, 1, 25)


def stages(plan: Plan) -> dict[str, tuple[date, date]]:
    session().expire_all()
    rows = session().scalars(sa.select(PlanStage).where(PlanStage.plan_id == plan.id).order_by(PlanStage.position))
    return {s.stage_key: (s.planned_start_date, s.planned_end_date) for s in rows}


def due_dates(plan: Plan) -> dict[str, date]:
    session().expire_all()
    return {
        t.task_key: t.due_date
        for s in session().scalars(sa.select(PlanStage).where(PlanStage.plan_id == plan.id))
        for t in s.tasks
    }


def keep_plan(lead: Person, tmp_path: Path) -> Plan:
    """A plan of the generic definition whose stages keep their dates (``rescheduling: stages: keep``)."""
    text = (WORKFLOWS / "gpect-five-levers.yaml").read_text(encoding="utf-8")
    text = text.replace("key: gpect-five-levers\n", "key: five-levers-keep\n", 1)
    text = text.replace("rescheduling:\n  dependents: shift\n", "rescheduling:\n  dependents: shift\n  stages: keep\n")
    (tmp_path / "five-levers-keep.yaml").write_text(text, encoding="utf-8")
    register_definitions([tmp_path])
    return start_plan_of(lead, "five-levers-keep")


# --- the rule ---------------------------------------------------------------------------------------------


def test_the_window_runs_from_the_plan_start_to_the_horizon_after_the_last_stage(app: Flask, cast: Cast) -> None:
    assert stages(cast.plan)["lead-change"][1] == LAST_STAGE_END
    assert due_date_window(cast.plan) == (PLAN_START, LAST_STAGE_END + timedelta(days=365))
    app.config["DEADLINE_HORIZON_DAYS"] = 0
    assert due_date_window(cast.plan) == (PLAN_START, LAST_STAGE_END)
    app.config["DEADLINE_HORIZON_DAYS"] = 36_500
    assert due_date_window(cast.plan) == (PLAN_START, date(2099, 12, 31)), "never past the supported dates"


def test_the_plan_start_date_is_allowed_and_the_day_before_refused_naming_the_range(cast: Cast) -> None:
    data = task(cast.plan, "employment-data")
    before = due_dates(cast.plan)
    with pytest.raises(ValidationError) as refused:
        move_deadline(cast.lead, data.id, PLAN_START - timedelta(days=1))
    error = refused.value
    assert error.refusal is Refusal.DUE_DATE_OUTSIDE_PLAN and error.fields == {"due_date": [DUE_DATE_RANGE]}
    assert error.params == {"first": PLAN_START, "last": LAST_STAGE_END + timedelta(days=365)}
    assert str(error) == "A deadline must fall between the plan's start, 2026-12-01, and 2029-01-24."
    session().rollback()
    assert due_dates(cast.plan) == before and not events(cast.plan, "deadline_moved")
    move_deadline(cast.lead, data.id, PLAN_START)
    session().commit()
    assert task(cast.plan, "employment-data").due_date == PLAN_START


@pytest.mark.parametrize("horizon", [365, 0, 30])
def test_the_horizon_edge_is_allowed_and_the_day_after_refused(app: Flask, cast: Cast, horizon: int) -> None:
    app.config["DEADLINE_HORIZON_DAYS"] = horizon
    final = task(cast.plan, "final-review")
    edge = LAST_STAGE_END + timedelta(days=horizon)
    for step in (preview_reschedule, reschedule):
        with pytest.raises(ValidationError) as refused:
            step(cast.lead, final.id, edge + timedelta(days=1))
        assert refused.value.refusal is Refusal.DUE_DATE_OUTSIDE_PLAN
        assert refused.value.params["last"] == edge
    session().rollback()
    reschedule(cast.lead, final.id, edge)
    session().commit()
    assert task(cast.plan, "final-review").due_date == edge
    assert stages(cast.plan)["lead-change"][1] == edge, "the last stage ends with its task"


@pytest.mark.parametrize(
    ("day", "refusal"),
    [
        (date(1, 1, 1), Refusal.DATE_OUT_OF_RANGE),
        (date(9999, 12, 31), Refusal.DATE_OUT_OF_RANGE),
        (date.max, Refusal.DATE_OUT_OF_RANGE),
        (date(2020, 1, 1), Refusal.DUE_DATE_OUTSIDE_PLAN),
        (date(2099, 12, 31), Refusal.DUE_DATE_OUTSIDE_PLAN),
    ],
)
def test_hostile_dates_are_refused_by_the_service(cast: Cast, day: date, refusal: Refusal) -> None:
    survey = task(cast.plan, "business-survey")
    before = due_dates(cast.plan), stages(cast.plan)
    for call in (
        lambda: move_deadline(cast.lead, survey.id, day),
        lambda: preview_reschedule(cast.lead, survey.id, day),
        lambda: update_task(cast.lead, survey.id, due_date=day),
    ):
        with pytest.raises(ValidationError) as refused:
            call()
        assert refused.value.refusal is refusal and list(refused.value.fields) == ["due_date"]
        session().rollback()
    assert (due_dates(cast.plan), stages(cast.plan)) == before


def test_check_due_date_names_its_field(cast: Cast) -> None:
    with pytest.raises(ValidationError) as refused:
        check_due_date(cast.plan, date(2020, 1, 1), "deadline")
    assert refused.value.fields == {"deadline": [DUE_DATE_RANGE]}
    with pytest.raises(ValidationError) as refused:
        check_due_date(cast.plan, date(1999, 12, 31), "deadline")
    assert refused.value.fields == {"deadline": [DATE_MESSAGE]}
    assert check_due_date(cast.plan, PLAN_START) == PLAN_START


@pytest.mark.parametrize("bad", [-1, 36_501, 10**30, True, "365", 1.5, None])
def test_the_horizon_setting_is_checked_at_start_up(bad: object) -> None:
    config = {setting.name: setting.default for setting in SETTINGS} | {"DEADLINE_HORIZON_DAYS": bad}
    with pytest.raises(ConfigurationError, match="DEADLINE_HORIZON_DAYS: must be a whole number of days from 0"):
        validate_config(config, debug=True, testing=True)


def test_the_horizon_defaults_to_a_year() -> None:
    assert next(s for s in SETTINGS if s.name == "DEADLINE_HORIZON_DAYS").default == 365


# --- stages follow their tasks ----------------------------------------------------------------------------


def test_a_move_past_the_stage_end_extends_it_and_shifts_the_later_stages_and_their_tasks(cast: Cast) -> None:
    diagnosis = task(cast.plan, "shared-diagnosis")
    windows, dues = stages(cast.plan), due_dates(cast.plan)
    observe_end = windows["observe"][1]
    assert observe_end == date(2027, 3, 1)
    new_due = observe_end + timedelta(days=12)
    preview = preview_reschedule(cast.lead, diagnosis.id, new_due)
    assert (stages(cast.plan), due_dates(cast.plan)) == (windows, dues), "a preview changes nothing"
    with received(signals.deadline_moved) as signalled:
        move = reschedule(cast.lead, diagnosis.id, new_due, note="Atelier reporté")
    session().commit()
    assert move.stages == preview.stages and move.shifts == preview.shifts and move.carried == preview.carried
    after = stages(cast.plan)
    assert after["observe"] == (windows["observe"][0], new_due)
    for key in ("experiment", "adapt", "articulate", "lead-change"):
        assert after[key] == (windows[key][0] + timedelta(days=12), windows[key][1] + timedelta(days=12)), key
    (observe, *later) = move.stages
    assert (observe.key, observe.extended_by, observe.later_shifted_by, observe.overlaps) == ("observe", 12, 12, None)
    assert [c.key for c in later] == ["experiment", "adapt", "articulate", "lead-change"]
    assert all(c.extended_by == 0 and c.new_start - c.old_start == timedelta(days=12) for c in later)
    moved = due_dates(cast.plan)
    observe_tasks = {"inventory-existing-studies", "employment-data", "business-survey"}
    assert {key: moved[key] for key in observe_tasks} == {key: dues[key] for key in observe_tasks}
    later_tasks = set(dues) - observe_tasks - {"shared-diagnosis"}
    assert {key: moved[key] - dues[key] for key in later_tasks} == dict.fromkeys(later_tasks, timedelta(days=12))
    assert len(move.carried) == len(later_tasks) == 11
    assert [e.task_id for e in events(cast.plan, "deadline_moved")] == [diagnosis.id], "carried tasks not one by one"
    assert signalled[0]["shifts"] == move.shifts
    journaled = events(cast.plan, "stage_dates_changed")
    assert [(e.stage_id, e.from_state, e.to_state) for e in journaled] == [
        (c.stage_id, f"{c.old_start}/{c.old_end}", f"{c.new_start}/{c.new_end}") for c in move.stages
    ]
    assert journaled[0].data == {"caused_by": "shared-diagnosis", "extended_days": 12, "shifted_days": 0, "tasks": 0}
    assert journaled[1].data == {"caused_by": "shared-diagnosis", "extended_days": 0, "shifted_days": 12, "tasks": 4}
    assert all(e.actor_id == cast.lead.id for e in journaled)


def test_a_move_within_the_stage_changes_no_stage(cast: Cast) -> None:
    diagnosis = task(cast.plan, "shared-diagnosis")
    windows = stages(cast.plan)
    move = reschedule(cast.lead, diagnosis.id, windows["observe"][1])
    session().commit()
    assert move.stages == [] and move.carried == [] and stages(cast.plan) == windows
    assert not events(cast.plan, "stage_dates_changed")


def test_a_dependent_carried_past_the_stage_end_extends_it_too(cast: Cast) -> None:
    """Moving the survey shifts the diagnosis (which waits for it) past the stage's end: the stage follows it."""
    survey = task(cast.plan, "business-survey")
    dues = due_dates(cast.plan)
    move = reschedule(cast.lead, survey.id, date(2027, 2, 25))
    session().commit()
    assert due_dates(cast.plan)["shared-diagnosis"] == dues["shared-diagnosis"] + timedelta(days=26)
    assert stages(cast.plan)["observe"][1] == date(2027, 3, 17)
    assert move.stages[0].extended_by == 16 and move.stages[1].new_start == date(2027, 3, 17)


def test_started_and_finished_tasks_of_later_stages_keep_their_dates(cast: Cast) -> None:
    """Only tasks still to do move with their stage: the engine rule on a later stage holding all three."""
    windows = [
        StageWindow(1, "one", date(2027, 1, 1), date(2027, 2, 1)),
        StageWindow(2, "two", date(2027, 2, 1), date(2027, 3, 1)),
        StageWindow(3, "closed", date(2027, 3, 1), date(2027, 4, 1), closed=True),
        StageWindow(4, "four", date(2027, 4, 1), date(2027, 5, 1)),
    ]
    tasks = [
        TaskDate(10, 1, date(2027, 1, 20), True),
        TaskDate(20, 2, date(2027, 2, 10), True),
        TaskDate(21, 2, date(2027, 2, 11), False),
        TaskDate(40, 4, date(2027, 4, 10), True),
    ]
    changes, carried = plan_stage_changes(windows, tasks, {10: date(2027, 2, 6)}, 10, StagesPolicy.SHIFT)
    assert [(c.key, c.new_start, c.new_end) for c in changes] == [
        ("one", date(2027, 1, 1), date(2027, 2, 6)),
        ("two", date(2027, 2, 6), date(2027, 3, 6)),
        ("four", date(2027, 4, 6), date(2027, 5, 6)),
    ], "the closed stage never moves"
    assert [(s.task_id, s.new) for s in carried] == [(20, date(2027, 2, 15)), (40, date(2027, 4, 15))]


def test_with_the_keep_policy_only_the_stage_end_moves_and_it_overlaps_the_next(cast: Cast, tmp_path: Path) -> None:
    plan = keep_plan(cast.lead, tmp_path)
    session().commit()
    diagnosis = task(plan, "shared-diagnosis")
    windows, dues = stages(plan), due_dates(plan)
    new_due = windows["observe"][1] + timedelta(days=12)
    move = reschedule(cast.lead, diagnosis.id, new_due)
    session().commit()
    (observe,) = move.stages
    assert (observe.extended_by, observe.later_shifted_by, observe.overlaps) == (12, 0, "experiment")
    assert stages(plan) == {**windows, "observe": (windows["observe"][0], new_due)}
    assert due_dates(plan) == {**dues, "shared-diagnosis": new_due} and move.carried == []
    (journaled,) = events(plan, "stage_dates_changed")
    assert journaled.data == {"caused_by": "shared-diagnosis", "extended_days": 12, "shifted_days": 0, "tasks": 0}


def test_a_task_in_progress_in_the_moved_stage_keeps_counting_and_the_api_update_reports_the_stages(
    cast: Cast,
) -> None:
    data = task(cast.plan, "employment-data")
    change_task_status(cast.partner, data.id, TaskStatus.IN_PROGRESS)
    session().commit()
    update = update_task(cast.lead, data.id, due_date=date(2027, 3, 5))
    session().commit()
    assert update.task.due_date == date(2027, 3, 5) and update.move is not None
    assert [c.key for c in update.move.stages][:2] == ["observe", "experiment"]
    assert update_task(cast.lead, data.id, assignee_id=cast.colleague.id).move is None
