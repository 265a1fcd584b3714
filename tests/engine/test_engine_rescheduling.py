"""Moving a deadline and carrying its dependents along (``gpect_workflow.engine.rescheduling``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gpect_workflow.definitions.model import DependentsPolicy
from gpect_workflow.engine.rescheduling import Shift, plan_deadline_move

SHIFT, KEEP = DependentsPolicy.SHIFT, DependentsPolicy.KEEP
A, B, C, D = 1, 2, 3, 4
CHAIN = {A: [B], B: [C]}  # B depends on A, C depends on B
ORIGIN = date(2026, 1, 1)


def day(n: int) -> date:
    return ORIGIN + timedelta(days=n)


def move(
    due: Mapping[int, int],
    dependents: Mapping[int, Sequence[int]],
    moved: int,
    new_due: int,
    *,
    policy: DependentsPolicy = SHIFT,
    movable: set[int] | None = None,
) -> list[tuple[int, int, int]]:
    """``plan_deadline_move`` in day numbers: ``[(task, old day, new day)]``."""
    shifts = plan_deadline_move(
        {task: day(n) for task, n in due.items()},
        dependents,
        set(due) if movable is None else movable,
        moved,
        day(new_due),
        policy,
    )
    return [(s.task_id, (s.old - ORIGIN).days, (s.new - ORIGIN).days) for s in shifts]


# --- examples -----------------------------------------------------------------------------------


def test_moving_later_shifts_the_chain_by_the_same_delta() -> None:
    assert move({A: 10, B: 15, C: 20}, CHAIN, A, 17) == [(A, 10, 17), (B, 15, 22), (C, 20, 27)]


def test_returns_shift_objects_with_dates() -> None:
    shifts = plan_deadline_move({A: day(10), B: day(15)}, {A: [B]}, {A, B}, A, day(17), SHIFT)
    assert shifts == [Shift(A, day(10), day(17)), Shift(B, day(15), day(22))]


def test_dependent_far_enough_ahead_is_not_moved() -> None:
    assert move({A: 10, B: 30, C: 40}, CHAIN, A, 17) == [(A, 10, 17)]


def test_shift_stops_where_a_dependent_is_far_enough_ahead() -> None:
    assert move({A: 10, B: 15, C: 40}, CHAIN, A, 17) == [(A, 10, 17), (B, 15, 22)]


def test_dependent_due_on_the_new_date_is_not_moved() -> None:
    assert move({A: 10, B: 17}, {A: [B]}, A, 17) == [(A, 10, 17)]


def test_moving_earlier_moves_nothing_else() -> None:
    assert move({A: 10, B: 15, C: 20}, CHAIN, A, 3) == [(A, 10, 3)]


def test_moving_a_middle_task_leaves_its_predecessor_alone() -> None:
    assert move({A: 10, B: 15, C: 20}, CHAIN, B, 25) == [(B, 15, 25), (C, 20, 30)]


def test_keep_policy_moves_nothing_else() -> None:
    assert move({A: 10, B: 15, C: 20}, CHAIN, A, 60, policy=KEEP) == [(A, 10, 60)]


def test_finished_task_is_not_moved_and_stops_the_shift_down_its_chain() -> None:
    # B is finished (not movable): it keeps its date, and C, which waits only for B, is not reached.
    assert move({A: 10, B: 12, C: 14}, CHAIN, A, 20, movable={A, C}) == [(A, 10, 20)]


def test_finished_task_does_not_shield_a_direct_dependent() -> None:
    # C waits for B (finished) and for A directly: the direct link still carries the shift.
    dependents = {A: [B, C], B: [C]}
    assert move({A: 10, B: 12, C: 14}, dependents, A, 20, movable={A, C}) == [(A, 10, 20), (C, 14, 24)]


def test_dependent_already_before_its_prerequisite_is_brought_at_least_to_its_new_date() -> None:
    # B is due before A already; moving A by 2 days would leave B before A, so B goes to A's new date.
    assert move({A: 10, B: 4}, {A: [B]}, A, 12) == [(A, 10, 12), (B, 4, 12)]


@pytest.mark.parametrize("order", [[B, C], [C, B]], ids=["B-first", "C-first"])
def test_diamond_dependent_shifted_once_to_the_latest_requirement(order: list[int]) -> None:
    # A → B → D and A → C → D, dates in dependency order: D moves once, by the same delta, after both.
    dependents = {A: order, B: [D], C: [D]}
    result = dict((task, new) for task, _, new in move({A: 10, B: 11, C: 13, D: 14}, dependents, A, 20))
    assert result == {A: 20, B: 21, C: 23, D: 24}
    assert result[D] >= max(result[B], result[C])


@pytest.mark.parametrize("order", [[B, C], [C, B]], ids=["B-first", "C-first"])
def test_diamond_takes_the_max_not_the_sum_when_the_dependent_was_due_first(order: list[int]) -> None:
    # D waits for B and C but is due (day 1) before both (definitions do not check this order).
    # B and C each move 10 days (to 21 and 22). D must end at least on 22 and each of its prerequisites
    # only moved 10 days, so the expected date is max(1 + 10, 21, 22) = 22, whatever the order of A's
    # dependents. The result must not depend on the order in which the graph is walked.
    dependents = {A: order, B: [D], C: [D]}
    result = dict((task, new) for task, _, new in move({A: 10, B: 11, C: 12, D: 1}, dependents, A, 20))
    assert result == {A: 20, B: 21, C: 22, D: 22}


@pytest.mark.parametrize("policy", [SHIFT, KEEP], ids=str)
def test_moved_task_listed_even_when_its_date_does_not_change(policy: DependentsPolicy) -> None:
    assert move({A: 10, B: 15}, {A: [B]}, A, 10, policy=policy) == [(A, 10, 10)]


def test_moved_task_is_first_even_with_a_larger_id() -> None:
    due = {9: 10, 1: 12, 2: 14}
    assert move(due, {9: [1], 1: [2]}, 9, 20) == [(9, 10, 20), (1, 12, 22), (2, 14, 24)]


def test_a_task_without_dependents_moves_alone() -> None:
    assert move({A: 10, B: 5}, {}, A, 30) == [(A, 10, 30)]


# --- properties over random dependency graphs ---------------------------------------------------


@st.composite
def deadline_moves(draw: st.DrawFn, consistent: bool = False) -> dict[str, Any]:
    """Tasks 0..n-1, each depending only on lower ids, random due dates, movable set and move."""
    n = draw(st.integers(min_value=1, max_value=12))
    depends_on = [draw(st.sets(st.integers(0, i - 1), max_size=3)) if i else set() for i in range(n)]
    days = [draw(st.integers(0, 15)) for _ in range(n)]
    if consistent:  # every task due on or after the tasks it depends on
        for i in range(n):
            days[i] = max([days[i], *(days[p] for p in depends_on[i])])
    due = {i: day(days[i]) for i in range(n)}
    dependents: dict[int, list[int]] = {}
    for task, prerequisites in enumerate(depends_on):
        for prerequisite in sorted(prerequisites):
            dependents.setdefault(prerequisite, []).append(task)
    for listed in dependents.values():
        draw(st.randoms(use_true_random=False)).shuffle(listed)
    moved = draw(st.integers(0, n - 1))
    movable = draw(st.sets(st.sampled_from(range(n))))
    lowest = 0 if consistent else -10
    new_due = due[moved] + timedelta(days=draw(st.integers(lowest, 20)))
    return {"due": due, "dependents": dependents, "movable": movable, "moved": moved, "new_due": new_due}


def reachable(dependents: Mapping[int, Sequence[int]], start: int) -> set[int]:
    seen, stack = {start}, [start]
    while stack:
        for nxt in dependents.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


@settings(max_examples=500, database=None)
@given(case=deadline_moves())
def test_property_shift_policy(case: dict[str, Any]) -> None:
    due, dependents, movable, moved, new_due = (
        case["due"],
        case["dependents"],
        case["movable"],
        case["moved"],
        case["new_due"],
    )
    shifts = plan_deadline_move(due, dependents, movable, moved, new_due, SHIFT)

    assert shifts[0] == Shift(moved, due[moved], new_due)
    ids = [s.task_id for s in shifts]
    assert len(ids) == len(set(ids))
    final = dict(due) | {s.task_id: s.new for s in shifts}
    for s in shifts:
        assert s.old == due[s.task_id]
    for s in shifts[1:]:
        assert s.new > s.old, "a dependent never moves earlier, and is listed only when it moves"
        assert s.task_id in movable, "only movable tasks are carried along"
        assert s.task_id in reachable(dependents, moved), "only tasks downstream of the moved one"
    changed = {s.task_id for s in shifts if s.new != s.old}
    for task in changed:
        for dependent in dependents.get(task, ()):
            if dependent in movable:
                assert final[dependent] >= final[task], f"{dependent} still due before {task}"


@settings(max_examples=500, database=None)
@given(case=deadline_moves())
def test_property_keep_policy_moves_only_the_task(case: dict[str, Any]) -> None:
    shifts = plan_deadline_move(case["due"], case["dependents"], case["movable"], case["moved"], case["new_due"], KEEP)
    assert shifts == [Shift(case["moved"], case["due"][case["moved"]], case["new_due"])]


@settings(max_examples=500, database=None)
@given(case=deadline_moves(consistent=True))
def test_property_consistent_dates_shift_by_exactly_the_delta(case: dict[str, Any]) -> None:
    """When every task is due on or after what it waits for, carried tasks keep their distance exactly."""
    due, moved = case["due"], case["moved"]
    shifts = plan_deadline_move(due, case["dependents"], case["movable"], moved, case["new_due"], SHIFT)
    delta = case["new_due"] - due[moved]
    assert all(s.new - s.old == delta for s in shifts)


#: The diamond of ``test_diamond_takes_the_max_not_the_sum_when_the_dependent_was_due_first``, always tried.
DIAMOND_DUE_FIRST = {
    "due": {A: day(10), B: day(11), C: day(12), D: day(1)},
    "dependents": {A: [B, C], B: [D], C: [D]},
    "movable": {A, B, C, D},
    "moved": A,
    "new_due": day(20),
}


@settings(max_examples=500, database=None)
@example(case=DIAMOND_DUE_FIRST)
@given(case=deadline_moves())
def test_property_carried_dependent_moves_no_further_than_a_prerequisite_requires(case: dict[str, Any]) -> None:
    """Each carried task ends on the latest of "its own date + a prerequisite's shift" and that prerequisite's date.

    A shift is triggered by a prerequisite that moved (or by the moved task itself), so a carried task must
    not end later than what one of them asks for: shifts do not add up along two paths.
    """
    due, dependents, moved = case["due"], case["dependents"], case["moved"]
    shifts = plan_deadline_move(due, dependents, case["movable"], moved, case["new_due"], SHIFT)
    final = dict(due) | {s.task_id: s.new for s in shifts}
    triggers = {s.task_id for s in shifts if s.new != s.old} | {moved}
    for s in shifts[1:]:
        prerequisites = [p for p, listed in dependents.items() if s.task_id in listed and p in triggers]
        assert prerequisites, f"{s.task_id} moved without a moved prerequisite"
        required = max(max(s.old + (final[p] - due[p]), final[p]) for p in prerequisites)
        assert s.new <= required, f"task {s.task_id} moved to {s.new}, its prerequisites ask for {required} at most"


@settings(max_examples=500, database=None)
@example(case=DIAMOND_DUE_FIRST)
@given(case=deadline_moves())
def test_property_result_does_not_depend_on_the_order_of_dependents(case: dict[str, Any]) -> None:
    due, dependents = case["due"], case["dependents"]
    reordered = {task: list(reversed(listed)) for task, listed in dependents.items()}
    first = plan_deadline_move(due, dependents, case["movable"], case["moved"], case["new_due"], SHIFT)
    second = plan_deadline_move(due, reordered, case["movable"], case["moved"], case["new_due"], SHIFT)
    assert {s.task_id: s.new for s in first} == {s.task_id: s.new for s in second}
