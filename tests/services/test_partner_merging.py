"""Merging duplicates of the directory: every reference moves, the duplicate goes, the journal says so."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from gpect_workflow.errors import NotFound, PermissionDenied, StaleObject, ValidationError
from gpect_workflow.models import (
    ApiToken,
    Base,
    CommitteeDecision,
    Decision,
    Event,
    Indicator,
    Measurement,
    Organisation,
    OrganisationKind,
    OutboxMessage,
    OutboxStatus,
    Person,
    PersonRole,
    Plan,
    RoleAssignment,
    RoleAssignmentMember,
    Task,
    UsedLink,
)
from gpect_workflow.refusals import Refusal
from gpect_workflow.services.accounts.tokens import create_token, person_for_token
from gpect_workflow.services.context import now, session
from gpect_workflow.services.partners.merging import (
    ORGANISATION_REFERENCES,
    PERSON_REFERENCES,
    merge_organisations,
    merge_people,
    organisation_merge_preview,
    person_merge_preview,
)
from gpect_workflow.services.partners.organisations import ensure_organisation, ensure_territory
from gpect_workflow.services.partners.people import create_person, find_person
from tests.plan_helpers import start_five_levers_plan
from tests.refusing import refused
from tests.services.test_concurrency import run_together


@pytest.fixture
def admin(create_user: Any) -> Person:
    return create_user("admin@example.org", PersonRole.ADMIN, name="Ada Admin")


@pytest.fixture
def plan(definitions: None, dummy_lead: Person) -> Plan:
    started = start_five_levers_plan(dummy_lead, date(2026, 12, 1))
    session().commit()
    return started


def events(kind: str) -> list[Event]:
    return list(session().scalars(sa.select(Event).where(Event.kind == kind).order_by(Event.plan_id)))


def mapping(plan: Plan, role_key: str) -> RoleAssignment:
    query = sa.select(RoleAssignment).where(RoleAssignment.plan_id == plan.id, RoleAssignment.role_key == role_key)
    assignment = session().scalar(query)
    assert assignment is not None
    return assignment


def members(assignment_id: int) -> set[int]:
    query = sa.select(RoleAssignmentMember.person_id).where(RoleAssignmentMember.assignment_id == assignment_id)
    return set(session().scalars(query))


# --------------------------------------------------------------------------------------------------------------
# Every reference is handled
# --------------------------------------------------------------------------------------------------------------


def _references_to(table: str) -> set[str]:
    return {
        f"{key.parent.table.name}.{key.parent.name}"
        for mapped in Base.metadata.tables.values()
        for key in mapped.foreign_keys
        if key.column.table.name == table and key.column.name == "id"
    }


def _handled(columns: tuple[Any, ...]) -> set[str]:
    return {f"{column.class_.__tablename__}.{column.key}" for column in columns}


def test_every_foreign_key_to_people_and_organisations_is_moved_by_a_merge() -> None:
    """A column added later that names a person or an organisation must be added to the merge's lists."""
    assert _references_to("gpect_people") == _handled(PERSON_REFERENCES)
    assert _references_to("gpect_organisations") == _handled(ORGANISATION_REFERENCES)
    # The check reads real foreign keys: the lists are not empty, and the tables are the models'.
    assert "gpect_tasks.assignee_id" in _references_to("gpect_people")
    assert "gpect_role_assignments.organisation_id" in _references_to("gpect_organisations")


# --------------------------------------------------------------------------------------------------------------
# Organisations
# --------------------------------------------------------------------------------------------------------------


def _region_twice(plan: Plan) -> tuple[Organisation, Organisation]:
    """The plan's region role mapped to a duplicate of « Région Centre-Val de Loire »."""
    kept = ensure_organisation("Région Centre-Val de Loire", OrganisationKind.REGION, None)
    other_territory = ensure_territory("tours", "Tours Métropole", "37", "Centre-Val de Loire")
    duplicate = ensure_organisation("Région Centre-Val de Loire", OrganisationKind.REGION, other_territory)
    region = mapping(plan, "region")
    previous = region.organisation_id
    region.organisation_id = duplicate.id
    for person in session().scalars(sa.select(Person).where(Person.organisation_id == previous)):
        person.organisation_id = duplicate.id
    session().commit()
    return kept, duplicate


