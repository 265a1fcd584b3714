"""A person's tasks are chosen from the assignee indexes alone on PostgreSQL (migration 0029): however many
open and finished tasks a lead has (2,572 and 1,408 for the lead of 2,500 plans in ``benchmarks/pages.py``),
the statements of "my tasks" read each one's id, plan and dates from the index, never its table row.

The test database is small, so PostgreSQL would rather read the table whole: the tasks are vacuumed and
analysed as autovacuum would leave them, and sequential and bitmap scans are turned off for the ``EXPLAIN``,
which leaves it an index scan (a row visited per task) or an index-only scan (none), the second only where an
index holds every column the statement reads of the tasks.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from gpect_workflow.models import Person, Task
from gpect_workflow.services.context import session, state
from gpect_workflow.services.tasks.mine import my_tasks
from tests.conftest import database_kind
from tests.plan_helpers import start_five_levers_plan

pytestmark = pytest.mark.skipif(database_kind() != "postgres", reason="PostgreSQL's INCLUDE and its plans")

INDEXES = ("ix_gpect_tasks_assignee_stage_status_due", "ix_gpect_tasks_assignee_status_completed")


def _statements_of_my_tasks(person: Person) -> list[tuple[str, Any]]:
    captured: list[tuple[str, Any]] = []

    def record(conn: object, cursor: object, statement: str, parameters: Any, *args: object) -> None:
        captured.append((statement, parameters))

    engine = state().db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        my_tasks(person)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return captured


def test_a_person_s_tasks_are_chosen_from_the_assignee_indexes_without_visiting_their_rows(
    app: Flask, definitions: None, dummy_lead: Person
) -> None:
    plan = start_five_levers_plan(dummy_lead)
    session().execute(sa.update(Task).where(Task.plan_id == plan.id).values(assignee_id=dummy_lead.id))
    session().commit()
    with state().db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as autocommit:
        autocommit.exec_driver_sql("VACUUM (ANALYZE) gpect_tasks")

    reading = [
        (statement, parameters)
        for statement, parameters in _statements_of_my_tasks(dummy_lead)
        if "gpect_tasks.assignee_id = " in statement and "row_number()" in statement
    ]
    assert len(reading) == 2, "the open lists and the finished one"
    connection = session().connection()
    for scan in ("seqscan", "bitmapscan"):
        connection.exec_driver_sql(f"SET LOCAL enable_{scan} = off")
    plans = [
        "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters))
        for statement, parameters in reading
    ]
    for index in INDEXES:
        assert any(f"Index Only Scan using {index}" in plan for plan in plans), "\n\n".join(plans)
    session().rollback()
