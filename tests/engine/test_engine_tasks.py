"""The task state machine (``gpect_workflow.engine.tasks``): every pair of statuses, actors, reasons, dependencies."""

from __future__ import annotations

import itertools

import pytest

from gpect_workflow.engine.states import TaskStatus
from gpect_workflow.engine.tasks import TASK_TRANSITIONS, TaskChange, allowed_targets, check_task_change
from gpect_workflow.errors import InvalidTransition, PermissionDenied, ValidationError
from gpect_workflow.refusals import REASON_NEEDED, Refusal
from tests.refusing import refused

T = TaskStatus
ALL_PAIRS = list(itertools.product(TaskStatus, TaskStatus))

#: The table as the documentation states it: (from, to) → (lead only, needs a reason, needs dependencies).
EXPECTED_TABLE = {
    (T.TODO, T.IN_PROGRESS): (False, False, True),
    (T.TODO, T.DONE): (False, False, True),
    (T.IN_PROGRESS, T.DONE): (False, False, True),
    (T.IN_PROGRESS, T.TODO): (False, False, False),
    (T.TODO, T.BLOCKED): (False, True, False),
    (T.IN_PROGRESS, T.BLOCKED): (False, True, False),
    (T.BLOCKED, T.TODO): (False, False, False),
    (T.BLOCKED, T.IN_PROGRESS): (False, False, True),
    (T.TODO, T.SKIPPED): (True, True, False),
    (T.IN_PROGRESS, T.SKIPPED): (True, True, False),
    (T.BLOCKED, T.SKIPPED): (True, True, False),
    (T.DONE, T.TODO): (True, True, False),
    (T.SKIPPED, T.TODO): (True, True, False),
}
ALLOWED = sorted(EXPECTED_TABLE)
REFUSED = [pair for pair in ALL_PAIRS if pair not in EXPECTED_TABLE]
LEAD_ONLY = [pair for pair, (lead_only, _, _) in EXPECTED_TABLE.items() if lead_only]
WORKER_PAIRS = [pair for pair, (lead_only, _, _) in EXPECTED_TABLE.items() if not lead_only]
NEEDS_REASON = [pair for pair, (_, reason, _) in EXPECTED_TABLE.items() if reason]
NO_REASON = [pair for pair, (_, reason, _) in EXPECTED_TABLE.items() if not reason]
NEEDS_DEPENDENCIES = [pair for pair, (_, _, deps) in EXPECTED_TABLE.items() if deps]
NO_DEPENDENCIES = [pair for pair, (_, _, deps) in EXPECTED_TABLE.items() if not deps]


def _ids(pair: tuple[TaskStatus, TaskStatus]) -> str:
    return f"{pair[0]}->{pair[1]}"


def change(
    pair: tuple[TaskStatus, TaskStatus],
    *,
    is_lead: bool = False,
    is_worker: bool = True,
    reason: str | None = "a reason",
    dependencies_done: bool = True,
    override: bool = False,
) -> TaskChange:
    return check_task_change(
        pair[0],
        pair[1],
        is_lead=is_lead,
        is_worker=is_worker,
        reason=reason,
        dependencies_done=dependencies_done,
        override=override,
    )


def test_transition_table_is_the_documented_one() -> None:
    actual = {
        pair: (rule.lead_only, rule.needs_reason, rule.needs_dependencies) for pair, rule in TASK_TRANSITIONS.items()
    }
    assert actual == EXPECTED_TABLE
    assert len(ALLOWED) + len(REFUSED) == len(TaskStatus) ** 2 == 25


# --- allowed and refused pairs ------------------------------------------------------------------


@pytest.mark.parametrize("pair", WORKER_PAIRS, ids=_ids)
def test_worker_may_make_every_non_lead_transition(pair: tuple[TaskStatus, TaskStatus]) -> None:
    assert change(pair, is_lead=False, is_worker=True) == TaskChange(pair[0], pair[1], overrides_dependencies=False)


@pytest.mark.parametrize("pair", ALLOWED, ids=_ids)
@pytest.mark.parametrize("is_worker", [True, False], ids=["lead-and-worker", "lead-only"])
def test_lead_may_make_every_allowed_transition(pair: tuple[TaskStatus, TaskStatus], is_worker: bool) -> None:
    assert change(pair, is_lead=True, is_worker=is_worker) == TaskChange(pair[0], pair[1], False)


