"""The data layer against the real database of the pass: instants, constraints, locking, indexes.

Nothing is mocked: every rule checked here is one the database itself must enforce, on SQLite and on
PostgreSQL, so that a bug in a service (or a hand-written SQL statement) cannot corrupt the data.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from gpect_workflow.models import (
    Organisation,
    OrganisationKind,
    Person,
    PersonRole,
    Plan,
    PlanStage,
    PlanStatus,
    StageStatus,
    Task,
    TaskDependency,
    TaskStatus,
    Territory,
)
from gpect_workflow.services.context import session, state
from gpect_workflow.services.definitions import get_definition
from gpect_workflow.services.plans.starting import PlanRequest, RoleMapping, start_plan

from .conftest import PLAN_START, START, database_kind

FIVE_LEVERS = "gpect-five-levers"
FIVE_LEVERS_VERSION = 1


def engine() -> sa.Engine:
    return state().db.engine


@pytest.fixture
def plan(definitions: None, dummy_lead: Person) -> Plan:
    """A committed plan of the generic definition, every role of it (the committee included) played by the
    lead's organisation."""
    assert dummy_lead.organisation_id is not None
    definition = get_definition(FIVE_LEVERS, FIVE_LEVERS_VERSION)
    owners = {task.owner for task in definition.tasks()}
    roles = {
        role.key: RoleMapping(dummy_lead.organisation_id, [dummy_lead.id])
        for role in definition.roles
        if role.key in owners or role.is_committee
    }
    assert owners <= set(roles), "every role owning a task is mapped"
    organisation = session().get(Organisation, dummy_lead.organisation_id)
    assert organisation is not None and organisation.territory_id is not None
    request = PlanRequest(
        "Plan du modèle de données",
        FIVE_LEVERS,
        FIVE_LEVERS_VERSION,
        organisation.territory_id,
        dummy_lead.id,
        PLAN_START,
        roles,
        open_now=True,
    )
    created = start_plan(dummy_lead, request)
    session().commit()
    return created


def first_task(plan: Plan) -> Task:
    task = session().scalar(sa.select(Task).where(Task.plan_id == plan.id).order_by(Task.id).limit(1))
    assert task is not None
    return task


def expect_refused(statement: Any, params: dict[str, Any] | None = None) -> None:
    """Run ``statement`` in a transaction of its own and expect the database to refuse it."""
    session().rollback()
    with pytest.raises(IntegrityError), engine().begin() as connection:
        connection.execute(statement, params or {})


# --- Instants -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        datetime(2026, 7, 14, 10, 30, tzinfo=ZoneInfo("Europe/Paris")),  # summer time, UTC+2
        datetime(2026, 12, 24, 23, 45, tzinfo=ZoneInfo("Europe/Paris")),  # winter time, UTC+1
        datetime(2026, 3, 1, 21, 5, 7, 123456, tzinfo=timezone(timedelta(hours=-5))),  # crosses midnight in UTC
        datetime(2026, 3, 1, 2, 0, tzinfo=UTC),
    ],
    ids=["paris-summer", "paris-winter", "minus-five", "utc"],
)
def test_aware_datetime_comes_back_aware_in_utc(app: Flask, create_user: Any, written: datetime) -> None:
    person = create_user("instant@example.org")
    person.created_dt = written
    session().commit()
    person_id = person.id
    session().expire_all()

    column = session().scalar(sa.select(Person.created_dt).where(Person.id == person_id))
    reloaded = session().get(Person, person_id)
    assert reloaded is not None
    for value in (column, reloaded.created_dt):
        assert value is not None
        assert value.tzinfo is UTC
        assert value == written
        assert value.replace(tzinfo=None) == written.astimezone(UTC).replace(tzinfo=None)


