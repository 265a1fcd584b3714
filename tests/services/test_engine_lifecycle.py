"""A plan from every shipped definition, started and driven to completion through the services alone."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from gpect_workflow.definitions import load_definition_file
from gpect_workflow.models import Event, Person, PlanStatus, StageStatus
from gpect_workflow.services.context import session
from gpect_workflow.services.plans.starting import PlanRequest, start_plan
from tests.conftest import WORKFLOWS
from tests.engine_drive import drive_to_completion, open_stage
from tests.plan_helpers import map_every_role


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_definition_runs_start_to_finish(
    definitions: None, dummy_lead: Person, clock, path: Path
) -> None:
    definition = load_definition_file(path)
    territory_id = dummy_lead.organisation.territory_id  # type: ignore[union-attr]
    roles = map_every_role(definition.key, definition.version, territory_id)
    request = PlanRequest(
        f"Plan {definition.key}",
        definition.key,
        definition.version,
        territory_id,
        dummy_lead.id,
        date(2026, 12, 1),
        roles,
        open_now=True,
    )
    plan = start_plan(dummy_lead, request)
    session().commit()
    clock.advance(timedelta(days=3))
    closed = drive_to_completion(plan)
    session().commit()
    assert closed == [stage.key for stage in definition.stages]
    assert plan.status is PlanStatus.COMPLETED and plan.current_stage_key is None
    assert open_stage(plan) is None
    assert {s.status for s in plan.stages} == {StageStatus.CLOSED}
    kinds = session().scalars(sa.select(Event.kind).where(Event.plan_id == plan.id).order_by(Event.id)).all()
    assert kinds.count("stage_closed") == len(definition.stages)
    assert kinds.count("task_status_changed") == len(definition.tasks())
    assert kinds[-1] == "plan_status_changed"