def test_merging_an_organisation_moves_its_mappings_and_people_and_journals_each_plan(
    plan: Plan, admin: Person, dummy_lead: Person
) -> None:
    kept, duplicate = _region_twice(plan)
    second = start_five_levers_plan(dummy_lead, date(2026, 12, 1), "Deuxième plan")
    mapping(second, "region").organisation_id = duplicate.id
    session().commit()
    people_of_duplicate = set(session().scalars(sa.select(Person.id).where(Person.organisation_id == duplicate.id)))
    assert people_of_duplicate

    preview = organisation_merge_preview(admin, duplicate.id, kept.id)
    assert (preview.plans, preview.mappings, preview.people) == (2, 2, len(people_of_duplicate))
    assert session().get(Organisation, duplicate.id) is not None  # a preview changes nothing

    merged = merge_organisations(admin, duplicate.id, kept.id)
    session().commit()
    session().expire_all()

    assert (merged.plans, merged.mappings, merged.people) == (2, 2, len(people_of_duplicate))
    assert session().get(Organisation, duplicate.id) is None
    assert mapping(plan, "region").organisation_id == kept.id
    assert mapping(second, "region").organisation_id == kept.id
    moved = set(session().scalars(sa.select(Person.id).where(Person.organisation_id == kept.id)))
    assert people_of_duplicate <= moved
    journaled = events("organisation_merged")
    assert [event.plan_id for event in journaled] == sorted([plan.id, second.id])
    assert {(event.actor_id, event.from_state, event.to_state) for event in journaled} == {
        (admin.id, str(duplicate.id), str(kept.id))
    }
    assert journaled[0].data == {
        "from_id": duplicate.id,
        "from_name": "Région Centre-Val de Loire",
        "into_id": kept.id,
        "into_name": "Région Centre-Val de Loire",
    }


def test_the_target_keeps_its_referent_and_the_duplicate_s_loses_the_flag(admin: Person) -> None:
    kept = ensure_organisation("France Travail Chartres", OrganisationKind.EMPLOYMENT_SERVICE, None)
    duplicate = ensure_organisation("France Travail de Chartres", OrganisationKind.EMPLOYMENT_SERVICE, None)
    create_person("kept@ft.example.org", PersonRole.PARTNER, "Kept Referent", organisation=kept, is_referent=True)
    other = create_person(
        "other@ft.example.org", PersonRole.PARTNER, "Other Referent", organisation=duplicate, is_referent=True
    )
    session().commit()

    assert organisation_merge_preview(admin, duplicate.id, kept.id).dropped_referent == "Other Referent"
    merged = merge_organisations(admin, duplicate.id, kept.id)
    session().commit()
    session().expire_all()

    assert merged.dropped_referent == "Other Referent"
    referents = session().scalars(
        sa.select(Person.email).where(Person.organisation_id == kept.id, Person.is_referent.is_(True))
    )
    assert list(referents) == ["kept@ft.example.org"]
    moved = session().get(Person, other.id)
    assert moved is not None and moved.organisation_id == kept.id and not moved.is_referent


def test_a_lone_referent_stays_referent_of_the_target(admin: Person) -> None:
    kept = ensure_organisation("CCI Eure-et-Loir", OrganisationKind.CHAMBER, None)
    duplicate = ensure_organisation("CCI 28", OrganisationKind.CHAMBER, None)
    referent = create_person("cci@example.org", PersonRole.PARTNER, "Ref", organisation=duplicate, is_referent=True)
    session().commit()
    assert merge_organisations(admin, duplicate.id, kept.id).dropped_referent is None
    session().commit()
    session().expire_all()
    moved = session().get(Person, referent.id)
    assert moved is not None and moved.organisation_id == kept.id and moved.is_referent