@pytest.mark.parametrize("pair", REFUSED, ids=_ids)
@pytest.mark.parametrize(
    ("is_lead", "is_worker"), [(True, True), (True, False), (False, True), (False, False)], ids=str
)
def test_every_other_pair_is_an_invalid_transition_whoever_asks(
    pair: tuple[TaskStatus, TaskStatus], is_lead: bool, is_worker: bool
) -> None:
    if pair[0] is pair[1]:
        expected = refused(InvalidTransition, Refusal.TASK_ALREADY_IN_STATUS, current=pair[0])
    else:
        expected = refused(InvalidTransition, Refusal.TASK_CANNOT_GO, current=pair[0], target=pair[1])
    with expected:
        change(pair, is_lead=is_lead, is_worker=is_worker, override=is_lead)


@pytest.mark.parametrize("status", list(TaskStatus), ids=str)
def test_staying_in_the_same_status_is_not_a_transition(status: TaskStatus) -> None:
    with refused(InvalidTransition, Refusal.TASK_ALREADY_IN_STATUS, current=status):
        change((status, status), is_lead=True)


# --- who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("pair", LEAD_ONLY, ids=_ids)
def test_lead_only_transition_refused_to_a_worker(pair: tuple[TaskStatus, TaskStatus]) -> None:
    with refused(PermissionDenied, Refusal.LEAD_ONLY_TRANSITION, current=pair[0], target=pair[1]):
        change(pair, is_lead=False, is_worker=True)


def test_skip_and_reopen_are_the_lead_only_transitions() -> None:
    assert set(LEAD_ONLY) == {
        (T.TODO, T.SKIPPED),
        (T.IN_PROGRESS, T.SKIPPED),
        (T.BLOCKED, T.SKIPPED),
        (T.DONE, T.TODO),
        (T.SKIPPED, T.TODO),
    }


@pytest.mark.parametrize("pair", WORKER_PAIRS, ids=_ids)
def test_non_worker_non_lead_refused_an_ordinary_transition(pair: tuple[TaskStatus, TaskStatus]) -> None:
    with refused(PermissionDenied, Refusal.WORKERS_CHANGE_TASKS):
        change(pair, is_lead=False, is_worker=False)


@pytest.mark.parametrize("pair", LEAD_ONLY, ids=_ids)
def test_non_worker_non_lead_refused_a_lead_transition(pair: tuple[TaskStatus, TaskStatus]) -> None:
    with refused(PermissionDenied, Refusal.LEAD_ONLY_TRANSITION, current=pair[0], target=pair[1]):
        change(pair, is_lead=False, is_worker=False)


def test_permission_is_checked_before_the_reason() -> None:
    with pytest.raises(PermissionDenied):
        change((T.TODO, T.SKIPPED), is_lead=False, is_worker=True, reason=None)


# --- reasons ------------------------------------------------------------------------------------


@pytest.mark.parametrize("pair", NEEDS_REASON, ids=_ids)
@pytest.mark.parametrize("reason", [None, "", " ", "  \t\n "], ids=["none", "empty", "space", "whitespace"])
def test_reason_required(pair: tuple[TaskStatus, TaskStatus], reason: str | None) -> None:
    with pytest.raises(ValidationError) as caught:
        change(pair, is_lead=True, reason=reason)
    assert list(caught.value.fields) == ["note"]
    assert caught.value.fields["note"] == [REASON_NEEDED]


def test_reasons_are_required_for_blocking_skipping_and_reopening() -> None:
    assert {target for _, target in NEEDS_REASON} == {T.BLOCKED, T.SKIPPED, T.TODO}
    assert {source for source, target in NEEDS_REASON if target is T.TODO} == {T.DONE, T.SKIPPED}


@pytest.mark.parametrize("pair", NEEDS_REASON, ids=_ids)
def test_reason_with_surrounding_spaces_is_accepted(pair: tuple[TaskStatus, TaskStatus]) -> None:
    assert change(pair, is_lead=True, reason="  waiting for the survey  ").target is pair[1]


