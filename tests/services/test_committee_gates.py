"""A plan whose gates need a committee starts with one; rework gives each reopened task a new due date."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from gpect_workflow.clock import FrozenClock
from gpect_workflow.errors import PermissionDenied, ValidationError
from gpect_workflow.models import (
    CommitteeDecision,
    Decision,
    Event,
    Organisation,
    Person,
    PersonRole,
    Plan,
    StageStatus,
    TaskStatus,
)
from gpect_workflow.refusals import (
    COMMITTEE_UNMAPPED,
    NOT_TASKS_OF_THE_STAGE,
    REWORK_DATE_BEFORE_START,
    REWORK_DATE_NOT_REOPENED,
    REWORK_DATE_PAST,
    Refusal,
)
from gpect_workflow.services.context import session
from gpect_workflow.services.definitions import get_definition, register_definitions
from gpect_workflow.services.plans.starting import PlanRequest, RoleMapping, needs_committee, start_plan
from gpect_workflow.services.plans.wizard import RoleChoice, check_roles, deciding_roles
from gpect_workflow.services.stages.progression import decide_gate, reopened_due_dates, rework_due_dates
from gpect_workflow.validation import DATE_MESSAGE
from tests.engine_drive import committee_member
from tests.factories import at, finish, stage, task
from tests.plan_helpers import map_every_role, start_five_levers_plan
from tests.refusing import field_words, refused

DATA = Path(__file__).resolve().parent.parent / "data"
OBSERVE = ("inventory-existing-studies", "employment-data", "business-survey", "shared-diagnosis")


def _request(lead: Person, roles: dict[str, RoleMapping], key: str = "gpect-five-levers") -> PlanRequest:
    assert lead.organisation is not None and lead.organisation.territory_id is not None
    territory = lead.organisation.territory_id
    return PlanRequest("Plan sans comité", key, 1, territory, lead.id, date(2026, 12, 1), roles, open_now=True)


def _roles(lead: Person, key: str = "gpect-five-levers") -> dict[str, RoleMapping]:
    assert lead.organisation is not None and lead.organisation.territory_id is not None
    return map_every_role(key, 1, lead.organisation.territory_id)


def _plans() -> list[Plan]:
    return list(session().scalars(sa.select(Plan)))


# --- A committee to start with ------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["unmapped", "nobody", "inactive", "someone_else's_role"])
def test_a_committee_gated_plan_does_not_start_without_an_active_committee_member(
    definitions: None, dummy_lead: Person, how: str
) -> None:
    roles = _roles(dummy_lead)
    committee = roles.pop("steering_committee")
    if how == "nobody":
        roles["steering_committee"] = RoleMapping(committee.organisation_id, [])
    elif how == "inactive":
        member = session().get(Person, committee.person_ids[0])
        assert member is not None
        member.is_active = False
        roles["steering_committee"] = committee
    elif how == "someone_else's_role":  # the member is mapped, but to a partner role, not the committee
        roles["companies"] = RoleMapping(
            roles["companies"].organisation_id, [*roles["companies"].person_ids, *committee.person_ids]
        )
    with refused(ValidationError, Refusal.COMMITTEE_NEEDED, roles="steering_committee") as caught:
        start_plan(dummy_lead, _request(dummy_lead, roles))
    assert caught.value.fields == {"roles": [COMMITTEE_UNMAPPED]}
    assert "map someone to one of these roles: steering_committee" in str(caught.value)
    session().rollback()
    assert _plans() == []


def test_other_problems_are_told_with_the_missing_committee_left_for_later(
    definitions: None, dummy_lead: Person
) -> None:
    roles = _roles(dummy_lead)
    del roles["steering_committee"], roles["region"]
    with refused(ValidationError, Refusal.INVALID_INPUT) as caught:
        start_plan(dummy_lead, _request(dummy_lead, roles))
    assert set(caught.value.fields) == {"roles"}


def test_a_plan_starts_with_one_committee_member_and_reaches_them_at_its_gate(
    definitions: None, dummy_lead: Person
) -> None:
    plan = start_five_levers_plan(dummy_lead)
    session().commit()
    finish(plan, *OBSERVE)
    assert stage(plan, "observe").status is StageStatus.AWAITING_DECISION
    assert committee_member(plan).email == "steering-committee@partners.example.org"


def test_a_definition_without_committee_gates_starts_without_a_committee(
    definitions: None, dummy_lead: Person, tmp_path: Path
) -> None:
    text = (DATA / "valid-minimal.yaml").read_text(encoding="utf-8")
    automatic = tmp_path / "automatic.yaml"
    automatic.write_text(text.replace("key: minimal\n", "key: automatic\n").replace("gate: committee", "gate: auto"))
    register_definitions([automatic])
    definition = get_definition("automatic", 1)
    assert not needs_committee(definition) and deciding_roles(definition) == frozenset()
    roles = _roles(dummy_lead, "automatic")
    del roles["steering_committee"]
    plan = start_plan(dummy_lead, _request(dummy_lead, roles, "automatic"))
    session().commit()
    finish(plan, "survey", "report")
    assert stage(plan, "observe").status is StageStatus.CLOSED, "an automatic gate needs nobody"


def test_the_wizard_roles_step_asks_for_the_committee_beside_its_role(definitions: None, dummy_lead: Person) -> None:
    definition = get_definition("gpect-five-levers", 1)
    roles = _roles(dummy_lead)
    organisations = list(session().scalars(sa.select(Organisation)))
    choices = {
        key: RoleChoice(str(mapping.organisation_id), [str(p) for p in mapping.person_ids])
        for key, mapping in roles.items()
    }
    assert "steering_committee" in check_roles(definition, organisations, choices)
    without = {key: choice for key, choice in choices.items() if key != "steering_committee"}
    with refused(ValidationError, Refusal.INVALID_INPUT) as caught:
        check_roles(definition, organisations, without)
    assert caught.value.fields == {"roles.steering_committee.organisation": [COMMITTEE_UNMAPPED]}
    # A committee organisation chosen without its people: the people's own message, not a second one.
    half = {**without, "steering_committee": RoleChoice(choices["steering_committee"].organisation, [])}
    with refused(ValidationError, Refusal.INVALID_INPUT) as caught:
        check_roles(definition, organisations, half)
    assert list(caught.value.fields) == ["roles.steering_committee.people"]


# --- Rework with dates -----------------------------------------------------------------------------------------


@pytest.fixture
def waiting(definitions: None, dummy_lead: Person, clock: FrozenClock) -> Plan:
    """A five-lever plan started on 1 December 2026 whose observe stage awaits the committee on 10 March 2027,
    its business survey (60 days in the schedule) long past its 30 January due date."""
    plan = start_five_levers_plan(dummy_lead, date(2026, 12, 1))
    session().commit()
    at(clock, date(2027, 3, 10))
    finish(plan, *OBSERVE)
    assert stage(plan, "observe").status is StageStatus.AWAITING_DECISION
    return plan


def _events(plan: Plan, kind: str) -> list[Event]:
    query = sa.select(Event).where(Event.plan_id == plan.id, Event.kind == kind).order_by(Event.id)
    return list(session().scalars(query))


def test_rework_without_dates_gives_today_plus_the_time_the_schedule_gave(waiting: Plan) -> None:
    observe = stage(waiting, "observe")
    assert rework_due_dates(waiting, observe, [task(waiting, "business-survey"), task(waiting, "employment-data")]) == {
        "business-survey": date(2027, 3, 10) + timedelta(days=60),
        "employment-data": date(2027, 3, 10) + timedelta(days=30),
    }
    decided = decide_gate(committee_member(waiting), observe.id, Decision.REWORK, reopen=["business-survey"])
    session().commit()
    survey = task(waiting, "business-survey")
    assert survey.status is TaskStatus.TODO and survey.due_date == date(2027, 5, 9)
    assert task(waiting, "employment-data").due_date == date(2026, 12, 31), "a task not reopened keeps its date"
    assert reopened_due_dates(decided) == {"business-survey": date(2027, 5, 9)}
    (gate,) = _events(waiting, "gate_decided")
    assert gate.data == {
        "decision": "rework",
        "reopen": ["business-survey"],
        "due_dates": {"business-survey": "2027-05-09"},
    }
    (moved,) = _events(waiting, "deadline_moved")
    assert (moved.task_id, moved.from_state, moved.to_state, moved.data) == (
        survey.id,
        "2027-01-30",
        "2027-05-09",
        {"rework": True},
    )


def test_rework_with_a_date_chosen_for_each_task(waiting: Plan, clock: FrozenClock) -> None:
    observe, member = stage(waiting, "observe"), committee_member(waiting)
    decide_gate(
        member,
        observe.id,
        Decision.REWORK,
        reopen=["business-survey", "shared-diagnosis"],
        due_dates={"business-survey": date(2027, 3, 10)},  # today is allowed
    )
    session().commit()
    assert task(waiting, "business-survey").due_date == date(2027, 3, 10)
    assert task(waiting, "shared-diagnosis").due_date == date(2027, 3, 10) + timedelta(days=80)
    assert {e.to_state for e in _events(waiting, "deadline_moved")} == {"2027-03-10", "2027-05-29"}


@pytest.mark.parametrize(
    ("due_dates", "fields"),
    [
        ({"business-survey": date(2027, 3, 9)}, {"due_dates.business-survey": [REWORK_DATE_PAST]}),
        ({"business-survey": date(2026, 11, 30)}, {"due_dates.business-survey": [REWORK_DATE_BEFORE_START]}),
        ({"business-survey": date(9999, 12, 31)}, {"due_dates.business-survey": [DATE_MESSAGE]}),
        ({"employment-data": date(2027, 4, 1)}, {"due_dates": [REWORK_DATE_NOT_REOPENED]}),
        ({"no\x00such": date(2027, 4, 1)}, {"due_dates": [REWORK_DATE_NOT_REOPENED]}),
    ],
)
def test_rework_dates_in_the_past_before_the_start_or_for_other_tasks_are_refused(
    waiting: Plan, due_dates: dict[str, date], fields: dict[str, list[str]]
) -> None:
    observe, member = stage(waiting, "observe"), committee_member(waiting)
    survey_due = task(waiting, "business-survey").due_date
    with refused(ValidationError, Refusal.INVALID_INPUT) as caught:
        decide_gate(member, observe.id, Decision.REWORK, reopen=["business-survey"], due_dates=due_dates)
    assert caught.value.fields == fields
    session().rollback()
    assert stage(waiting, "observe").status is StageStatus.AWAITING_DECISION
    assert task(waiting, "business-survey").due_date == survey_due
    assert session().scalars(sa.select(CommitteeDecision)).all() == []


def test_dates_for_an_approval_and_unknown_tasks_are_refused(waiting: Plan) -> None:
    observe, member = stage(waiting, "observe"), committee_member(waiting)
    with refused(ValidationError, Refusal.INVALID_INPUT) as caught:
        decide_gate(member, observe.id, Decision.APPROVE, due_dates={"business-survey": date(2027, 4, 1)})
    assert caught.value.fields == {"due_dates": [REWORK_DATE_NOT_REOPENED]}
    assert field_words(caught.value) == {
        "due_dates": ["Give new dates only to the tasks reopened for rework: business-survey."]
    }
    with refused(ValidationError, Refusal.INVALID_INPUT) as caught:
        decide_gate(member, observe.id, Decision.REWORK, reopen=["design-pilot"])  # a task of another stage
    assert caught.value.fields == {"reopen": [NOT_TASKS_OF_THE_STAGE]}


def test_a_rework_date_is_never_before_the_plan_start_of_a_plan_opened_early(
    definitions: None, dummy_lead: Person, clock: FrozenClock
) -> None:
    at(clock, date(2026, 11, 2))
    plan = start_five_levers_plan(dummy_lead, date(2027, 1, 4), open_now=True)  # opened two months early
    session().commit()
    finish(plan, *OBSERVE)
    observe = stage(plan, "observe")
    defaults = rework_due_dates(plan, observe, [task(plan, "inventory-existing-studies")])
    assert defaults["inventory-existing-studies"] >= date(2027, 1, 4)
    with refused(ValidationError, Refusal.INVALID_INPUT) as caught:
        decide_gate(
            committee_member(plan),
            observe.id,
            Decision.REWORK,
            reopen=["business-survey"],
            due_dates={"business-survey": date(2026, 12, 1)},  # after today, before the plan's start
        )
    assert caught.value.fields == {"due_dates.business-survey": [REWORK_DATE_BEFORE_START]}


def test_a_committee_member_of_another_plan_may_not_set_dates(waiting: Plan, create_user: Any) -> None:
    outsider = create_user("autre.comite@example.org", PersonRole.COMMITTEE)
    with refused(PermissionDenied, Refusal.COMMITTEE_DECIDES):
        decide_gate(
            outsider,
            stage(waiting, "observe").id,
            Decision.REWORK,
            reopen=["business-survey"],
            due_dates={"business-survey": date(2027, 4, 1)},
        )