def test_organisation_merges_are_refused_to_others_into_itself_and_for_unknown_ids(
    admin: Person, dummy_lead: Person, create_user: Any
) -> None:
    first = ensure_organisation("Un", OrganisationKind.OTHER, None)
    second = ensure_organisation("Deux", OrganisationKind.OTHER, None)
    partner = create_user("partner@example.org")
    retired = create_user("retired@example.org", PersonRole.ADMIN)
    retired.is_active = False
    session().commit()
    for someone in (dummy_lead, partner, retired):
        with refused(PermissionDenied, Refusal.ADMINISTRATORS_MERGE):
            merge_organisations(someone, first.id, second.id)
        with refused(PermissionDenied, Refusal.ADMINISTRATORS_MERGE):
            organisation_merge_preview(someone, first.id, second.id)
    with refused(ValidationError, Refusal.MERGE_INTO_ITSELF):
        merge_organisations(admin, first.id, first.id)
    for source, target in ((first.id, 10**9), (10**9, first.id), (2**31 - 1, 10**30)):
        with refused(NotFound, Refusal.NO_SUCH_ORGANISATION):
            merge_organisations(admin, source, target)
    merge_organisations(admin, first.id, second.id)
    session().commit()
    with refused(NotFound, Refusal.NO_SUCH_ORGANISATION):  # already merged
        merge_organisations(admin, first.id, second.id)
    assert session().get(Organisation, second.id) is not None


# --------------------------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------------------------


def _everything_names(plan: Plan, duplicate: Person, lead: Person) -> dict[str, int]:
    """Put ``duplicate`` in every place a person can be named in, beside the lead it duplicates."""
    lead_role = mapping(plan, "lead")
    region = mapping(plan, "region")
    session().add(RoleAssignmentMember(assignment_id=lead_role.id, plan_id=plan.id, person_id=lead.id))
    session().add(
        RoleAssignmentMember(assignment_id=lead_role.id, plan_id=plan.id, person_id=duplicate.id)
    )  # both: deduped
    session().add(RoleAssignmentMember(assignment_id=region.id, plan_id=plan.id, person_id=duplicate.id))
    task = session().scalars(sa.select(Task).where(Task.plan_id == plan.id).order_by(Task.id)).first()
    assert task is not None
    task.assignee_id = duplicate.id
    stage = plan.stages[0]
    session().add(
        CommitteeDecision(
            plan_id=plan.id, stage_id=stage.id, decision=Decision.APPROVE, decided_by_id=duplicate.id, decided_dt=now()
        )
    )
    indicator = session().scalars(sa.select(Indicator).where(Indicator.plan_id == plan.id)).first()
    assert indicator is not None
    session().add(
        Measurement(
            indicator_id=indicator.id,
            value=3,
            measured_on=date(2026, 12, 1),
            recorded_by_id=duplicate.id,
            recorded_dt=now(),
        )
    )
    session().add(
        Event(
            plan_id=plan.id,
            task_id=task.id,
            actor_id=duplicate.id,
            kind="task_reassigned",
            from_state=str(lead.id),
            to_state=str(duplicate.id),
            occurred_dt=now(),
        )
    )
    session().add(UsedLink(token_id="used-once", purpose="mark_done", person_id=duplicate.id, used_dt=now()))
    for status in (OutboxStatus.PENDING, OutboxStatus.SENT):
        session().add(
            OutboxMessage(
                idempotency_key=f"test:{status.value}",
                kind="reminder_on_due",
                recipient_id=duplicate.id,
                recipient_email=duplicate.email,
                plan_id=plan.id,
                subject="Relance",
                body_text="…",
                status=status,
                next_attempt_dt=now(),
                created_dt=now(),
            )
        )
    led = start_five_levers_plan(lead, date(2026, 12, 1), "Plan du doublon")
    led.lead_id = duplicate.id
    session().flush()
    session().commit()
    return {"task": task.id, "task_version": task.version, "led": led.id, "led_version": led.version}


