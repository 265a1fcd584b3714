"""``flask gpect doctor``: stored values the rules refuse, found where they are, on rows the entries never saw.

The rows under test are written with plain SQL, as an older version, another tool or a hand in the
database would have: the services' rules would refuse every one of them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from gpect_workflow.models import (
    Indicator,
    Measurement,
    Organisation,
    OutboxMessage,
    OutboxStatus,
    Person,
    PersonRole,
    Plan,
    Task,
)
from gpect_workflow.services.context import session
from gpect_workflow.services.doctor import Finding, stored_value_problems
from gpect_workflow.services.indicators.measurements import record_measurement
from tests.conftest import START, database_kind
from tests.plan_helpers import start_five_levers_plan
from tests.query_count import count_queries

INJECTED = "victim@example.org\r\nbcc:x@y.org"


def write(model: Any, row_id: int, **values: object) -> None:
    """Change a row with plain SQL, around every rule of the services."""
    session().execute(sa.update(model).where(model.id == row_id).values(**values))
    session().commit()


def queue_message(recipient: str, status: OutboxStatus, key: str) -> int:
    session().execute(
        sa.insert(OutboxMessage).values(
            idempotency_key=key,
            kind="reminder_before_due",
            recipient_email=recipient,
            subject=f"Rappel {key}",
            body_text="…",
            status=status,
            attempts=0,
            next_attempt_dt=START,
            created_dt=START,
        )
    )
    session().commit()
    return int(session().scalar(sa.select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)) or 0)


@pytest.fixture
def clean(definitions: None, dummy_lead: Person) -> Plan:
    """A started plan with its people, organisations, tasks, a measurement and a queued email: all clean."""
    plan = start_five_levers_plan(dummy_lead, name="Plan de Chartres")
    indicator = session().scalar(sa.select(Indicator).where(Indicator.plan_id == plan.id).limit(1))
    assert indicator is not None
    record_measurement(dummy_lead, indicator.id, 3, date(2026, 11, 27))
    session().commit()
    queue_message("lead@example.org", OutboxStatus.PENDING, "clean")
    return plan


def test_clean_data_has_no_finding_and_the_command_says_so(runner: FlaskCliRunner, clean: Plan) -> None:
    assert list(stored_value_problems()) == []
    result = runner.invoke(args=["gpect", "doctor"])
    assert result.exit_code == 0, result.output
    assert result.output == "no problem found\n"


def test_every_value_the_rules_refuse_is_listed_where_it_is(
    runner: FlaskCliRunner, clean: Plan, create_user: Any
) -> None:
    victim = create_user("victim@example.org", PersonRole.PARTNER, name="Victor Victime")
    martian = create_user("martian@example.org", PersonRole.PARTNER, name="Marc Martien")
    shouting = create_user("shout@example.org", PersonRole.PARTNER, name="Sam Shout")
    session().commit()
    write(Person, victim.id, email=INJECTED)
    write(Person, martian.id, timezone="Mars/Olympus")
    write(Person, shouting.id, email="Shout@Example.org")
    organisation_id = victim.organisation_id
    write(Organisation, organisation_id, email="contact@mde.local")
    write(Plan, clean.id, timezone="Mars/Olympus")
    task = session().scalar(sa.select(Task).where(Task.plan_id == clean.id, Task.task_key == "business-survey"))
    assert task is not None
    write(Task, task.id, due_date=date(9999, 12, 31))
    measurement_id = session().scalar(sa.select(Measurement.id))
    write(Measurement, measurement_id, measured_on=date(1999, 12, 31), value=1e30)
    indicator_id = session().scalar(sa.select(Measurement.indicator_id).where(Measurement.id == measurement_id))
    write(Indicator, indicator_id, target=-1e16)
    pending = queue_message("a@" + "é" * 64 + ".fr", OutboxStatus.PENDING, "pending")
    queue_message("b@" + "é" * 64 + ".fr", OutboxStatus.SENT, "sent")  # history: never addressed again

    found = {(f.table, f.row_id, f.field): f for f in stored_value_problems()}
    assert set(found) == {
        ("gpect_people", victim.id, "email"),
        ("gpect_people", martian.id, "timezone"),
        ("gpect_people", shouting.id, "email"),
        ("gpect_organisations", organisation_id, "email"),
        ("gpect_plans", clean.id, "timezone"),
        ("gpect_tasks", task.id, "due_date"),
        ("gpect_measurements", measurement_id, "measured_on"),
        ("gpect_measurements", measurement_id, "value"),
        ("gpect_indicators", indicator_id, "target"),
        ("gpect_outbox_messages", pending, "recipient_email"),
    }
    injected = found["gpect_people", victim.id, "email"]
    assert (injected.label, injected.value) == ("Victor Victime", INJECTED)
    assert "U+000A" in injected.reason and "U+000D" in injected.reason
    assert found["gpect_people", shouting.id, "email"].reason == "not in its stored form 'shout@example.org'"
    assert found["gpect_plans", clean.id, "timezone"] == Finding(
        "gpect_plans", clean.id, "Plan de Chartres", "timezone", "Mars/Olympus", "not an IANA time zone name"
    )
    due = found["gpect_tasks", task.id, "due_date"]
    assert (due.label, due.value, due.reason) == (
        "Plan de Chartres / business-survey",
        "9999-12-31",
        "after 2099-12-31",
    )
    assert found["gpect_measurements", measurement_id, "measured_on"].reason == "before 2000-01-01"
    huge = found["gpect_measurements", measurement_id, "value"]
    assert (huge.value, huge.reason) == (1e30, "beyond ±999999999999999")
    assert found["gpect_indicators", indicator_id, "target"].reason == "beyond ±999999999999999"

    result = runner.invoke(args=["gpect", "doctor"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) == len(found) + 1 and lines[-1] == f"{len(found)} stored value(s) the current rules refuse"
    assert f"gpect_people #{victim.id} (Victor Victime) email = {INJECTED!r}: " in result.output
    assert f"gpect_people #{martian.id} (Marc Martien) timezone = 'Mars/Olympus': not an IANA" in result.output
    assert f"gpect_plans #{clean.id} (Plan de Chartres) timezone = 'Mars/Olympus'" in result.output
    assert (
        f"gpect_tasks #{task.id} (Plan de Chartres / business-survey) due_date = '9999-12-31': after 2099-12-31"
        in result.output
    )
    assert "\r" not in result.output, "a value's line breaks are shown, not printed"


def test_a_label_with_a_line_break_stays_on_its_line(runner: FlaskCliRunner, clean: Plan, create_user: Any) -> None:
    person = create_user("odd@example.org", PersonRole.PARTNER, name="Odd")
    session().commit()
    write(Person, person.id, name="Odd\nName", timezone="0")
    result = runner.invoke(args=["gpect", "doctor"])
    assert result.exit_code == 1
    assert f"gpect_people #{person.id} ('Odd\\nName') timezone = '0': not an IANA time zone name" in result.output


def test_a_date_python_cannot_hold_is_reported_not_fatal(runner: FlaskCliRunner, clean: Plan) -> None:
    """PostgreSQL keeps years past 9999, SQLite any text: reading such a row as a ``date`` would stop the scan."""
    unreadable = "10000-01-01" if database_kind() == "postgres" else "someday"
    task_id = session().scalar(sa.select(Task.id).where(Task.plan_id == clean.id).order_by(Task.id).limit(1))
    session().execute(
        sa.text("UPDATE gpect_tasks SET due_date = :day WHERE id = :id"), {"day": unreadable, "id": task_id}
    )
    session().commit()
    (finding,) = stored_value_problems()
    assert (finding.table, finding.row_id, finding.value) == ("gpect_tasks", task_id, unreadable)
    assert finding.reason == "not a date the application can read"
    result = runner.invoke(args=["gpect", "doctor"])
    assert result.exit_code == 1 and f"due_date = {unreadable!r}: not a date the application can read" in result.output


def test_it_reads_each_table_in_one_query_whatever_the_number_of_rows(
    app: Flask, clean: Plan, create_user: Any
) -> None:
    with count_queries() as few:
        list(stored_value_problems(chunk_size=2))
    for index in range(30):
        create_user(f"person{index}@example.org", PersonRole.PARTNER)
    start_five_levers_plan(clean.lead, name="Deuxième plan")
    session().commit()
    with count_queries() as many:
        assert list(stored_value_problems(chunk_size=2)) == []
    assert len(many) == len(few) <= 7
