"""The time zones of stored plans (services/zones.py), read for the lists that take "today" in each plan's zone."""

from __future__ import annotations

import sqlalchemy as sa

from gpect_workflow.models import Person, Plan
from gpect_workflow.services.context import session
from gpect_workflow.services.zones import stored_plan_zones
from tests.plan_helpers import start_five_levers_plan
from tests.query_count import count_queries


def test_no_plan_no_zone(app: object) -> None:
    assert stored_plan_zones() == []


def test_each_stored_zone_once_in_one_statement_whatever_the_number_of_plans(
    definitions: None, dummy_lead: Person
) -> None:
    """Every distinct name, a name the rule refuses included (an old row: the lists read it in the default
    zone), in one statement that skips from one name to the next."""
    for number, zone in enumerate(["Europe/Paris"] * 6 + ["America/Cayenne", "Indian/Reunion", "America/Cayenne"]):
        start_five_levers_plan(dummy_lead, name=f"Plan {number}", timezone=zone)
    session().flush()
    odd = session().scalars(sa.select(Plan.id).order_by(Plan.id)).first()
    session().execute(sa.update(Plan).where(Plan.id == odd).values(timezone="Mars/Olympus_Mons"))
    with count_queries() as statements:
        zones = stored_plan_zones()
    assert len(statements) == 1
    assert zones == sorted(["America/Cayenne", "Europe/Paris", "Indian/Reunion", "Mars/Olympus_Mons"])