def test_aware_datetime_compares_as_an_instant_in_queries(app: Flask, create_user: Any) -> None:
    person = create_user("order@example.org")
    person.created_dt = datetime(2026, 7, 14, 10, 30, tzinfo=ZoneInfo("Europe/Paris"))  # 08:30 UTC
    session().commit()

    before = datetime(2026, 7, 14, 4, 0, tzinfo=timezone(timedelta(hours=-5)))  # 09:00 UTC
    after = datetime(2026, 7, 14, 8, 0, tzinfo=UTC)
    assert session().scalar(sa.select(sa.func.count()).where(Person.created_dt < before)) == 1
    assert session().scalar(sa.select(sa.func.count()).where(Person.created_dt < after)) == 0


def test_naive_datetime_is_refused(app: Flask, create_user: Any) -> None:
    person = create_user("naive@example.org")
    session().commit()
    person.created_dt = datetime(2026, 7, 14, 10, 30)
    with pytest.raises(StatementError) as raised:
        session().flush()
    assert isinstance(raised.value.orig, ValueError)
    assert "naive" in str(raised.value.orig)
    session().rollback()
    stored = session().scalar(sa.select(Person.created_dt).where(Person.email == "naive@example.org"))
    assert stored == START


def test_naive_datetime_is_refused_in_a_new_row(app: Flask, create_organisation: Any) -> None:
    organisation = create_organisation()
    session().add(
        Person(
            email="new-naive@example.org",
            name="Naïf",
            organisation_id=organisation.id,
            role=PersonRole.PARTNER,
            created_dt=datetime(2026, 7, 14, 10, 30),
        )
    )
    with pytest.raises(StatementError, match="naive datetime"):
        session().flush()
    session().rollback()


# --- Unique constraints ---------------------------------------------------------------------------------------


def test_email_is_unique(app: Flask, create_user: Any, create_organisation: Any) -> None:
    create_user("same@example.org")
    session().commit()
    other = create_organisation("Région Centre-Val de Loire", OrganisationKind.REGION)
    session().add(
        Person(
            email="same@example.org",
            name="Doublon",
            organisation_id=other.id,
            role=PersonRole.PARTNER,
            created_dt=START,
        )
    )
    with pytest.raises(IntegrityError):
        session().flush()
    session().rollback()
    assert session().scalar(sa.select(sa.func.count()).select_from(Person)) == 1


def test_task_key_is_unique_within_a_plan(app: Flask, plan: Plan) -> None:
    task = first_task(plan)
    session().add(
        Task(
            plan_id=plan.id,
            stage_id=task.stage_id,
            task_key=task.task_key,
            owner_role=task.owner_role,
            due_date=task.due_date,
            status=TaskStatus.TODO,
            updated_dt=START,
        )
    )
    with pytest.raises(IntegrityError):
        session().flush()
    session().rollback()


def test_same_task_key_is_allowed_in_another_plan(app: Flask, plan: Plan, dummy_lead: Person) -> None:
    task = first_task(plan)
    other = Plan(
        name="Autre plan",
        definition_key=FIVE_LEVERS,
        definition_version=FIVE_LEVERS_VERSION,
        territory_id=plan.territory_id,
        lead_id=dummy_lead.id,
        start_date=PLAN_START,
        status=PlanStatus.DRAFT,
        created_dt=START,
        updated_dt=START,
    )
    session().add(other)
    session().flush()
    stage = PlanStage(
        plan_id=other.id,
        stage_key="observe",
        position=0,
        lever=task.stage.lever,
        gate=task.stage.gate,
        status=StageStatus.PENDING,
        planned_start_date=PLAN_START,
        planned_end_date=PLAN_START + timedelta(days=30),
    )
    session().add(stage)
    session().flush()
    session().add(
        Task(
            plan_id=other.id,
            stage_id=stage.id,
            task_key=task.task_key,
            owner_role=task.owner_role,
            due_date=task.due_date,
            status=TaskStatus.TODO,
            updated_dt=START,
        )
    )
    session().commit()


def test_stage_key_is_unique_within_a_plan(app: Flask, plan: Plan) -> None:
    stage = session().scalar(sa.select(PlanStage).where(PlanStage.plan_id == plan.id, PlanStage.position == 0))
    assert stage is not None
    session().add(
        PlanStage(
            plan_id=plan.id,
            stage_key=stage.stage_key,
            position=99,
            lever=stage.lever,
            gate=stage.gate,
            status=StageStatus.PENDING,
            planned_start_date=stage.planned_start_date,
            planned_end_date=stage.planned_end_date,
        )
    )
    with pytest.raises(IntegrityError):
        session().flush()
    session().rollback()


