"""Writing the journal: one event per change, who, when, from what to what."""

from __future__ import annotations

from typing import Any

from ..models import Event, Person, Plan, PlanStage, Task
from .context import now, session


def record(
    plan: Plan,
    kind: str,
    actor: Person | None,
    from_state: str | None = None,
    to_state: str | None = None,
    *,
    stage: PlanStage | None = None,
    task: Task | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
) -> Event:
    """Add one journal event for ``plan`` (``actor`` ``None`` means the scheduler)."""
    event = Event(
        plan_id=plan.id,
        stage_id=stage.id if stage else (task.stage_id if task else None),
        task_id=task.id if task else None,
        actor_id=actor.id if actor else None,
        kind=kind,
        from_state=str(from_state) if from_state is not None else None,
        to_state=str(to_state) if to_state is not None else None,
        note=note.strip() if note and note.strip() else None,
        data=data,
        occurred_dt=now(),
    )
    session().add(event)
    return event
