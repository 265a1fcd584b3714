"""The committee's read model (services/oversight.py): who oversees which plans, and each plan's health."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from gpect_workflow.clock import FrozenClock
from gpect_workflow.definitions.model import IndicatorDirection
from gpect_workflow.models import (
    Indicator,
    Measurement,
    OrganisationKind,
    Person,
    PersonRole,
    Plan,
    PlanStatus,
    StageStatus,
    Task,
    TaskStatus,
    Territory,
)
from gpect_workflow.services.access import plan_access
from gpect_workflow.services.committee.health import (
    OffTrackKind,
    OffTrackReason,
    plans_health,
)
from gpect_workflow.services.committee.lateness import OFF_TRACK_LATE_DAYS
from gpect_workflow.services.committee.oversight import (
    committee_plan_ids,
    overseen_page,
    overseen_plan_ids,
    overseen_plans,
    plans_that_may_need_attention,
)
from gpect_workflow.services.context import session
from gpect_workflow.services.definitions import get_definition, register_definitions
from gpect_workflow.services.indicators.measurements import indicators_of_plans
from gpect_workflow.services.indicators.status import IndicatorStatus
from gpect_workflow.services.partners.organisations import ensure_organisation, ensure_territory
from gpect_workflow.services.partners.people import create_person
from gpect_workflow.services.plans.listing import PlanFilters
from gpect_workflow.services.plans.starting import PlanRequest, RoleMapping, start_plan
from gpect_workflow.services.tasks.changes import change_task_status
from tests.conftest import WORKFLOWS
from tests.factories import stage, task
from tests.plan_helpers import map_every_role
from tests.query_count import count_queries

INCREASE, DECREASE = IndicatorDirection.INCREASE, IndicatorDirection.DECREASE


def start(
    lead: Person,
    committee: list[Person],
    name: str = "Plan",
    *,
    timezone: str = "Europe/Paris",
    territory: Territory | None = None,
    definition: str = "gpect-five-levers",
) -> Plan:
    """A plan started on 1 December 2026 with ``committee`` as its steering committee."""
    territory_id = territory.id if territory else lead.organisation.territory_id  # type: ignore[union-attr]
    roles = map_every_role(definition, 1, territory_id)
    committee_role = get_definition(definition, 1).committee_roles[0]
    organisation = ensure_organisation("Préfecture", OrganisationKind.STATE_SERVICE, None)
    roles[committee_role] = RoleMapping(organisation.id, [person.id for person in committee])
    request = PlanRequest(name, definition, 1, territory_id, lead.id, date(2026, 12, 1), roles, timezone, open_now=True)
    return start_plan(lead, request)


def finish_stage(plan: Plan, key: str) -> None:
    """The lead marks every task of the stage done, in definition order: a committee stage starts waiting."""
    lead = session().get(Person, plan.lead_id)
    assert lead is not None
    for item in session().scalars(sa.select(Task).where(Task.stage_id == stage(plan, key).id).order_by(Task.id)):
        change_task_status(lead, item.id, TaskStatus.DONE)
    session().commit()


def measure(plan: Plan, key: str, value: float, on: date) -> None:
    indicator = session().scalar(sa.select(Indicator).where(Indicator.plan_id == plan.id, Indicator.key == key))
    assert indicator is not None
    session().add(
        Measurement(
            indicator_id=indicator.id, value=value, measured_on=on, recorded_dt=datetime(2026, 12, 1, tzinfo=UTC)
        )
    )
    session().flush()


def health_of(plan: Plan) -> Any:
    session().commit()
    fresh = session().get(Plan, plan.id)
    assert fresh is not None
    return plans_health([fresh])[plan.id]


@pytest.fixture
def people(definitions: None, create_user: Any, dummy_lead: Person) -> dict[str, Person]:
    found = {
        "lead": dummy_lead,
        "other_lead": create_user("other.lead@example.org", PersonRole.LEAD, name="Olivier Lead"),
        "alice": create_user("alice@example.org", PersonRole.COMMITTEE, name="Alice Copil"),
        "bob": create_user("bob@example.org", PersonRole.COMMITTEE, name="Bob Copil"),
        "unmapped": create_user("unmapped@example.org", PersonRole.COMMITTEE, name="Ursula Copil"),
        "admin": create_user("admin@example.org", PersonRole.ADMIN, name="Ada Admin"),
        "old_admin": create_user("old.admin@example.org", PersonRole.ADMIN, name="Otto Admin"),
    }
    found["old_admin"].is_active = False
    session().commit()
    return found


# --- who oversees what ---------------------------------------------------------------------------------------


def test_committee_members_oversee_only_the_plans_whose_committee_they_sit_on(people: dict[str, Person]) -> None:
    lead, other_lead = people["lead"], people["other_lead"]
    first = start(lead, [people["alice"]], "Premier plan")
    second = start(lead, [people["bob"]], "Deuxième plan")
    third = start(other_lead, [people["alice"], people["bob"]], "Troisième plan")
    session().commit()
    partner = session().scalar(sa.select(Person).where(Person.email == "employment-service@partners.example.org"))
    assert partner is not None

    def names(person: Person) -> list[str]:
        return [plan.name for plan in overseen_plans(person)]

    assert names(people["alice"]) == ["Premier plan", "Troisième plan"]
    assert names(people["bob"]) == ["Deuxième plan", "Troisième plan"]
    assert names(lead) == ["Deuxième plan", "Premier plan"], "a lead oversees the plans they lead"
    assert names(other_lead) == ["Troisième plan"]
    assert names(people["admin"]) == ["Deuxième plan", "Premier plan", "Troisième plan"]
    assert names(people["old_admin"]) == [], "a deactivated administrator oversees nothing"
    assert names(people["unmapped"]) == [], "the committee account role alone gives no plan"
    assert names(partner) == [], "taking part in a plan through another role is not overseeing it"
    # The same rule as the gate decision permission, for every person and plan.
    for person in people.values():
        on_committee = set(session().scalars(committee_plan_ids(person)))
        for plan in (first, second, third):
            definition = get_definition(plan.definition_key, plan.definition_version)
            assert (plan.id in on_committee) == plan_access(person, plan, definition).is_committee
    assert overseen_page(people["alice"], None, 1, 25).total == 2
    assert set(session().scalars(overseen_plan_ids(people["admin"]))) == {first.id, second.id, third.id}
    # An administrator's pages (read by name from the index, counted apart), the last one for one past it.
    admin_pages = [overseen_page(people["admin"], None, number, 2) for number in (1, 2, 9)]
    assert [([p.name for p in page.items], page.page, page.total) for page in admin_pages] == [
        (["Deuxième plan", "Premier plan"], 1, 3),
        (["Troisième plan"], 2, 3),
        (["Troisième plan"], 2, 3),
    ]
    assert overseen_page(people["old_admin"], None, 1, 25).total == 0, "a deactivated administrator: nothing"


def test_committee_roles_follow_each_definition(people: dict[str, Person], dummy_lead: Person) -> None:
    """A plan of another definition: the committee roles of that definition count."""
    chartres = start(dummy_lead, [people["alice"]], "Chartres", definition="chartres-cosmetics-training")
    session().commit()
    assert [plan.id for plan in overseen_plans(people["alice"])] == [chartres.id]


def test_a_role_key_on_the_committee_in_one_version_only_counts_in_that_version(
    people: dict[str, Person], dummy_lead: Person, tmp_path: Path
) -> None:
    """The regional council sits on the committee in version 2 of the approach, not in version 1: a member
    of that role oversees the version-2 plan only (the plan's definition decides), while the steering
    committee, a committee role in every version, oversees both; the same rule as the gate decision."""
    source = (WORKFLOWS / "gpect-five-levers.yaml").read_text(encoding="utf-8")
    region = "  region:\n"
    assert source.count(region) == 1 and "version: 1\n" in source
    changed = source.replace("version: 1\n", "version: 2\n", 1)
    title_end = changed.index("\n", changed.index(region) + len(region)) + 1  # the role's title line
    (tmp_path / "gpect-five-levers.yaml").write_text(
        changed[:title_end] + "    committee: true\n" + changed[title_end:]
    )
    register_definitions([tmp_path])
    assert get_definition("gpect-five-levers", 2).committee_roles == ("region", "steering_committee")
    council = people["bob"]
    plans = []
    for version in (1, 2):
        territory_id = dummy_lead.organisation.territory_id  # type: ignore[union-attr]
        roles = map_every_role("gpect-five-levers", version, territory_id)
        roles["region"] = RoleMapping(roles["region"].organisation_id, [council.id])
        roles["steering_committee"] = RoleMapping(roles["steering_committee"].organisation_id, [people["alice"].id])
        request = PlanRequest(
            f"Version {version}",
            "gpect-five-levers",
            version,
            territory_id,
            dummy_lead.id,
            date(2026, 12, 1),
            roles,
            "Europe/Paris",
            open_now=True,
        )
        plans.append(start_plan(dummy_lead, request))
    session().commit()
    first, second = plans
    assert set(session().scalars(committee_plan_ids(council))) == {second.id}
    assert set(session().scalars(committee_plan_ids(people["alice"]))) == {first.id, second.id}
    for person in (council, people["alice"]):
        on_committee = set(session().scalars(committee_plan_ids(person)))
        for plan in plans:
            definition = get_definition(plan.definition_key, plan.definition_version)
            assert (plan.id in on_committee) == plan_access(person, plan, definition).is_committee


def test_filters_by_territory_definition_and_status(people: dict[str, Person], dummy_lead: Person) -> None:
    elsewhere = ensure_territory("giennois", "Giennois", "45")
    here = start(dummy_lead, [people["alice"]], "Ici")
    there = start(dummy_lead, [people["alice"]], "Là-bas", territory=elsewhere)
    chartres = start(dummy_lead, [people["alice"]], "Chartres", definition="chartres-cosmetics-training")
    there.status = PlanStatus.ON_HOLD
    session().commit()
    alice = people["alice"]
    assert [p.id for p in overseen_plans(alice, PlanFilters(territory_id=elsewhere.id))] == [there.id]
    assert [p.id for p in overseen_plans(alice, PlanFilters(definition_key="chartres-cosmetics-training"))] == [
        chartres.id
    ]
    active = PlanFilters(status=PlanStatus.ACTIVE)
    assert [p.id for p in overseen_plans(alice, active)] == [chartres.id, here.id]
    assert overseen_page(alice, active, 1, 25).total == 2
    assert [p.name for p in overseen_page(alice, None, 2, 1).items] == ["Ici"]


# --- health --------------------------------------------------------------------------------------------------


def test_late_days_are_counted_in_each_plans_time_zone(
    people: dict[str, Person], dummy_lead: Person, clock: FrozenClock
) -> None:
    paris = start(dummy_lead, [people["alice"]], "Paris")
    auckland = start(dummy_lead, [people["alice"]], "Auckland", timezone="Pacific/Auckland")
    for plan in (paris, auckland):
        task(plan, "employment-data").due_date = date(2026, 12, 10)
        task(plan, "inventory-existing-studies").due_date = date(2026, 12, 13)
    # Sunday 20 December, 12:30 in Paris, already 00:30 on Monday 21 December in Auckland.
    clock.set(datetime(2026, 12, 20, 11, 30, tzinfo=UTC))
    in_paris, in_auckland = health_of(paris), health_of(auckland)
    assert (in_paris.today, in_auckland.today) == (date(2026, 12, 20), date(2026, 12, 21))
    assert [(row.max_days_late, row.overdue) for row in in_paris.overdue_by_organisation] == [(10, 1), (7, 1)]
    assert [(row.max_days_late, row.overdue) for row in in_auckland.overdue_by_organisation] == [(11, 1), (8, 1)]
    # Late by exactly OFF_TRACK_LATE_DAYS is not yet off track; one day more is.
    assert OFF_TRACK_LATE_DAYS == 7
    assert in_paris.reasons == (OffTrackReason(OffTrackKind.TASKS_LATE, count=1, days=10),)
    assert in_auckland.reasons == (OffTrackReason(OffTrackKind.TASKS_LATE, count=2, days=11),)


def test_late_tasks_are_grouped_by_the_partner_organisation(
    people: dict[str, Person], dummy_lead: Person, clock: FrozenClock
) -> None:
    plan = start(dummy_lead, [people["alice"]], "Plan")
    france_travail = ensure_organisation("France Travail Chartres", OrganisationKind.EMPLOYMENT_SERVICE, None)
    advisor = create_person("advisor@example.org", PersonRole.PARTNER, "Agnès", organisation=france_travail)
    freelancer = create_person("freelance@example.org", PersonRole.PARTNER, "Fanny")  # no organisation
    data, inventory = task(plan, "employment-data"), task(plan, "inventory-existing-studies")
    survey, diagnosis = task(plan, "business-survey"), task(plan, "shared-diagnosis")
    data.assignee_id, data.due_date = advisor.id, date(2026, 12, 2)  # the assignee's organisation
    inventory.assignee_id, inventory.due_date = None, date(2026, 12, 10)  # unassigned: the role's organisation
    survey.assignee_id, survey.due_date = freelancer.id, date(2026, 12, 14)  # no organisation: the role's
    diagnosis.due_date = date(2026, 12, 12)  # the lead role's organisation too
    task(plan, "design-pilot").due_date = date(2026, 12, 1)  # a stage not opened yet: nobody can work on it
    clock.set(datetime(2026, 12, 20, 11, 0, tzinfo=UTC))
    health = health_of(plan)
    rows = [
        (r.organisation_name, r.overdue, r.late_beyond_threshold, r.max_days_late)
        for r in health.overdue_by_organisation
    ]
    assert rows == [
        ("France Travail Chartres", 1, 1, 18),
        ("Organisation lead", 2, 2, 10),
        ("Organisation chamber_of_commerce", 1, 0, 6),
    ]
    assert health.reasons == (OffTrackReason(OffTrackKind.TASKS_LATE, count=3, days=18),)
    assert health.progress.overdue == 5, "the plan's progress counts every late task, as everywhere else"
    # Done tasks are no longer late.
    lead = session().get(Person, plan.lead_id)
    change_task_status(lead, data.id, TaskStatus.DONE)  # type: ignore[arg-type]
    names = [r.organisation_name for r in health_of(plan).overdue_by_organisation]
    assert names == ["Organisation lead", "Organisation chamber_of_commerce"]


def test_indicators_latest_value_against_target(people: dict[str, Person], dummy_lead: Person) -> None:
    plan = start(dummy_lead, [people["alice"]], "Plan")
    other = start(dummy_lead, [people["alice"]], "Autre")
    session().add(
        Indicator(
            plan_id=plan.id,
            key="dropout-rate",
            title_fr="Taux d'abandon",
            title_en="Drop-out rate",
            unit="percent",
            target=10,
            direction=DECREASE,
        )
    )
    measure(plan, "partners-involved", 9, date(2026, 12, 5))
    measure(plan, "partners-involved", 6, date(2026, 12, 15))
    measure(plan, "partners-involved", 7, date(2026, 12, 10))  # recorded later, about an earlier day
    measure(plan, "dropout-rate", 14, date(2026, 12, 15))
    measure(plan, "dropout-rate", 12, date(2026, 12, 15))  # same day: the latest recorded wins
    measure(other, "companies-surveyed", 1, date(2026, 12, 15))
    health = health_of(plan)
    states = {i.key: (i.latest_value, i.measured_on, i.status) for i in health.indicators}
    assert states == {
        "partners-involved": (6, date(2026, 12, 15), IndicatorStatus.OFF_TARGET),
        "companies-surveyed": (None, None, IndicatorStatus.NO_MEASUREMENT),
        "dropout-rate": (12, date(2026, 12, 15), IndicatorStatus.OFF_TARGET),
    }
    assert [i.key for i in health.indicators_off_target] == ["partners-involved", "dropout-rate"]
    assert [i.title("en") for i in health.indicators_off_target] == ["Partners involved", "Drop-out rate"]
    assert [(r.kind, r.indicator_key) for r in health.reasons] == [
        (OffTrackKind.INDICATOR_BELOW_TARGET, "partners-involved"),
        (OffTrackKind.INDICATOR_BELOW_TARGET, "dropout-rate"),
    ]
    measure(plan, "partners-involved", 8, date(2026, 12, 16))
    measure(plan, "dropout-rate", 10, date(2026, 12, 16))
    assert not health_of(plan).off_track, "on target again (at the target counts as reached)"


def test_no_measurement_is_no_data_and_not_off_track(people: dict[str, Person], dummy_lead: Person) -> None:
    health = health_of(start(dummy_lead, [people["alice"]], "Plan"))
    assert {i.status for i in health.indicators} == {IndicatorStatus.NO_MEASUREMENT}
    assert health.indicators_off_target == ()
    assert not health.off_track and not health.needs_attention
    assert health.overdue_by_organisation == () and health.gates_awaiting == ()


def test_current_stage_past_its_planned_end(people: dict[str, Person], dummy_lead: Person, clock: FrozenClock) -> None:
    plan = start(dummy_lead, [people["alice"]], "Plan")
    clock.set(datetime(2026, 12, 20, 11, 0, tzinfo=UTC))
    stage(plan, "observe").planned_end_date = date(2026, 12, 20)
    stage(plan, "experiment").planned_end_date = date(2026, 12, 1)  # pending: not the current stage
    assert health_of(plan).reasons == (), "on its last planned day a stage is not late"
    stage(plan, "observe").planned_end_date = date(2026, 12, 15)
    health = health_of(plan)
    current = health.current_stage
    assert current is not None and current.key == "observe" and current.days_past_end == 5
    assert [s.days_past_end for s in health.stages] == [5, 0, 0, 0, 0]
    assert [s.status for s in health.stages][:2] == [StageStatus.OPEN, StageStatus.PENDING]
    assert health.reasons == (OffTrackReason(OffTrackKind.STAGE_PAST_END, days=5, stage_key="observe"),)


def test_plans_not_active_are_never_off_track(
    people: dict[str, Person], dummy_lead: Person, clock: FrozenClock
) -> None:
    plan = start(dummy_lead, [people["alice"]], "Plan")
    task(plan, "employment-data").due_date = date(2026, 12, 1)
    stage(plan, "observe").planned_end_date = date(2026, 12, 2)
    measure(plan, "partners-involved", 1, date(2026, 12, 3))
    clock.set(datetime(2026, 12, 20, 11, 0, tzinfo=UTC))
    assert {r.kind for r in health_of(plan).reasons} == set(OffTrackKind)
    plan.status = PlanStatus.ON_HOLD
    health = health_of(plan)
    assert health.reasons == () and not health.off_track
    assert health.overdue_by_organisation and health.indicators_off_target, "the facts are still shown"


def test_gates_awaiting_a_decision_and_since_when(
    people: dict[str, Person], dummy_lead: Person, clock: FrozenClock
) -> None:
    plan = start(dummy_lead, [people["alice"]], "Plan", timezone="America/Cayenne")
    session().commit()
    # 8 December 23:30 in Cayenne is already 9 December in UTC.
    clock.set(datetime(2026, 12, 9, 2, 30, tzinfo=UTC))
    finish_stage(plan, "observe")
    clock.set(datetime(2026, 12, 14, 12, 0, tzinfo=UTC))
    health = health_of(plan)
    (gate,) = health.gates_awaiting
    assert gate.stage_key == "observe" and gate.stage_id == stage(plan, "observe").id
    assert gate.since == datetime(2026, 12, 9, 2, 30, tzinfo=UTC)
    assert gate.days_waiting == 6, "from 8 December, in the plan's time zone"
    assert health.current_stage is not None and health.current_stage.status is StageStatus.AWAITING_DECISION
    assert health.current_stage.progress.percent_done == 100
    assert health.needs_attention and not health.off_track


def test_plans_that_may_need_attention_are_a_superset_of_those_needing_it(
    people: dict[str, Person], dummy_lead: Person, clock: FrozenClock
) -> None:
    quiet = start(dummy_lead, [people["alice"]], "Calme")
    late = start(dummy_lead, [people["alice"]], "Retard", timezone="Pacific/Kiritimati")
    boundary = start(dummy_lead, [people["alice"]], "Limite")
    waiting = start(dummy_lead, [people["alice"]], "Attente")
    measured = start(dummy_lead, [people["alice"]], "Mesuré")
    task(late, "employment-data").due_date = date(2026, 12, 12)
    task(boundary, "employment-data").due_date = date(2026, 12, 13)  # 7 days late in Paris: not yet
    measure(measured, "partners-involved", 9, date(2026, 12, 3))
    finish_stage(waiting, "observe")
    instant = datetime(2026, 12, 20, 11, 0, tzinfo=UTC)  # already 21 December in Kiritimati (UTC+14)
    clock.set(instant)
    rows = session().execute(plans_that_may_need_attention(instant)).all()
    selected = {row.plan_id for row in rows}
    assert {row.plan_id for row in rows if row.gate_waiting} == {waiting.id}
    assert selected == {late.id, boundary.id, waiting.id, measured.id}, "a superset: not quiet"
    health = plans_health(list(session().scalars(sa.select(Plan).order_by(Plan.id))))
    assert {i for i, h in health.items() if h.needs_attention} == {late.id, waiting.id}
    assert quiet.id not in selected


# --- a fixed number of queries ---------------------------------------------------------------------------------


def plans_with_data(lead: Person, committee: list[Person], numbers: range, clock: FrozenClock) -> None:
    """Plans with an indicator off target, and either a task late or their first stage waiting at its gate."""
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    for number in numbers:
        plan = start(lead, committee, f"Plan {number:02}", timezone=("Europe/Paris", "Asia/Tokyo")[number % 2])
        measure(plan, "partners-involved", 3, date(2026, 12, 1))
        if number % 2:
            finish_stage(plan, "observe")
        else:
            task(plan, "employment-data").due_date = date(2026, 11, 20)
    session().commit()
    clock.set(datetime(2026, 12, 20, 11, 0, tzinfo=UTC))


def committee_page_queries(person: Person) -> tuple[int, dict[int, Any]]:
    session().expire_all()
    assert person.role  # reloaded before counting, as a signed-in page has it
    with count_queries() as statements:
        health = plans_health(overseen_plans(person))
    return len(statements), health


@pytest.mark.parametrize("who", ["member", "admin"])
def test_the_same_number_of_queries_for_3_and_30_plans(
    app: Flask, people: dict[str, Person], dummy_lead: Person, clock: FrozenClock, who: str
) -> None:
    person = people["alice"] if who == "member" else people["admin"]
    plans_with_data(dummy_lead, [people["alice"]], range(3), clock)
    few, small = committee_page_queries(person)
    plans_with_data(dummy_lead, [people["alice"]], range(3, 30), clock)
    many, large = committee_page_queries(person)
    assert (len(small), len(large)) == (3, 30)
    # Definitions and plans (a member's plans need the definitions' committee roles), then four for the health.
    assert few == many == (6 if who == "member" else 5), f"{few} queries for 3 plans, {many} for 30"
    assert sum(1 for h in large.values() if h.gates_awaiting) == 15
    assert sum(1 for h in large.values() if h.off_track) == 30
    assert all(h.indicators[0].latest_value is not None for h in large.values())


def test_indicators_read_with_their_measurements_give_the_same_health_in_a_query_less(
    app: Flask, people: dict[str, Person], dummy_lead: Person, clock: FrozenClock
) -> None:
    """The committee page reads the indicators with all their measurements for its charts: given them, the
    health takes each latest measurement from them (latest day, then latest recorded) and says the same."""
    plans_with_data(dummy_lead, [people["alice"]], range(4), clock)
    first = session().scalars(sa.select(Plan).order_by(Plan.id)).first()
    assert first is not None
    measure(first, "partners-involved", 40, date(2026, 12, 1))  # same day, recorded after: the latest
    measure(first, "partners-involved", 1, date(2026, 11, 2))  # recorded last, measured earliest
    session().commit()
    plans = overseen_plans(people["alice"])
    queried = plans_health(plans)
    indicators = indicators_of_plans([plan.id for plan in plans])
    with count_queries() as statements:
        given = plans_health(plans, indicators)
    assert len(statements) == 3
    assert given == queried
    assert queried[first.id].indicators[0].latest_value == 40


def test_no_plans_no_query(app: Flask) -> None:
    with count_queries() as statements:
        assert plans_health([]) == {}
    assert statements == []