def test_at_most_one_referent_per_organisation(app: Flask, create_user: Any, create_organisation: Any) -> None:
    organisation = create_organisation()
    create_user("referent@example.org", organisation=organisation, is_referent=True)
    create_user("colleague-1@example.org", organisation=organisation)
    create_user("colleague-2@example.org", organisation=organisation)
    session().commit()

    with pytest.raises(IntegrityError):
        create_user("second-referent@example.org", organisation=organisation, is_referent=True)
    session().rollback()

    referents = sa.select(sa.func.count()).where(Person.organisation_id == organisation.id, Person.is_referent)
    people = sa.select(sa.func.count()).where(Person.organisation_id == organisation.id)
    assert session().scalar(referents) == 1
    assert session().scalar(people) == 3


def test_referents_of_different_organisations_coexist(app: Flask, create_user: Any, create_organisation: Any) -> None:
    house = create_organisation()
    region = create_organisation("Région Centre-Val de Loire", OrganisationKind.REGION)
    create_user("house-referent@example.org", organisation=house, is_referent=True)
    create_user("region-referent@example.org", organisation=region, is_referent=True)
    session().commit()
    assert session().scalar(sa.select(sa.func.count()).where(Person.is_referent)) == 2


def test_referent_can_be_handed_over(app: Flask, create_user: Any, create_organisation: Any) -> None:
    organisation = create_organisation()
    old = create_user("old-referent@example.org", organisation=organisation, is_referent=True)
    new = create_user("new-referent@example.org", organisation=organisation)
    session().commit()
    old.is_referent = False
    session().flush()
    new.is_referent = True
    session().commit()
    assert session().scalar(sa.select(Person.email).where(Person.is_referent)) == "new-referent@example.org"


# --- Check constraints ----------------------------------------------------------------------------------------


def test_unknown_enum_value_is_refused_by_the_database(app: Flask, plan: Plan) -> None:
    expect_refused(sa.text("UPDATE gpect_tasks SET status = 'nonsense'"))
    expect_refused(sa.text("UPDATE gpect_plans SET status = 'nonsense'"))
    expect_refused(sa.text("UPDATE gpect_people SET role = 'superuser'"))
    statuses = set(session().scalars(sa.select(Task.status).where(Task.plan_id == plan.id)))
    assert statuses == {TaskStatus.TODO}


def test_known_enum_value_written_with_raw_sql_is_accepted(app: Flask, plan: Plan) -> None:
    task = first_task(plan)
    session().rollback()
    with engine().begin() as connection:
        connection.execute(sa.text("UPDATE gpect_tasks SET status = 'blocked' WHERE id = :id"), {"id": task.id})
    session().expire_all()
    assert first_task(plan).status is TaskStatus.BLOCKED


def test_weight_below_one_is_refused(app: Flask, plan: Plan) -> None:
    expect_refused(sa.text("UPDATE gpect_tasks SET weight = 0"))
    expect_refused(sa.text("UPDATE gpect_tasks SET weight = -3"))
    task = first_task(plan)
    task.weight = 0
    with pytest.raises(IntegrityError):
        session().flush()
    session().rollback()
    assert min(session().scalars(sa.select(Task.weight).where(Task.plan_id == plan.id))) >= 1


def test_task_cannot_depend_on_itself(app: Flask, plan: Plan) -> None:
    task = first_task(plan)
    session().add(TaskDependency(task_id=task.id, depends_on_id=task.id))
    with pytest.raises(IntegrityError):
        session().flush()
    session().rollback()


def test_task_may_depend_on_another_task(app: Flask, plan: Plan) -> None:
    first, second = session().scalars(sa.select(Task).where(Task.plan_id == plan.id).order_by(Task.id).limit(2))
    existing = session().get(TaskDependency, (second.id, first.id))
    if existing is None:
        session().add(TaskDependency(task_id=second.id, depends_on_id=first.id))
    session().commit()


