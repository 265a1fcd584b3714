"""What a task completion costs in SQL statements: few, fixed, and no email rendered in the user's transaction.

A plain completion (its stage stays open) locks and reads the task, its plan and its stage in one statement,
which also reads the person's roles in the plan, writes the task and the journal, and reads the stage's tasks
for the exit rule. A completion that closes a stage and opens the next records the notices as announcements; the
scheduler's pass renders them afterwards (counted apart, and checked to produce the emails).

On SQLite the change begins its transaction itself, with ``BEGIN IMMEDIATE`` before its first read (the write
lock, where PostgreSQL locks the plan's row): it is not counted, as the ``BEGIN`` that Python's ``sqlite3``
sent unseen before the first write was not, and each test checks it comes first.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from gpect_workflow.errors import NotFound, PermissionDenied
from gpect_workflow.models import (
    Announcement,
    Decision,
    OutboxMessage,
    Person,
    PersonRole,
    Plan,
    StageStatus,
    TaskStatus,
)
from gpect_workflow.notifications.announcements import deliver_announcements
from gpect_workflow.services.context import session
from gpect_workflow.services.partners.people import create_person
from gpect_workflow.services.plans.starting import PlanRequest, RoleMapping, start_plan
from gpect_workflow.services.stages.progression import decide_gate
from gpect_workflow.services.tasks.changes import change_task_status
from tests.engine_drive import committee_member
from tests.factories import finish, stage, task
from tests.plan_helpers import map_every_role, start_five_levers_plan
from tests.query_count import count_queries

#: Statements of a plain completion (DESIGN §8: at most 6): the task, plan and stage locked with the person's
#: roles in the plan, the task's update and journal row, the stage's exit rule.
PLAIN_COMPLETION = 4
#: Statements of a completion that closes its stage and opens the next (33 when it rendered the emails, 21
#: when the person's roles and the opened stage's tasks were read again).
CLOSING_COMPLETION = 19


def complete_as_a_request_would(plan: Plan, key: str) -> tuple[list[str], Plan]:
    """The statements ``change_task_status`` runs for the task's assignee, from a fresh session (as a request
    starts: the person signed in already loaded, nothing else), and the plan read again."""
    target = task(plan, key)
    task_id, person_id, plan_id = target.id, target.assignee_id, plan.id
    session().commit()
    session().expunge_all()
    actor = session().get(Person, person_id)
    assert actor is not None
    with count_queries() as statements:
        change_task_status(actor, task_id, TaskStatus.DONE)
        session().flush()
    session().commit()
    fresh = session().get(Plan, plan_id)
    assert fresh is not None
    if session().get_bind().dialect.name == "sqlite":
        assert statements[0] == "BEGIN IMMEDIATE", "the write lock is taken before the task is read"
        statements = statements[1:]
    assert "BEGIN IMMEDIATE" not in statements
    return statements, fresh


def outbox_kinds() -> list[str]:
    return sorted(session().scalars(sa.select(OutboxMessage.kind)))


def test_a_plain_completion_costs_four_statements(definitions: None, dummy_lead: Person) -> None:
    plan = start_five_levers_plan(dummy_lead)
    deliver_announcements()  # the first stage's opening notices
    before = outbox_kinds()
    statements, plan = complete_as_a_request_would(plan, "inventory-existing-studies")
    assert len(statements) == PLAIN_COMPLETION, statements
    assert sum(s.lstrip().upper().startswith("SELECT") for s in statements) == 2
    assert "gpect_role_assignment_members" in statements[0], "the person's roles read with the task"
    assert task(plan, "inventory-existing-studies").status is TaskStatus.DONE
    assert outbox_kinds() == before


def test_a_completion_that_closes_a_stage_renders_no_email_until_the_pass(
    definitions: None, dummy_lead: Person
) -> None:
    plan = start_five_levers_plan(dummy_lead)
    finish(plan, "inventory-existing-studies", "employment-data", "business-survey", "shared-diagnosis")
    decide_gate(committee_member(plan), stage(plan, "observe").id, Decision.APPROVE)
    session().commit()
    finish(plan, "design-pilot", "fund-pilot", "run-pilot", "evaluate-pilot")
    decide_gate(committee_member(plan), stage(plan, "experiment").id, Decision.APPROVE)
    session().commit()
    deliver_announcements()
    queued = session().scalar(sa.select(sa.func.count()).select_from(OutboxMessage))

    statements, plan = complete_as_a_request_would(plan, "tailor-offer")  # the adapt stage's gate is automatic

    assert len(statements) == CLOSING_COMPLETION, statements
    assert not [s for s in statements if "gpect_outbox_messages" in s]
    assert stage(plan, "adapt").status is StageStatus.CLOSED and stage(plan, "articulate").status is StageStatus.OPEN
    pending = session().scalars(sa.select(Announcement.kind).where(Announcement.done_dt.is_(None))).all()
    assert sorted(pending) == ["stage_closed", "stage_opened"]
    assert session().scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == queued

    report = deliver_announcements()
    assert report.rendered == 2 and not report.failed
    kinds = session().scalars(sa.select(OutboxMessage.kind).where(OutboxMessage.id > 0)).all()
    assert {"stage_closed", "stage_opened"} <= set(kinds)


def test_the_roles_read_with_the_lock_give_each_role_s_rights(definitions: None, dummy_lead: Person) -> None:
    """Someone holding two roles of a plan works on the tasks of both, though each is assigned to a colleague;
    a member of a third role may not, and someone holding none does not even see the task: the roles read in
    the locking statement are all the person's roles in the plan, each one."""
    both = create_person("deux-roles@partners.example.org", PersonRole.PARTNER, "Deux Rôles")
    outsider = create_person("ailleurs@partners.example.org", PersonRole.PARTNER, "Ailleurs")
    territory_id = dummy_lead.organisation.territory_id  # type: ignore[union-attr]
    roles = map_every_role("gpect-five-levers", 1, territory_id)
    for key in ("employment_service", "chamber_of_commerce"):
        roles[key] = RoleMapping(roles[key].organisation_id, [*roles[key].person_ids, both.id])
    regional = session().get(Person, roles["region"].person_ids[0])
    request = PlanRequest(
        "Deux rôles", "gpect-five-levers", 1, territory_id, dummy_lead.id, date(2026, 12, 1), roles, open_now=True
    )
    plan = start_plan(dummy_lead, request)
    session().commit()
    data, survey = task(plan, "employment-data"), task(plan, "business-survey")
    assert both.id not in (data.assignee_id, survey.assignee_id), "each is assigned to the role's first member"
    with pytest.raises(NotFound):
        change_task_status(outsider, data.id, TaskStatus.IN_PROGRESS)
    assert regional is not None
    with pytest.raises(PermissionDenied):
        change_task_status(regional, data.id, TaskStatus.IN_PROGRESS)
    assert change_task_status(both, data.id, TaskStatus.DONE).status is TaskStatus.DONE
    change_task_status(
        dummy_lead, task(plan, "inventory-existing-studies").id, TaskStatus.DONE
    )  # the survey's prerequisite
    assert change_task_status(both, survey.id, TaskStatus.DONE).status is TaskStatus.DONE
