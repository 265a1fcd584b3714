"""The tick command, digests, and the APScheduler wiring (embedded and as its own process)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time as wall
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import (
    OutboxMessage,
    OutboxStatus,
    Person,
    Plan,
    PlanStatus,
    ReminderMode,
    SchedulerRun,
    Task,
)
from gpect_workflow.notifications.digests import digest_day
from gpect_workflow.scheduler.jobs import tick
from gpect_workflow.scheduler.runner import JOB_ID, blocking_scheduler, start_embedded, stop_embedded
from gpect_workflow.services.context import session
from tests.conftest import REPO
from tests.plan_helpers import start_five_levers_plan
from tests.query_count import count_queries

PARIS = ZoneInfo("Europe/Paris")


def at(day: date, hour: int, minute: int) -> str:
    return datetime.combine(day, time(hour, minute), PARIS).isoformat()


def messages(kind: str) -> list[OutboxMessage]:
    return list(
        session().scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id))
    )


def test_tick_at_dry_run_changes_nothing_and_says_what_it_would_do(
    runner: FlaskCliRunner, definitions: None, dummy_lead: Person
) -> None:
    start_five_levers_plan(dummy_lead, date(2026, 12, 1))
    session().commit()
    dry = runner.invoke(args=["gpect", "tick", "--at", at(date(2026, 12, 24), 8, 31), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would queue" in dry.output and "reminder" in dry.output
    assert messages("reminder") == [] and session().scalar(sa.select(SchedulerRun)) is None
    real = runner.invoke(args=["gpect", "tick", "--at", at(date(2026, 12, 24), 8, 31)])
    assert real.exit_code == 0 and "queued" in real.output and "captured" in real.output
    assert messages("reminder")


def test_tick_opens_the_plans_whose_start_came_before_queueing_reminders(
    runner: FlaskCliRunner, definitions: None, dummy_lead: Person
) -> None:
    plan = start_five_levers_plan(dummy_lead, date(2026, 12, 1), "Plan programmé", open_now=False)
    session().commit()
    evening = runner.invoke(args=["gpect", "tick", "--at", at(date(2026, 11, 30), 20, 0)])
    assert evening.exit_code == 0 and "opened 0 plan(s)" in evening.output, evening.output
    dry = runner.invoke(args=["gpect", "tick", "--at", at(date(2026, 12, 1), 8, 30), "--dry-run"])
    assert f"would open 1 plan(s)\n  plan {plan.id} Plan programmé\n" in dry.output, dry.output
    session().expire_all()
    assert session().get(Plan, plan.id).status is PlanStatus.SCHEDULED and messages("stage_opened") == []  # type: ignore[union-attr]

    morning = runner.invoke(args=["gpect", "tick", "--at", at(date(2026, 12, 1), 8, 30)])
    assert morning.exit_code == 0, morning.output
    lines = morning.output.splitlines()
    assert lines[1:3] == ["opened 1 plan(s)", f"  plan {plan.id} Plan programmé"], lines
    session().expire_all()
    assert session().get(Plan, plan.id).status is PlanStatus.ACTIVE  # type: ignore[union-attr]
    opened = messages("stage_opened")
    assert opened and {m.status for m in opened} == {OutboxStatus.CAPTURED}, "queued and sent in the same pass"
    again = runner.invoke(args=["gpect", "tick", "--at", at(date(2026, 12, 1), 8, 31)])
    assert "opened 0 plan(s)" in again.output and len(messages("stage_opened")) == len(opened)


def test_a_tick_with_nothing_to_open_adds_one_query(app: Flask, definitions: None, dummy_lead: Person) -> None:
    start_five_levers_plan(dummy_lead, date(2027, 1, 4), "Plan de janvier", open_now=False)
    session().commit()
    with count_queries() as statements:
        report = tick(send=False)
    assert report.opened == []
    openings = [s for s in statements if "gpect_plans.start_date <=" in s]
    assert len(openings) == 1, openings


def test_tick_at_needs_an_offset(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["gpect", "tick", "--at", "2026-12-24T08:31"])
    assert result.exit_code == 2 and "offset" in result.output
    result = runner.invoke(args=["gpect", "tick", "--at", "tomorrow"])
    assert result.exit_code == 2 and "ISO 8601" in result.output


def test_daily_digest_replaces_reminders_and_is_never_empty(
    runner: FlaskCliRunner, definitions: None, dummy_lead: Person
) -> None:
    plan = start_five_levers_plan(dummy_lead, date(2026, 12, 1))
    data = session().scalar(sa.select(Task).where(Task.plan_id == plan.id, Task.task_key == "employment-data"))
    partner = session().get(Person, data.assignee_id)  # type: ignore[union-attr]
    partner.reminder_mode = ReminderMode.DAILY  # type: ignore[union-attr]
    session().commit()
    runner.invoke(args=["gpect", "tick", "--at", at(date(2026, 12, 22), 8, 31)])
    assert [m for m in messages("digest") if m.recipient_id == partner.id] == [], "nothing due within 7 days yet"  # type: ignore[union-attr]
    runner.invoke(args=["gpect", "tick", "--at", at(date(2026, 12, 24), 8, 31)])
    digests = [m for m in messages("digest") if m.recipient_id == partner.id]  # type: ignore[union-attr]
    assert len(digests) == 1 and "Fournir les données emploi" in digests[0].body_text
    assert not [m for m in messages("reminder") if m.recipient_id == partner.id], "digest people get no reminders"  # type: ignore[union-attr]
    runner.invoke(args=["gpect", "tick", "--at", at(date(2026, 12, 24), 17, 0)])
    runner.invoke(args=["gpect", "tick", "--at", at(date(2026, 12, 25), 8, 31)])  # Christmas: no digest
    runner.invoke(args=["gpect", "tick", "--at", at(date(2026, 12, 28), 8, 31)])
    days = [m.idempotency_key.rsplit(":", 1)[1] for m in messages("digest") if m.recipient_id == partner.id]  # type: ignore[union-attr]
    assert days == ["2026-12-24", "2026-12-28"]


def test_digest_days() -> None:
    assert digest_day(ReminderMode.DAILY, date(2026, 12, 24))
    assert not digest_day(ReminderMode.DAILY, date(2026, 12, 26))
    assert digest_day(ReminderMode.WEEKLY, date(2026, 12, 28))
    assert not digest_day(ReminderMode.WEEKLY, date(2026, 12, 29))
    assert digest_day(ReminderMode.WEEKLY, date(2027, 3, 30)), "Easter Monday moves the weekly digest to Tuesday"
    assert not digest_day(ReminderMode.WEEKLY, date(2027, 3, 29))


def test_tick_covers_each_window_once(app: Flask, runner: FlaskCliRunner, clock: FrozenClock) -> None:
    runner.invoke(args=["gpect", "tick", "--at", at(date(2026, 12, 24), 8, 0)])
    run = session().scalar(sa.select(SchedulerRun))
    assert run is not None and run.covered_until_dt == datetime.fromisoformat(at(date(2026, 12, 24), 8, 0))
    result = runner.invoke(args=["gpect", "tick", "--at", at(date(2026, 12, 23), 8, 0)])
    assert result.exit_code == 0 and "queued 0 reminder" in result.output


def test_apscheduler_job_is_configured_for_utc_and_coalescing(app: Flask) -> None:
    scheduler = blocking_scheduler(app)
    job = scheduler.get_job(JOB_ID)
    assert job is not None and job.coalesce and job.max_instances == 1
    assert job.misfire_grace_time == 60 and job.trigger.interval == timedelta(seconds=60)
    assert str(scheduler.timezone) == "UTC"


def test_embedded_scheduler_runs_in_one_process_only(tmp_path: Path, database_url: str) -> None:
    from tests.conftest import make_app

    first, second = (make_app(database_url, SCHEDULER_INTERVAL_SECONDS=3600) for _ in range(2))
    first.instance_path = second.instance_path = str(tmp_path)
    started = start_embedded(first)
    try:
        assert started is not None and started.running
        assert start_embedded(second) is None, "a second scheduler of the same instance must not start"
    finally:
        if started is not None:
            stop_embedded(first, started)
    again = start_embedded(second)
    assert again is not None, "the lock is released when the scheduler stops"
    stop_embedded(second, again)


@pytest.mark.slow
def test_scheduler_command_runs_passes_until_stopped(database_url: str, tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GPECT_SECRET_KEY": "s" * 40,
        "GPECT_SQLALCHEMY_DATABASE_URI": database_url,
        "GPECT_SCHEDULER_INTERVAL_SECONDS": "1",
    }
    engine = sa.create_engine(database_url)
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "gpect", "scheduler"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = wall.monotonic() + 30
        ran = None
        while wall.monotonic() < deadline and ran is None:
            wall.sleep(0.5)
            with engine.connect() as connection:
                ran = connection.execute(sa.text("SELECT ran_dt FROM gpect_scheduler_runs")).scalar()
        assert ran is not None, "the scheduler process ran no pass"
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
        with engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM gpect_scheduler_runs"))
        engine.dispose()
    assert "a pass every 1 s" in output
    assert "ready: " in output and "email templates compiled" in output, "prepared before its first pass"
    assert "long-lived objects set aside from the garbage collector" in output