# --- Foreign keys ---------------------------------------------------------------------------------------------


def test_connections_enforce_foreign_keys(app: Flask) -> None:
    """SQLite ignores foreign keys unless each connection turns them on; PostgreSQL keeps them validated."""
    with engine().connect() as connection:
        if database_kind() == "sqlite":
            enabled = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
            assert enabled == 1, "SQLite connections are opened without PRAGMA foreign_keys=ON"
        else:
            rows = connection.execute(
                sa.text(
                    "SELECT conname, convalidated FROM pg_constraint"
                    " WHERE contype = 'f' AND conrelid::regclass::text LIKE 'gpect\\_%'"
                )
            ).all()
            assert len(rows) >= 20
            assert all(validated for _, validated in rows)


def test_foreign_key_violation_is_refused(app: Flask, create_organisation: Any) -> None:
    create_organisation()
    session().commit()
    session().add(
        Person(
            email="nowhere@example.org",
            name="Sans organisation",
            organisation_id=987654,
            role=PersonRole.PARTNER,
            created_dt=START,
        )
    )
    with pytest.raises(IntegrityError):
        session().commit()
    session().rollback()
    assert session().scalar(sa.select(sa.func.count()).where(Person.organisation_id == 987654)) == 0


def test_foreign_key_violation_with_raw_sql_is_refused(app: Flask, plan: Plan) -> None:
    expect_refused(sa.text("UPDATE gpect_tasks SET assignee_id = 987654"))


def test_deleting_a_plan_cascades_to_its_rows(app: Flask, plan: Plan) -> None:
    """``ondelete=CASCADE`` is a database rule: raw SQL deleting a plan takes its stages and tasks along."""
    plan_id = plan.id
    session().rollback()
    with engine().begin() as connection:
        connection.execute(sa.text("DELETE FROM gpect_plans WHERE id = :id"), {"id": plan_id})
    for model in (PlanStage, Task):
        left = session().scalar(sa.select(sa.func.count()).where(model.plan_id == plan_id))  # type: ignore[attr-defined]
        assert left == 0, f"{left} {model.__tablename__} rows of the deleted plan are left behind"


def test_plan_refuses_an_unregistered_definition_version(app: Flask, plan: Plan, dummy_lead: Person) -> None:
    session().add(
        Plan(
            name="Version fantôme",
            definition_key=FIVE_LEVERS,
            definition_version=999,
            territory_id=plan.territory_id,
            lead_id=dummy_lead.id,
            start_date=PLAN_START,
            status=PlanStatus.DRAFT,
            created_dt=START,
            updated_dt=START,
        )
    )
    with pytest.raises(IntegrityError):
        session().commit()
    session().rollback()
    assert session().scalar(sa.select(sa.func.count()).select_from(Plan)) == 1


def test_plan_refuses_an_unregistered_definition_key(app: Flask, plan: Plan, dummy_lead: Person) -> None:
    expect_refused(
        sa.text("UPDATE gpect_plans SET definition_key = 'no-such-definition' WHERE id = :id"), {"id": plan.id}
    )


# --- Optimistic locking ---------------------------------------------------------------------------------------


@pytest.fixture
def two_sessions(app: Flask) -> Iterator[tuple[Session, Session]]:
    session().commit()
    first, second = Session(bind=engine()), Session(bind=engine())
    try:
        yield first, second
    finally:
        first.close()
        second.close()


def test_stale_task_update_fails(app: Flask, plan: Plan, two_sessions: tuple[Session, Session]) -> None:
    task_id = first_task(plan).id
    session().close()
    first, second = two_sessions
    mine, theirs = first.get(Task, task_id), second.get(Task, task_id)
    assert mine is not None and theirs is not None
    assert mine.version == theirs.version == 1

    mine.status = TaskStatus.IN_PROGRESS
    first.commit()
    assert mine.version == 2

    theirs.status = TaskStatus.DONE
    with pytest.raises(StaleDataError):
        second.flush()
    second.rollback()

    assert session().scalar(sa.select(Task.status).where(Task.id == task_id)) is TaskStatus.IN_PROGRESS
    assert session().scalar(sa.select(Task.version).where(Task.id == task_id)) == 2


