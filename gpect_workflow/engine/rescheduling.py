"""Moving a deadline and what it does to the tasks that depend on it.

With the ``shift`` policy, a dependent that would fall due before a task it waits for is moved by as
much as that task moved (so it keeps its distance), and at least to that task's new date; the shift
runs down the dependency graph. With ``keep`` nothing else moves. Finished tasks never move.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from ..definitions.model import DependentsPolicy


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