def test_merging_a_person_moves_every_reference_dedupes_roles_and_journals_each_plan(
    plan: Plan, admin: Person, dummy_lead: Person
) -> None:
    duplicate = create_person(
        "claire.lead@autre.example.org", PersonRole.LEAD, "Claire Lead (bis)", organisation=dummy_lead.organisation
    )
    token, plain = create_token(duplicate, "Script")
    session().commit()
    facts = _everything_names(plan, duplicate, dummy_lead)
    lead_role, region = mapping(plan, "lead"), mapping(plan, "region")
    source_id, target_id = duplicate.id, dummy_lead.id

    preview = person_merge_preview(admin, source_id, target_id)
    assert (preview.memberships, preview.duplicate_memberships, preview.tasks, preview.plans_led) == (2, 1, 1, 1)
    assert (preview.decisions, preview.measurements, preview.events, preview.tokens) == (1, 1, 1, 1)
    assert (preview.pending_messages, preview.plans) == (1, 2)

    merged = merge_people(admin, source_id, target_id)
    session().commit()
    session().expire_all()

    assert merged.tasks == 1 and merged.plans == 2
    assert session().get(Person, source_id) is None
    assert target_id in members(lead_role.id) and source_id not in members(lead_role.id)
    assert target_id in members(region.id) and source_id not in members(region.id)
    task = session().get(Task, facts["task"])
    assert task is not None and task.assignee_id == target_id and task.version == facts["task_version"] + 1
    led = session().get(Plan, facts["led"])
    assert led is not None and led.lead_id == target_id and led.version == facts["led_version"] + 1
    assert session().scalar(sa.select(CommitteeDecision.decided_by_id)) == target_id
    assert session().scalar(sa.select(Measurement.recorded_by_id)) == target_id
    reassigned = session().scalar(sa.select(Event).where(Event.kind == "task_reassigned"))
    assert reassigned is not None and reassigned.actor_id == target_id
    assert (reassigned.from_state, reassigned.to_state) == (str(target_id), str(target_id))
    assert session().scalar(sa.select(ApiToken.person_id).where(ApiToken.id == token.id)) == target_id
    assert (found := person_for_token(plain)) is not None and found.id == target_id
    assert session().scalar(sa.select(UsedLink.person_id)) == target_id
    ours = sa.select(OutboxMessage).where(OutboxMessage.idempotency_key.startswith("test:"))
    messages = {message.status: message for message in session().scalars(ours)}
    assert messages[OutboxStatus.PENDING].recipient_id == target_id
    assert messages[OutboxStatus.PENDING].recipient_email == "lead@example.org"
    assert messages[OutboxStatus.SENT].recipient_id == target_id
    assert messages[OutboxStatus.SENT].recipient_email == "claire.lead@autre.example.org"  # history kept
    for column in PERSON_REFERENCES:  # nothing names the duplicate any more
        assert session().scalar(sa.select(sa.func.count()).where(column == source_id)) == 0
    journaled = events("person_merged")
    assert [event.plan_id for event in journaled] == sorted([plan.id, facts["led"]])
    assert journaled[0].actor_id == admin.id
    assert journaled[0].data == {
        "from_id": source_id,
        "from_name": "Claire Lead (bis)",
        "into_id": target_id,
        "into_name": "Claire Lead",
    }
    assert find_person("claire.lead@autre.example.org") is None  # the address is free again


def test_the_referent_flag_passes_to_the_kept_person_of_the_same_organisation(admin: Person) -> None:
    organisation = ensure_organisation("Mission locale", OrganisationKind.OTHER, None)
    kept = create_person("ml@example.org", PersonRole.PARTNER, "Kept", organisation=organisation)
    duplicate = create_person("ml2@example.org", PersonRole.PARTNER, "Dup", organisation=organisation, is_referent=True)
    session().commit()
    assert person_merge_preview(admin, duplicate.id, kept.id).referent_passes
    merge_people(admin, duplicate.id, kept.id)
    session().commit()
    session().expire_all()
    survivor = session().get(Person, kept.id)
    assert survivor is not None and survivor.is_referent