def test_stale_plan_update_fails(app: Flask, plan: Plan, two_sessions: tuple[Session, Session]) -> None:
    plan_id = plan.id
    session().close()
    first, second = two_sessions
    mine, theirs = first.get(Plan, plan_id), second.get(Plan, plan_id)
    assert mine is not None and theirs is not None
    start_version = mine.version

    mine.status = PlanStatus.ON_HOLD
    first.commit()
    assert mine.version == start_version + 1

    theirs.status = PlanStatus.CANCELLED
    with pytest.raises(StaleDataError):
        second.commit()
    second.rollback()
    assert session().scalar(sa.select(Plan.status).where(Plan.id == plan_id)) is PlanStatus.ON_HOLD


def test_version_counts_every_update(app: Flask, plan: Plan) -> None:
    task = first_task(plan)
    assert task.version == 1
    for expected, weight in enumerate((2, 3, 4), start=2):
        task.weight = weight
        session().commit()
        assert task.version == expected
        assert session().scalar(sa.select(Task.version).where(Task.id == task.id)) == expected


def test_fresh_session_after_a_conflict_can_update(
    app: Flask, plan: Plan, two_sessions: tuple[Session, Session]
) -> None:
    task_id = first_task(plan).id
    session().close()
    first, second = two_sessions
    mine, theirs = first.get(Task, task_id), second.get(Task, task_id)
    assert mine is not None and theirs is not None
    mine.weight = 5
    first.commit()
    theirs.weight = 7
    with pytest.raises(StaleDataError):
        second.flush()
    second.rollback()
    reloaded = second.get(Task, task_id)
    assert reloaded is not None and reloaded.weight == 5
    reloaded.weight = 7
    second.commit()
    assert reloaded.version == 3


# --- Indexes --------------------------------------------------------------------------------------------------


def indexes(table: str) -> dict[str, dict[str, Any]]:
    return {index["name"]: index for index in sa.inspect(engine()).get_indexes(table) if index["name"]}


def where_clause(index: dict[str, Any]) -> str:
    options = index.get("dialect_options", {})
    where = options.get("postgresql_where") or options.get("sqlite_where")
    assert where is not None, f"{index['name']} is not a partial index"
    return str(getattr(where, "text", where))


def test_open_tasks_by_due_date_index_exists(app: Flask) -> None:
    index = indexes("gpect_tasks")["ix_gpect_tasks_open_due_date"]
    assert index["column_names"] == ["due_date"]
    where = where_clause(index)
    assert "status" in where
    for status in ("todo", "in_progress", "blocked"):
        assert status in where
    for status in ("done", "skipped"):
        assert status not in where


def test_pending_outbox_by_next_attempt_index_exists(app: Flask) -> None:
    index = indexes("gpect_outbox_messages")["ix_gpect_outbox_messages_pending_next_attempt"]
    assert index["column_names"] == ["next_attempt_dt"]
    where = where_clause(index)
    assert "status" in where and "pending" in where


def test_tasks_by_assignee_and_status_index_exists(app: Flask) -> None:
    index = indexes("gpect_tasks")["ix_gpect_tasks_assignee_status_completed"]
    assert index["column_names"] == ["assignee_id", "status", "completed_dt"]
    assert not index["unique"]
    assert "ix_gpect_tasks_assignee_status" not in indexes("gpect_tasks"), "its first two columns replace it"


def test_one_referent_index_is_partial_and_unique(app: Flask) -> None:
    index = indexes("gpect_people")["uq_gpect_people_organisation_referent"]
    assert index["column_names"] == ["organisation_id"]
    assert index["unique"]
    assert "is_referent" in where_clause(index)


def test_territory_of_a_plan_is_required(app: Flask, plan: Plan) -> None:
    expect_refused(sa.text("UPDATE gpect_plans SET territory_id = NULL WHERE id = :id"), {"id": plan.id})
    assert session().get(Territory, plan.territory_id) is not None
