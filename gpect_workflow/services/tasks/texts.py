"""What a task is called and what it asks, in both languages, for readers outside the app (the API).

A task stores its definition's key, not its words: those live in the definition version the plan runs, read
once per request (``services.definitions``), so a list of a plan's tasks costs no statement per task.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...definitions.model import Text
from ...models import Task
from ..definitions import get_definition, task_definition


@dataclass(frozen=True, slots=True)
class TaskTexts:
    """A task's title and description (``None`` when the definition gives none)."""

    title: Text
    description: Text | None


def task_texts(task: Task) -> TaskTexts:
    """The title and description of ``task``: from the definition version its plan runs, or a one-off
    task's own."""
    plan = task.plan
    found = task_definition(get_definition(plan.definition_key, plan.definition_version), task)
    return TaskTexts(found.title, found.description)