@pytest.mark.parametrize("pair", NO_REASON, ids=_ids)
def test_no_reason_needed_elsewhere(pair: tuple[TaskStatus, TaskStatus]) -> None:
    assert change(pair, is_lead=False, is_worker=True, reason=None).target is pair[1]


# --- dependencies -------------------------------------------------------------------------------


@pytest.mark.parametrize("pair", NEEDS_DEPENDENCIES, ids=_ids)
@pytest.mark.parametrize("is_lead", [False, True], ids=["worker", "lead"])
def test_unfinished_dependencies_refuse_the_change(pair: tuple[TaskStatus, TaskStatus], is_lead: bool) -> None:
    with refused(InvalidTransition, Refusal.DEPENDENCIES_NOT_DONE):
        change(pair, is_lead=is_lead, dependencies_done=False)


@pytest.mark.parametrize("pair", NEEDS_DEPENDENCIES, ids=_ids)
def test_lead_override_lets_the_change_through_and_says_so(pair: tuple[TaskStatus, TaskStatus]) -> None:
    result = change(pair, is_lead=True, is_worker=False, dependencies_done=False, override=True)
    assert result == TaskChange(pair[0], pair[1], overrides_dependencies=True)


@pytest.mark.parametrize("pair", NEEDS_DEPENDENCIES, ids=_ids)
def test_lead_override_with_dependencies_done_overrides_nothing(pair: tuple[TaskStatus, TaskStatus]) -> None:
    result = change(pair, is_lead=True, dependencies_done=True, override=True)
    assert result.overrides_dependencies is False


@pytest.mark.parametrize("pair", ALLOWED, ids=_ids)
@pytest.mark.parametrize("dependencies_done", [False, True], ids=["deps-open", "deps-done"])
def test_worker_asking_for_override_is_refused(pair: tuple[TaskStatus, TaskStatus], dependencies_done: bool) -> None:
    with pytest.raises(PermissionDenied):
        change(pair, is_lead=False, is_worker=True, dependencies_done=dependencies_done, override=True)


@pytest.mark.parametrize("pair", NO_DEPENDENCIES, ids=_ids)
def test_dependencies_do_not_matter_for_other_transitions(pair: tuple[TaskStatus, TaskStatus]) -> None:
    result = change(pair, is_lead=True, dependencies_done=False)
    assert result == TaskChange(pair[0], pair[1], overrides_dependencies=False)


def test_dependency_rule_covers_starting_and_finishing() -> None:
    assert set(NEEDS_DEPENDENCIES) == {
        (T.TODO, T.IN_PROGRESS),
        (T.TODO, T.DONE),
        (T.IN_PROGRESS, T.DONE),
        (T.BLOCKED, T.IN_PROGRESS),
    }


# --- allowed_targets ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "lead", "worker"),
    [
        (T.TODO, [T.IN_PROGRESS, T.DONE, T.BLOCKED, T.SKIPPED], [T.IN_PROGRESS, T.DONE, T.BLOCKED]),
        (T.IN_PROGRESS, [T.DONE, T.TODO, T.BLOCKED, T.SKIPPED], [T.DONE, T.TODO, T.BLOCKED]),
        (T.BLOCKED, [T.TODO, T.IN_PROGRESS, T.SKIPPED], [T.TODO, T.IN_PROGRESS]),
        (T.DONE, [T.TODO], []),
        (T.SKIPPED, [T.TODO], []),
    ],
    ids=str,
)
def test_allowed_targets(current: TaskStatus, lead: list[TaskStatus], worker: list[TaskStatus]) -> None:
    assert sorted(allowed_targets(current, is_lead=True)) == sorted(lead)
    assert sorted(allowed_targets(current, is_lead=False)) == sorted(worker)


@pytest.mark.parametrize("current", list(TaskStatus), ids=str)
@pytest.mark.parametrize("is_lead", [True, False], ids=["lead", "worker"])
def test_allowed_targets_agree_with_check_task_change(current: TaskStatus, is_lead: bool) -> None:
    targets = allowed_targets(current, is_lead=is_lead)
    assert len(targets) == len(set(targets))
    for target in TaskStatus:
        if target in targets:
            change((current, target), is_lead=is_lead, is_worker=True)
        else:
            with pytest.raises((InvalidTransition, PermissionDenied)):
                change((current, target), is_lead=is_lead, is_worker=True)