def test_person_merges_are_refused_to_others_into_themselves_of_oneself_and_for_unknown_ids(
    admin: Person, dummy_lead: Person, create_user: Any
) -> None:
    partner = create_user("partner@example.org")
    other = create_user("other@example.org")
    session().commit()
    with refused(PermissionDenied, Refusal.ADMINISTRATORS_MERGE):
        merge_people(dummy_lead, partner.id, other.id)
    with refused(PermissionDenied, Refusal.ADMINISTRATORS_MERGE):
        person_merge_preview(partner, other.id, partner.id)
    with refused(ValidationError, Refusal.MERGE_INTO_ITSELF):
        merge_people(admin, partner.id, partner.id)
    with refused(PermissionDenied, Refusal.MERGE_OWN_ACCOUNT):
        merge_people(admin, admin.id, other.id)
    for source, target in ((partner.id, 10**9), (10**9, partner.id), (10**30, 2**31 - 1)):
        with refused(NotFound, Refusal.NO_SUCH_PERSON):
            merge_people(admin, source, target)
    merge_people(admin, partner.id, other.id)  # into someone else: allowed, even into the actor
    session().commit()
    with refused(NotFound, Refusal.NO_SUCH_PERSON):
        merge_people(admin, partner.id, other.id)
    duplicate_of_admin = create_user("admin2@example.org", PersonRole.ADMIN)
    session().commit()
    merge_people(admin, duplicate_of_admin.id, admin.id)
    session().commit()
    assert session().get(Person, duplicate_of_admin.id) is None


def test_a_merge_confirming_a_preview_that_changed_since_is_refused(admin: Person) -> None:
    kept = ensure_organisation("Mission locale de Chartres", OrganisationKind.OTHER, None)
    duplicate = ensure_organisation("Mission Locale Chartres", OrganisationKind.OTHER, None)
    session().commit()
    seen = organisation_merge_preview(admin, duplicate.id, kept.id).fingerprint
    assert organisation_merge_preview(admin, duplicate.id, kept.id).fingerprint == seen  # stable
    create_person("new@ml.example.org", PersonRole.PARTNER, "New", organisation=duplicate)
    session().commit()
    with refused(StaleObject, Refusal.MERGE_CHANGED_SINCE_PREVIEW):
        merge_organisations(admin, duplicate.id, kept.id, seen)
    session().rollback()
    assert session().get(Organisation, duplicate.id) is not None
    fresh = organisation_merge_preview(admin, duplicate.id, kept.id).fingerprint
    assert fresh != seen
    assert merge_organisations(admin, duplicate.id, kept.id, fresh).people == 1

    first = create_person("p1@example.org", PersonRole.PARTNER, "P")
    second = create_person("p2@example.org", PersonRole.PARTNER, "P")
    session().commit()
    seen = person_merge_preview(admin, first.id, second.id).fingerprint
    second.name = "P renamed"
    session().commit()
    with refused(StaleObject, Refusal.MERGE_CHANGED_SINCE_PREVIEW):
        merge_people(admin, first.id, second.id, seen)


def _merger(admin_id: int, source: int, target: int, not_found: list[int]) -> Any:
    """A worker of ``run_together``: the administrator merges ``source`` into ``target``; a 404 is noted."""

    def prepare() -> Any:
        actor = session().get(Person, admin_id)
        assert actor is not None

        def call() -> None:
            try:
                merge_organisations(actor, source, target)
            except NotFound:
                not_found.append(source)

        return call

    return prepare


def test_two_merges_of_the_same_pair_at_the_same_moment_merge_once(database_url: str, admin: Person) -> None:
    """Each merge locks both rows (in id order, so neither waits for the other forever; on SQLite, the
    database's write lock): the second finds the first's source gone and is told so, and exactly one of the
    two organisations is left."""
    admin_id = admin.id
    for round_number in range(4):
        first = ensure_organisation(f"Doublon {round_number}", OrganisationKind.OTHER, None)
        second = ensure_organisation(f"Doublon {round_number} bis", OrganisationKind.OTHER, None)
        create_person(f"p{round_number}@example.org", PersonRole.PARTNER, "P", organisation=second)
        session().commit()
        ids, not_found = (first.id, second.id), []

        workers = {"one": _merger(admin_id, *ids, not_found), "other": _merger(admin_id, ids[1], ids[0], not_found)}
        run_together(database_url, workers)
        session().rollback()
        left = list(session().scalars(sa.select(Organisation.id).where(Organisation.id.in_(ids))))
        assert len(left) == 1 and len(not_found) == 1
        person = session().scalar(sa.select(Person).where(Person.email == f"p{round_number}@example.org"))
        assert person is not None and person.organisation_id == left[0]
        merged_events = session().scalar(sa.select(sa.func.count()).where(Event.kind == "organisation_merged"))
        assert merged_events == 0  # no plan played a role of either
