"""Changing a running plan: rename, roles (the committee's too), one-off tasks; who may, and what is refused."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from gpect_workflow.errors import InvalidTransition, NotFound, PermissionDenied, StaleObject, ValidationError
from gpect_workflow.models import (
    Decision,
    Event,
    Organisation,
    OrganisationKind,
    OutboxMessage,
    Person,
    PersonRole,
    Plan,
    RoleAssignment,
    RoleAssignmentMember,
    StageStatus,
    Task,
    TaskDependency,
    TaskStatus,
)
from gpect_workflow.notifications.announcements import deliver_announcements
from gpect_workflow.refusals import Refusal
from gpect_workflow.services.access import plan_access
from gpect_workflow.services.context import session
from gpect_workflow.services.definitions import get_definition, task_definition
from gpect_workflow.services.partners.organisations import ensure_organisation
from gpect_workflow.services.partners.people import create_person
from gpect_workflow.services.plans.changes import (
    OneOffTask,
    add_one_off_task,
    remove_one_off_task,
    rename_plan,
)
from gpect_workflow.services.plans.roles import RoleChange, committee_members, remap_role
from gpect_workflow.services.stages.progression import decide_gate
from gpect_workflow.services.tasks.changes import change_task_status
from tests.engine_drive import committee_member
from tests.factories import assignee, finish, stage, task
from tests.plan_helpers import start_five_levers_plan
from tests.refusing import refused

START = date(2026, 12, 1)


@pytest.fixture
def plan(definitions: None, dummy_lead: Person) -> Plan:
    started = start_five_levers_plan(dummy_lead, START)
    session().commit()
    return started


def journal(plan: Plan, kind: str) -> list[Event]:
    query = sa.select(Event).where(Event.plan_id == plan.id, Event.kind == kind).order_by(Event.id)
    return list(session().scalars(query))


def one_off(plan: Plan, **overrides: Any) -> OneOffTask:
    values: dict[str, Any] = {
        "stage_id": stage(plan, "observe").id,
        "owner_role": "employment_service",
        "due_date": START + timedelta(days=20),
        "title_fr": "Visiter le salon de l'emploi",
        "title_en": "Visit the job fair",
    }
    return OneOffTask(**{**values, **overrides})


def newcomer(plan: Plan, role_key: str, email: str = "newcomer@partners.example.org") -> Person:
    """A new person of the organisation that plays ``role_key``."""
    organisation = session().get(Organisation, _organisation_id(plan, role_key))
    return create_person(email, PersonRole.PARTNER, "Nina Nouvelle", organisation=organisation)


def _organisation_id(plan: Plan, role_key: str) -> int:
    return next(a.organisation_id for a in plan.role_assignments if a.role_key == role_key)


# --- Renaming ----------------------------------------------------------------------------------------------------


def test_lead_renames_the_plan_journaled_with_both_names(plan: Plan, dummy_lead: Person) -> None:
    version = plan.version
    rename_plan(dummy_lead, plan.id, "  Agents  de fabrication 2027 ", expected_version=version)
    session().commit()
    assert plan.name == "Agents de fabrication 2027" and plan.version == version + 1
    (event,) = journal(plan, "plan_renamed")
    assert event.data == {"from": "Plan de test", "to": "Agents de fabrication 2027"}
    assert event.actor_id == dummy_lead.id


@pytest.mark.parametrize("name", ["", "   ", "x" * 201, "bad\x00name", "line\x1bescape"])
def test_rename_refuses_what_creation_refuses(plan: Plan, dummy_lead: Person, name: str) -> None:
    with refused(ValidationError, Refusal.INVALID_INPUT) as caught:
        rename_plan(dummy_lead, plan.id, name)
    assert "name" in caught.value.fields
    session().rollback()
    assert session().get(Plan, plan.id).name == "Plan de test"  # type: ignore[union-attr]


def test_rename_with_a_stale_version_changes_nothing(plan: Plan, dummy_lead: Person) -> None:
    stale = plan.version
    rename_plan(dummy_lead, plan.id, "Premier nom")
    session().commit()
    with refused(StaleObject, Refusal.CHANGED_MEANWHILE, who="Claire Lead"):
        rename_plan(dummy_lead, plan.id, "Second nom", expected_version=stale)
    session().rollback()
    assert session().get(Plan, plan.id).name == "Premier nom"  # type: ignore[union-attr]


def test_partner_and_other_lead_may_not_change_the_plan(plan: Plan, create_user: Any) -> None:
    partner = assignee(task(plan, "inventory-existing-studies"))
    other_lead = create_user("other-lead@example.org", PersonRole.LEAD)
    for person in (partner, other_lead):
        with refused(PermissionDenied, Refusal.LEAD_CHANGES_PLANS):
            rename_plan(person, plan.id, "Pris")
        with refused(PermissionDenied, Refusal.LEAD_CHANGES_PLANS):
            add_one_off_task(person, plan.id, one_off(plan))
        with refused(PermissionDenied, Refusal.LEAD_CHANGES_PLANS):
            remap_role(person, plan.id, "region", RoleChange(_organisation_id(plan, "region"), [person.id]))
    session().rollback()
    assert not journal(plan, "plan_renamed") and not journal(plan, "one_off_task_added")


def test_active_administrator_changes_the_plan(plan: Plan, create_user: Any) -> None:
    admin = create_user("admin@example.org", PersonRole.ADMIN)
    rename_plan(admin, plan.id, "Renommé par l'administration")
    assert journal(plan, "plan_renamed")[0].actor_id == admin.id


def test_a_cancelled_plan_no_longer_changes(plan: Plan, dummy_lead: Person) -> None:
    from gpect_workflow.services.plans.lifecycle import cancel_plan

    cancel_plan(dummy_lead, plan.id)
    with refused(InvalidTransition, Refusal.PLAN_ENDED):
        rename_plan(dummy_lead, plan.id, "Trop tard")


# --- Roles -------------------------------------------------------------------------------------------------------


def test_remapped_role_returns_the_leavers_open_tasks_to_its_first_new_member(plan: Plan, dummy_lead: Person) -> None:
    studies = task(plan, "inventory-existing-studies")
    leaver = assignee(studies)
    role = studies.owner_role
    open_before = list(
        session().scalars(
            sa.select(Task).where(Task.plan_id == plan.id, Task.owner_role == role, Task.assignee_id == leaver.id)
        )
    )
    change_task_status(leaver, studies.id, TaskStatus.DONE)
    new = newcomer(plan, role)
    remap_role(
        dummy_lead, plan.id, role, RoleChange(_organisation_id(plan, role), [new.id]), expected_version=plan.version
    )
    session().commit()
    for item in open_before:
        session().refresh(item)
        expected = leaver.id if item.id == studies.id else new.id  # a finished task keeps who did it
        assert item.assignee_id == expected, item.task_key
    (event,) = journal(plan, "role_remapped")
    assert event.data and event.data["role"] == role and event.data["to_people"] == [new.id]
    assert event.data["from_people"] == [leaver.id]
    handed = journal(plan, "task_reassigned")
    assert {e.task_id for e in handed} == {t.id for t in open_before if t.id != studies.id}
    assert all(e.from_state == str(leaver.id) and e.to_state == str(new.id) for e in handed)
    definition = get_definition(plan.definition_key, plan.definition_version)
    assert (
        not plan_access(leaver, plan, definition).can_view
        or role not in plan_access(leaver, plan, definition).role_keys
    )
    assert role in plan_access(new, plan, definition).role_keys


def test_open_tasks_go_to_the_member_the_lead_names(plan: Plan, dummy_lead: Person) -> None:
    studies = task(plan, "inventory-existing-studies")
    role = studies.owner_role
    first = newcomer(plan, role, "first@partners.example.org")
    second = newcomer(plan, role, "second@partners.example.org")
    change = RoleChange(_organisation_id(plan, role), [first.id, second.id], open_tasks_to=second.id)
    remap_role(dummy_lead, plan.id, role, change)
    session().refresh(studies)
    assert studies.assignee_id == second.id


def test_role_remap_refuses_wrong_people_and_organisations(plan: Plan, dummy_lead: Person, territory: Any) -> None:
    role = "employment_service"
    organisation_id = _organisation_id(plan, role)
    stranger_organisation = ensure_organisation("Ailleurs", OrganisationKind.OTHER, None)
    stranger = create_person(
        "stranger@elsewhere.example.org", PersonRole.PARTNER, "S", organisation=stranger_organisation
    )
    member = newcomer(plan, role)
    cases = [
        (RoleChange(organisation_id, [stranger.id]), "roles.employment_service.people"),
        (RoleChange(organisation_id, []), "roles.employment_service.people"),
        (RoleChange(organisation_id, [10**30]), "roles.employment_service.people"),
        (RoleChange(10**30, [member.id]), "roles.employment_service.organisation"),
        (RoleChange(organisation_id, [member.id], open_tasks_to=stranger.id), "open_tasks_to"),
    ]
    for change, field in cases:
        with refused(ValidationError, Refusal.INVALID_INPUT) as caught:
            remap_role(dummy_lead, plan.id, role, change)
        assert field in caught.value.fields
    with refused(NotFound, Refusal.NO_SUCH_ROLE):
        remap_role(dummy_lead, plan.id, "no\x00such", RoleChange(organisation_id, [member.id]))


def test_committee_is_remapped_and_the_new_member_decides(plan: Plan, dummy_lead: Person) -> None:
    definition = get_definition(plan.definition_key, plan.definition_version)
    (committee_role,) = definition.committee_roles
    old = committee_member(plan)
    organisation = session().get(Organisation, _organisation_id(plan, committee_role))
    new = create_person("comite@partners.example.org", PersonRole.COMMITTEE, "Côme Comité", organisation=organisation)
    remap_role(dummy_lead, plan.id, committee_role, RoleChange(organisation.id, [new.id]))  # type: ignore[union-attr]
    session().commit()
    assert [p.id for p in committee_members(plan, definition)] == [new.id]
    assert plan_access(new, plan, definition).can_decide
    assert not plan_access(old, plan, definition).can_decide
    deliver_announcements()  # the scheduler's pass renders what the change announced
    messages = session().scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "role_assigned")).all()
    assert [m.recipient_id for m in messages] == [new.id]


def test_new_holders_only_are_told(plan: Plan, dummy_lead: Person) -> None:
    studies = task(plan, "inventory-existing-studies")
    role = studies.owner_role
    kept = assignee(studies)
    new = newcomer(plan, role)
    remap_role(dummy_lead, plan.id, role, RoleChange(_organisation_id(plan, role), [kept.id, new.id]))
    session().commit()
    deliver_announcements()  # the scheduler's pass renders what the change announced
    messages = session().scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "role_assigned")).all()
    assert [m.recipient_id for m in messages] == [new.id]


def test_a_plan_without_a_committee_gets_one(plan: Plan, dummy_lead: Person) -> None:
    definition = get_definition(plan.definition_key, plan.definition_version)
    (committee_role,) = definition.committee_roles
    assignment = next(a for a in plan.role_assignments if a.role_key == committee_role)
    organisation_id = assignment.organisation_id
    assignment_id = assignment.id
    session().execute(sa.delete(RoleAssignmentMember).where(RoleAssignmentMember.assignment_id == assignment_id))
    session().execute(sa.delete(RoleAssignment).where(RoleAssignment.id == assignment_id))
    session().commit()
    session().expire_all()
    assert committee_members(plan, definition) == []
    organisation = session().get(Organisation, organisation_id)
    new = create_person("comite@partners.example.org", PersonRole.COMMITTEE, "Côme", organisation=organisation)
    remap_role(dummy_lead, plan.id, committee_role, RoleChange(organisation_id, [new.id]))
    assert [p.id for p in committee_members(plan, definition)] == [new.id]


# --- One-off tasks -----------------------------------------------------------------------------------------------


def test_one_off_task_is_added_to_an_open_stage_with_its_own_title(plan: Plan, dummy_lead: Person) -> None:
    studies = task(plan, "inventory-existing-studies")
    version = plan.version
    added = add_one_off_task(
        dummy_lead,
        plan.id,
        one_off(plan, depends_on=[studies.id], description="Stand 12", weight=3, is_required=False),
        expected_version=version,
    )
    session().commit()
    assert added.is_one_off and added.task_key == "oneoff-1" and added.status is TaskStatus.TODO
    assert added.assignee_id == assignee(task(plan, "employment-data")).id  # the role's first member
    assert (added.weight, added.is_required, added.description) == (3, False, "Stand 12")
    assert plan.version == version + 1
    definition = get_definition(plan.definition_key, plan.definition_version)
    described = task_definition(definition, added)
    assert (described.title.fr, described.title.en) == ("Visiter le salon de l'emploi", "Visit the job fair")
    links = session().scalars(sa.select(TaskDependency.depends_on_id).where(TaskDependency.task_id == added.id))
    assert list(links) == [studies.id]
    (event,) = journal(plan, "one_off_task_added")
    assert event.task_id == added.id and event.to_state == "oneoff-1"
    second = add_one_off_task(dummy_lead, plan.id, one_off(plan, title_fr="", title_en="English only"))
    assert second.task_key == "oneoff-2"
    assert task_definition(definition, second).title.fr == "English only"


def test_one_off_task_in_a_pending_stage(plan: Plan, dummy_lead: Person) -> None:
    later = stage(plan, "experiment")
    assert later.status is StageStatus.PENDING
    added = add_one_off_task(
        dummy_lead, plan.id, one_off(plan, stage_id=later.id, due_date=START + timedelta(days=200))
    )
    assert added.stage_id == later.id


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title_fr": "", "title_en": ""}, "title_fr"),
        ({"title_fr": "nul\x00"}, "title_fr"),
        ({"title_en": "x" * 201}, "title_en"),
        ({"description": "a\x00b"}, "description"),
        ({"description": "d" * 2001}, "description"),
        ({"owner_role": "nobody"}, "owner_role"),
        ({"owner_role": "nul\x00"}, "owner_role"),
        ({"weight": 0}, "weight"),
        ({"weight": 10**30}, "weight"),
        ({"due_date": START - timedelta(days=1)}, "due_date"),
        ({"due_date": date(2150, 1, 1)}, "due_date"),
        ({"depends_on": [10**30]}, "depends_on"),
        ({"depends_on": [2_147_483_647]}, "depends_on"),
    ],
)
def test_one_off_task_refuses_hostile_input(
    plan: Plan, dummy_lead: Person, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        add_one_off_task(dummy_lead, plan.id, one_off(plan, **overrides))
    assert field in caught.value.fields
    session().rollback()
    assert not session().scalars(sa.select(Task).where(Task.is_one_off.is_(True))).all()


def test_dependencies_on_another_plans_tasks_are_refused(plan: Plan, dummy_lead: Person) -> None:
    other = start_five_levers_plan(dummy_lead, START, "Autre plan")
    foreign = task(other, "inventory-existing-studies")
    with refused(ValidationError, Refusal.INVALID_INPUT) as caught:
        add_one_off_task(dummy_lead, plan.id, one_off(plan, depends_on=[foreign.id]))
    assert "depends_on" in caught.value.fields
    with refused(NotFound, Refusal.NO_SUCH_STAGE):
        add_one_off_task(dummy_lead, plan.id, one_off(plan, stage_id=stage(other, "observe").id))


def test_no_one_off_task_in_a_closed_stage(plan: Plan, dummy_lead: Person) -> None:
    observe = stage(plan, "observe")
    finish(plan, *[t.task_key for t in observe.tasks if t.is_required])
    if observe.status is StageStatus.AWAITING_DECISION:
        decide_gate(committee_member(plan), observe.id, Decision.APPROVE)
    assert observe.status is StageStatus.CLOSED
    with refused(InvalidTransition, Refusal.ONE_OFF_TASKS_IN_OPEN_STAGES):
        add_one_off_task(dummy_lead, plan.id, one_off(plan, stage_id=observe.id))


def test_one_off_task_with_a_stale_plan_version_is_refused(plan: Plan, dummy_lead: Person) -> None:
    stale = plan.version
    rename_plan(dummy_lead, plan.id, "Nouveau nom")
    with pytest.raises(StaleObject):
        add_one_off_task(dummy_lead, plan.id, one_off(plan), expected_version=stale)


def test_removing_a_one_off_task_keeps_its_journal(plan: Plan, dummy_lead: Person) -> None:
    added = add_one_off_task(dummy_lead, plan.id, one_off(plan))
    session().commit()
    task_id = added.id
    remove_one_off_task(dummy_lead, plan.id, task_id, expected_version=plan.version)
    session().commit()
    assert session().get(Task, task_id) is None
    (added_event,) = journal(plan, "one_off_task_added")
    assert added_event.task_id is None and added_event.to_state == "oneoff-1"
    (removed,) = journal(plan, "one_off_task_removed")
    assert removed.data == {"title_fr": "Visiter le salon de l'emploi", "title_en": "Visit the job fair"}


def test_started_one_off_and_definition_tasks_stay(plan: Plan, dummy_lead: Person) -> None:
    added = add_one_off_task(dummy_lead, plan.id, one_off(plan))
    change_task_status(dummy_lead, added.id, TaskStatus.IN_PROGRESS)
    with refused(InvalidTransition, Refusal.ONE_OFF_TASK_STARTED):
        remove_one_off_task(dummy_lead, plan.id, added.id)
    with refused(InvalidTransition, Refusal.DEFINITION_TASKS_STAY):
        remove_one_off_task(dummy_lead, plan.id, task(plan, "inventory-existing-studies").id)
    other = start_five_levers_plan(dummy_lead, START, "Autre plan")
    foreign = add_one_off_task(dummy_lead, other.id, one_off(other))
    with refused(NotFound, Refusal.NO_SUCH_TASK):
        remove_one_off_task(dummy_lead, plan.id, foreign.id)


def test_removing_the_last_open_task_lets_the_stage_move_on(plan: Plan, dummy_lead: Person, app: Flask) -> None:
    added = add_one_off_task(dummy_lead, plan.id, one_off(plan))
    observe = stage(plan, "observe")
    finish(plan, *[t.task_key for t in observe.tasks if t.is_required and t.id != added.id])
    assert observe.status is StageStatus.OPEN  # the one-off task is required and still to do
    remove_one_off_task(dummy_lead, plan.id, added.id)
    assert observe.status is not StageStatus.OPEN
