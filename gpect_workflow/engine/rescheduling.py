"""Moving a deadline and what it does to the tasks that depend on it.

With the ``shift`` policy, a dependent that would fall due before a task it waits for is moved by as
much as that task moved (so it keeps its distance), and at least to that task's new date; the shift
runs down the dependency graph. With ``keep`` nothing else moves. Finished tasks never move.

Stages follow their tasks (``plan_stage_changes``): a stage whose tasks now fall due after its planned end
ends on the latest of them. With the definition's ``rescheduling: stages`` policy ``shift``, every later
stage that is not closed moves by as many days, start and end, and so do the deadlines of its tasks still
to do (a task in progress or blocked keeps the date its people work to; a finished one never moves); a
later stage that then runs past its own end in turn carries the ones after it. With ``keep`` only the
stage's end moves, and it may overlap the next stage. Stages never end earlier because of a move.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ..definitions.model import DependentsPolicy, StagesPolicy


@dataclass(frozen=True, slots=True)
class Shift:
    """A deadline change: the moved task itself or a dependent carried along."""

    task_id: int
    old: date
    new: date


def plan_deadline_move(
    due: Mapping[int, date],
    dependents: Mapping[int, Sequence[int]],
    movable: set[int],
    moved: int,
    new_due: date,
    policy: DependentsPolicy,
) -> list[Shift]:
    """Every deadline change that moving ``moved`` to ``new_due`` causes, the moved task first.

    ``due``: current due dates; ``dependents``: task → tasks that depend on it; ``movable``: tasks that
    may be shifted (open ones).
    """
    new_dates = {moved: new_due}
    queue = [moved]
    while queue and policy is DependentsPolicy.SHIFT:
        predecessor = queue.pop(0)
        delta = new_dates[predecessor] - due[predecessor]
        for dependent in dependents.get(predecessor, ()):
            if dependent not in movable or due[dependent] >= new_dates[predecessor]:
                continue
            # From the dependent's original date, so that two paths take the larger shift, never the sum,
            # whatever order the paths are walked in.
            current = new_dates.get(dependent, due[dependent])
            candidate = max(due[dependent] + delta, new_dates[predecessor])
            if candidate > current:
                new_dates[dependent] = candidate
                queue.append(dependent)
    return [Shift(task, due[task], new) for task, new in new_dates.items() if new != due[task] or task == moved]


@dataclass(frozen=True, slots=True)
class StageWindow:
    """A stage's planned window as stored, and whether a move may still change it (not closed)."""

    id: int
    key: str
    start: date
    end: date
    closed: bool = False


@dataclass(frozen=True, slots=True)
class TaskDate:
    """A task's stage and deadline; ``to_do``: it may move with its stage (not started, not finished)."""

    id: int
    stage_id: int
    due: date
    to_do: bool


@dataclass(frozen=True, slots=True)
class StageChange:
    """A stage's planned window before and after a move.

    ``extended_by``: how much later the stage ends because its own tasks run past its end (0 for a stage only
    carried along); ``later_shifted_by``: how far the stages after it move because of that (0 with ``keep``
    or when no later stage may move); ``overlaps``: the key of the next stage, when the new end falls after
    that stage's start.
    """

    stage_id: int
    key: str
    old_start: date
    new_start: date
    old_end: date
    new_end: date
    extended_by: int
    later_shifted_by: int = 0
    overlaps: str | None = None


def plan_stage_changes(
    stages: Sequence[StageWindow],
    tasks: Sequence[TaskDate],
    new_dates: Mapping[int, date],
    moved: int,
    policy: StagesPolicy,
) -> tuple[list[StageChange], list[Shift]]:
    """What a move's new deadlines do to the stages (``stages`` in plan order): each changed stage, and the
    deadlines a shifted stage carries (from the task's stored date to its new one): tasks ``new_dates`` does
    not move, and moved ones the stage carries further than the move.

    ``moved`` is the task the person moved: its date is theirs and never carried further.
    """
    by_stage: dict[int, list[TaskDate]] = {}
    for task in tasks:
        by_stage.setdefault(task.stage_id, []).append(task)
    carry = timedelta(0)
    windows: list[tuple[StageWindow, date, date, int]] = []
    carried: list[Shift] = []
    for stage in stages:
        if stage.closed:
            windows.append((stage, stage.start, stage.end, 0))
            continue
        start, end = stage.start + carry, stage.end + carry
        latest: date | None = None
        for task in by_stage.get(stage.id, ()):
            day = _carried_date(task, new_dates, moved, carry)
            if day != new_dates.get(task.id, task.due):
                carried.append(Shift(task.id, task.due, day))
            latest = day if latest is None or day > latest else latest
        extension = max(timedelta(0), latest - end) if latest is not None else timedelta(0)
        windows.append((stage, start, end + extension, extension.days))
        if policy is StagesPolicy.SHIFT:
            carry += extension
    return _changes(windows, policy), carried


def _carried_date(task: TaskDate, new_dates: Mapping[int, date], moved: int, carry: timedelta) -> date:
    """A task's deadline once its stage moved by ``carry``: a task still to do moves with it, at least."""
    if task.id == moved:
        return new_dates[moved]
    day = new_dates.get(task.id, task.due)
    return max(day, task.due + carry) if task.to_do else day


def _changes(windows: Sequence[tuple[StageWindow, date, date, int]], policy: StagesPolicy) -> list[StageChange]:
    changes: list[StageChange] = []
    for index, (stage, start, end, extended) in enumerate(windows):
        if (start, end) == (stage.start, stage.end):
            continue
        later_moves = policy is StagesPolicy.SHIFT and any(not w[0].closed for w in windows[index + 1 :])
        after = windows[index + 1] if index + 1 < len(windows) else None
        overlaps = after[0].key if after is not None and end > after[1] else None
        shifted = extended if later_moves else 0
        change = StageChange(stage.id, stage.key, stage.start, start, stage.end, end, extended, shifted, overlaps)
        changes.append(change)
    return changes
