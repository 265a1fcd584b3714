"""What the dashboard, the plans list and "my tasks" share: the buttons of one-click status changes, and
the titles of definitions, stages and tasks in the page's language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..definitions import WorkflowDefinition
from ..models import Plan, Task
from ..services.definitions import task_definition
from ..vocabulary import N_
from .i18n import localized

#: The buttons of one-click status changes, by target status.
TASK_ACTIONS = {
    "in_progress": N_("Start work"),
    "resume": N_("Resume"),
    "done": N_("Mark as done"),
    "blocked": N_("Mark as blocked"),
}


@dataclass(frozen=True, slots=True)
class Titles:
    """Titles from the definition version each plan runs, in the page's language; keys when unknown."""

    definitions: Mapping[tuple[str, int], WorkflowDefinition]

    def _definition(self, plan: Plan) -> WorkflowDefinition | None:
        return self.definitions.get((plan.definition_key, plan.definition_version))

    def definition(self, plan: Plan) -> str:
        """The title of the plan's definition."""
        definition = self._definition(plan)
        return localized(definition.title) if definition else plan.definition_key

    def stage(self, plan: Plan, stage_key: str | None) -> str:
        """The title of one of the plan's stages ("" for none)."""
        definition = self._definition(plan)
        if stage_key is None:
            return ""
        try:
            return localized(definition.stage(stage_key).title) if definition else stage_key
        except KeyError:
            return stage_key

    def task(self, plan: Plan, task: Task) -> str:
        """The title of one of the plan's tasks (a one-off task's own); its key when unknown."""
        definition = self._definition(plan)
        if definition is None:
            return task.task_key
        try:
            return localized(task_definition(definition, task).title)
        except KeyError:
            return task.task_key
