"""Stage exit rules and gate decisions (``gpect_workflow.engine.stages``)."""

from __future__ import annotations

import pytest

from gpect_workflow.definitions.model import Gate
from gpect_workflow.engine.stages import (
    TaskFacts,
    check_decision,
    stage_after_decision,
    status_when_ready,
    unfinished_required,
)
from gpect_workflow.engine.states import Decision, StageStatus, TaskStatus
from gpect_workflow.errors import InvalidTransition, ValidationError
from gpect_workflow.refusals import Refusal
from tests.refusing import field_words, refused

T = TaskStatus
STAGE_TASKS = ["survey", "report", "review"]


# --- exit rule ----------------------------------------------------------------------------------


def test_no_tasks_means_nothing_unfinished() -> None:
    assert unfinished_required([]) == []


@pytest.mark.parametrize("status", [T.TODO, T.IN_PROGRESS, T.BLOCKED], ids=str)
def test_open_required_task_is_unfinished(status: TaskStatus) -> None:
    assert unfinished_required([TaskFacts("survey", status, True)]) == ["survey"]


@pytest.mark.parametrize("status", [T.DONE, T.SKIPPED], ids=str)
def test_done_or_skipped_required_task_is_finished(status: TaskStatus) -> None:
    assert unfinished_required([TaskFacts("survey", status, True)]) == []


@pytest.mark.parametrize("status", list(TaskStatus), ids=str)
def test_optional_tasks_are_ignored_whatever_their_status(status: TaskStatus) -> None:
    assert unfinished_required([TaskFacts("extra", status, False)]) == []


def test_unfinished_required_lists_keys_in_order_and_only_the_right_ones() -> None:
    tasks = [
        TaskFacts("a", T.BLOCKED, True),
        TaskFacts("b", T.DONE, True),
        TaskFacts("c", T.TODO, False),
        TaskFacts("d", T.IN_PROGRESS, True),
        TaskFacts("e", T.SKIPPED, True),
        TaskFacts("f", T.TODO, True),
    ]
    assert unfinished_required(tasks) == ["a", "d", "f"]
    assert unfinished_required(iter(tasks)) == ["a", "d", "f"]


def test_status_when_ready_auto_gate_closes() -> None:
    assert status_when_ready(Gate.AUTO) is StageStatus.CLOSED


def test_status_when_ready_committee_gate_waits() -> None:
    assert status_when_ready(Gate.COMMITTEE) is StageStatus.AWAITING_DECISION


# --- gate decisions -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [s for s in StageStatus if s is not StageStatus.AWAITING_DECISION], ids=str)
@pytest.mark.parametrize("decision", list(Decision), ids=str)
def test_decision_only_from_awaiting_decision(status: StageStatus, decision: Decision) -> None:
    reopen = ["survey"] if decision is Decision.REWORK else []
    with refused(InvalidTransition, Refusal.STAGE_NOT_AWAITING_DECISION):
        check_decision(status, decision, reopen, STAGE_TASKS)


@pytest.mark.parametrize("decision", [Decision.APPROVE, Decision.HOLD], ids=str)
def test_approve_and_hold_without_tasks_are_accepted(decision: Decision) -> None:
    check_decision(StageStatus.AWAITING_DECISION, decision, [], STAGE_TASKS)  # no error


def test_rework_naming_tasks_of_the_stage_is_accepted() -> None:
    check_decision(StageStatus.AWAITING_DECISION, Decision.REWORK, ["report", "survey"], STAGE_TASKS)
    check_decision(StageStatus.AWAITING_DECISION, Decision.REWORK, iter(["review"]), iter(STAGE_TASKS))


def test_rework_needs_tasks() -> None:
    with pytest.raises(ValidationError) as caught:
        check_decision(StageStatus.AWAITING_DECISION, Decision.REWORK, [], STAGE_TASKS)
    assert field_words(caught.value) == {"reopen": ["Choose at least one task of this stage to rework."]}


@pytest.mark.parametrize("decision", [Decision.APPROVE, Decision.HOLD], ids=str)
def test_approve_and_hold_with_tasks_are_refused(decision: Decision) -> None:
    with pytest.raises(ValidationError) as caught:
        check_decision(StageStatus.AWAITING_DECISION, decision, ["survey"], STAGE_TASKS)
    assert field_words(caught.value) == {"reopen": ["Leave empty unless the decision is rework."]}


def test_rework_with_unknown_tasks_lists_them_sorted() -> None:
    with pytest.raises(ValidationError) as caught:
        check_decision(StageStatus.AWAITING_DECISION, Decision.REWORK, ["zeta", "survey", "alpha"], STAGE_TASKS)
    assert field_words(caught.value) == {"reopen": ["Not tasks of this stage: alpha, zeta."]}


def test_rework_when_the_stage_has_no_tasks_names_an_unknown_task() -> None:
    with pytest.raises(ValidationError) as caught:
        check_decision(StageStatus.AWAITING_DECISION, Decision.REWORK, ["survey"], [])
    assert field_words(caught.value) == {"reopen": ["Not tasks of this stage: survey."]}


def test_stage_status_checked_before_the_tasks() -> None:
    with pytest.raises(InvalidTransition):
        check_decision(StageStatus.OPEN, Decision.REWORK, [], STAGE_TASKS)


@pytest.mark.parametrize(
    ("decision", "expected"),
    [
        (Decision.APPROVE, StageStatus.CLOSED),
        (Decision.REWORK, StageStatus.OPEN),
        (Decision.HOLD, StageStatus.AWAITING_DECISION),
    ],
    ids=str,
)
def test_stage_after_decision(decision: Decision, expected: StageStatus) -> None:
    assert stage_after_decision(decision) is expected
