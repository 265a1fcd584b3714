"""Benchmark of the engine: task completions through the services, one commit per action, against raw writes.

DESIGN.md §8: starting plans of a 5-stage × 4-task definition and completing every task, one commit per
user action as a web request would, runs at ≥ 25% of the rate of raw ``sqlite3`` doing the same writes
(update the task, insert a journal row, commit) in the same run, on SQLite with the app's default
settings; a plain completion (one that closes no stage) costs ≤ 3 ms of CPU and ≤ 6 SQL statements, and
no email is rendered in the user's transaction (the stage notices are recorded as announcements, rendered
by the scheduler's pass, which is not timed here).

What it does, in one run:

1. builds the app with ``create_app`` on a fresh SQLite file (so the engine and its connection settings are
   the app's own, whatever they are), runs the shipped migrations, registers a benchmark definition of five
   auto-gated stages of four tasks (no dependencies), and creates a lead and one partner per role;
2. starts ``--plans`` plans (``start_plan``, one commit each), then completes every task of every plan in
   stage order (``change_task_status(..., DONE)`` as the task's assignee, one commit each), counting
   statements (a ``before_cursor_execute`` listener), wall time (``perf_counter``) and this process's CPU
   time (``process_time``) of the service call and its commit (the person signed in is loaded before, as a
   request does), for plain completions and for those that close a stage;
3. does the same writes with the raw driver on a table pair of the same shape (``UPDATE`` the task with its
   version check, ``INSERT`` the journal row, ``COMMIT``), on a connection set up with the app engine's
   own ``journal_mode`` and ``synchronous`` (read back from it), the baseline of the target; and, for
   comparison, on SQLite's own defaults (rollback journal, ``synchronous=FULL``: a disk flush per commit),
   against the app's completions run again on a fresh file with its connections put back to those defaults
   after the app's own set-up (like for like: the configuration in which the issue measured both);
4. with ``--postgres-url`` (or ``GPECT_BENCH_POSTGRES_URL``), repeats 1–3 on that PostgreSQL database
   (it is emptied first: give it a database of its own) against raw ``psycopg``.

It prints completions/s, CPU ms and statements per completion, and the ratio to raw, and exits with 1
when a target is missed. Run: ``.venv/bin/python benchmarks/engine.py [--plans 50]``.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import _common  # puts the repository on sys.path: keep before gpect_workflow
import sqlalchemy as sa
from alembic import command
from flask import Flask

from gpect_workflow import create_app
from gpect_workflow.clock import FrozenClock
from gpect_workflow.migration_config import VERSION_TABLE, alembic_config
from gpect_workflow.models import Base, OrganisationKind, Person, PersonRole, Plan, PlanStage, Task, TaskStatus
from gpect_workflow.services.context import session
from gpect_workflow.services.definitions import register_definitions
from gpect_workflow.services.partners.organisations import ensure_organisation, ensure_territory
from gpect_workflow.services.partners.people import create_person
from gpect_workflow.services.plans.starting import PlanRequest, RoleMapping, start_plan
from gpect_workflow.services.tasks.changes import change_task_status
from gpect_workflow.services.unit_of_work import commit
from gpect_workflow.state import EXTENSION_NAME

TARGET_RATIO = 0.25
TARGET_CPU_MS = 3.0
TARGET_STATEMENTS = 6
INSTANT = datetime(2027, 3, 8, 9, 0, tzinfo=UTC)
ROLES = ("lead", "employment_service", "region", "training_body")


def definition_source() -> str:
    """Five auto-gated stages of four tasks, each task owned by one of four roles, no dependencies."""
    roles = "".join(f"  {role}:\n    title: {{fr: Rôle {role}, en: Role {role}}}\n" for role in ROLES)
    stages = []
    for s, lever in enumerate(("observe", "experiment", "adapt", "articulate", "lead_change")):
        tasks = "".join(
            f"      - {{key: t{s}{t}, owner: {ROLES[t]}, due_days: {10 + 10 * t},"
            f" title: {{fr: Tâche {s}.{t}, en: Task {s}.{t}}}}}\n"
            for t in range(4)
        )
        stages.append(
            f"  - key: s{s}\n    lever: {lever}\n    title: {{fr: Étape {s}, en: Stage {s}}}\n"
            f"    duration_days: 60\n    gate: auto\n    tasks:\n{tasks}"
        )
    return (
        "key: gpect-bench-engine\nversion: 1\n"
        "title: {fr: Démarche de mesure du moteur, en: Engine benchmark approach}\n"
        f"roles:\n{roles}stages:\n{''.join(stages)}"
    )


@dataclass
class Figures:
    """Time, CPU and statements of one kind of action."""

    count: int = 0
    seconds: float = 0.0
    cpu: float = 0.0
    statements: int = 0

    def add(self, seconds: float, cpu: float, statements: int) -> None:
        self.count += 1
        self.seconds += seconds
        self.cpu += cpu
        self.statements += statements

    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.count if self.count else 0.0

    def per(self) -> float:
        return self.statements / self.count if self.count else 0.0


@dataclass
class Run:
    database: str
    starts: Figures = field(default_factory=Figures)
    plain: Figures = field(default_factory=Figures)
    closing: Figures = field(default_factory=Figures)
    raw: Figures = field(default_factory=Figures)
    #: Raw ``sqlite3`` on SQLite's own defaults (rollback journal, full sync), the baseline the issue measured.
    raw_defaults: Figures | None = None
    #: The app's completions on SQLite's own defaults (the configuration in which the issue measured both).
    app_on_defaults: Figures | None = None
    settings: str = ""

    def all_completions(self) -> Figures:
        total = Figures()
        for part in (self.plain, self.closing):
            total.count += part.count
            total.seconds += part.seconds
            total.cpu += part.cpu
            total.statements += part.statements
        return total


def make_app(url: str) -> Flask:
    app = create_app({"SECRET_KEY": _common.SECRET_KEY, "SQLALCHEMY_DATABASE_URI": url, "BASE_URL": "http://bench"})
    app.extensions[EXTENSION_NAME].clock = FrozenClock(INSTANT)
    return app


def prepare(app: Flask, folder: Path) -> tuple[Person, dict[str, RoleMapping], int]:
    """Migrate, register the definition, create a territory, a lead and one partner per role."""
    engine = app.extensions[EXTENSION_NAME].db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            Base.metadata.drop_all(connection)
            connection.execute(sa.text(f"DROP TABLE IF EXISTS {VERSION_TABLE}"))
    command.upgrade(alembic_config(), "head")
    (folder / "bench.yaml").write_text(definition_source(), encoding="utf-8")
    register_definitions([folder])
    territory = ensure_territory("bench", "Territoire de mesure", "28", "Centre-Val de Loire")
    lead_org = ensure_organisation("Pilote", OrganisationKind.OTHER, territory)
    lead = create_person("lead@bench.example.org", PersonRole.LEAD, "Cheffe de projet", organisation=lead_org)
    roles = {}
    for role in ROLES:
        organisation = ensure_organisation(f"Organisation {role}", OrganisationKind.OTHER, territory)
        person = lead if role == "lead" else create_person(f"{role}@bench.example.org", PersonRole.PARTNER, role)
        roles[role] = RoleMapping(organisation.id, [person.id])
    commit()
    return lead, roles, territory.id


#: SQLite's own defaults, which the app changes on every connection (``extension``): the rollback journal and
#: a disk flush per commit.
SQLITE_DEFAULTS = ("journal_mode=DELETE", "synchronous=FULL")


def measure(url: str, plans: int, *, sqlite_defaults: bool = False) -> Run:
    """Start ``plans`` plans and complete every task through the services, one commit per action;
    ``sqlite_defaults``: on connections put back to SQLite's own journal and sync settings after the app's
    set-up, for a comparison with raw ``sqlite3`` on the same."""
    app = make_app(url)
    with tempfile.TemporaryDirectory() as folder, app.app_context():
        engine = app.extensions[EXTENSION_NAME].db.engine
        if sqlite_defaults:
            sa.event.listen(engine, "connect", _to_sqlite_defaults)  # after the app's own listener
        lead, roles, territory_id = prepare(app, Path(folder))
        run = Run(engine.dialect.name, settings=_settings(engine))
        plan_ids = []
        for n in range(plans):
            request = PlanRequest(
                f"Plan {n}", "gpect-bench-engine", 1, territory_id, lead.id, date(2027, 3, 8), roles, open_now=True
            )
            with _common.count_queries(engine) as log:
                started, cpu = time.perf_counter(), time.process_time()
                plan = start_plan(lead, request)
                commit()
                run.starts.add(time.perf_counter() - started, time.process_time() - cpu, log.count)
            plan_ids.append(plan.id)
        session().remove()
        work = [
            (row.id, row.assignee_id, row.position)
            for row in session().execute(
                sa.select(Task.id, Task.assignee_id, PlanStage.position)
                .join(PlanStage, PlanStage.id == Task.stage_id)
                .where(Task.plan_id.in_(plan_ids))
                .order_by(Task.plan_id, PlanStage.position, Task.id)
            )
        ]
        session().remove()
        for index, (task_id, assignee_id, position) in enumerate(work):
            closes = index + 1 == len(work) or work[index + 1][2] != position
            # The person signed in, loaded by the request before the service runs (not counted, as in the tests).
            actor = session().get(Person, assignee_id)
            assert actor is not None
            with _common.count_queries(engine) as log:
                started, cpu = time.perf_counter(), time.process_time()
                change_task_status(actor, task_id, TaskStatus.DONE)
                commit()
                (run.closing if closes else run.plain).add(
                    time.perf_counter() - started, time.process_time() - cpu, log.count
                )
        done = session().scalar(sa.select(sa.func.count()).select_from(Plan).where(Plan.status == "completed"))
        assert done == plans, f"{done} of {plans} plans completed"
        session().remove()
        engine.dispose()
    return run


def _to_sqlite_defaults(connection: Any, record: Any) -> None:
    cursor = connection.cursor()
    for pragma in SQLITE_DEFAULTS:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _settings(engine: sa.Engine) -> str:
    if engine.dialect.name != "sqlite":
        with engine.connect() as connection:
            return f"synchronous_commit={connection.exec_driver_sql('SHOW synchronous_commit').scalar()}"
    with engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        sync = connection.exec_driver_sql("PRAGMA synchronous").scalar()
    return f"journal_mode={mode}, synchronous={sync}"


RAW_SCHEMA = (
    "CREATE TABLE raw_tasks (id INTEGER PRIMARY KEY, status VARCHAR(20) NOT NULL, completed_dt TEXT,"
    " updated_dt TEXT, version INTEGER NOT NULL)",
    "CREATE TABLE raw_events (id INTEGER PRIMARY KEY, plan_id INTEGER, stage_id INTEGER, task_id INTEGER,"
    " actor_id INTEGER, kind VARCHAR(40), from_state VARCHAR(40), to_state VARCHAR(40), note TEXT,"
    " data TEXT, occurred_dt TEXT)",
)
RAW_UPDATE = (
    "UPDATE raw_tasks SET status = {p}, completed_dt = {p}, updated_dt = {p}, version = {p}"
    " WHERE id = {p} AND version = {p}"
)
RAW_INSERT = (
    "INSERT INTO raw_events (plan_id, stage_id, task_id, actor_id, kind, from_state, to_state, note, data,"
    " occurred_dt) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})"
)


def raw_sqlite(path: Path, settings: str, count: int) -> Figures:
    """The same writes with ``sqlite3``, on a connection with the app engine's journal and sync settings
    (``settings`` empty: SQLite's own defaults)."""
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in filter(None, settings.split(", ")):
        connection.execute(f"PRAGMA {pragma}")
    for statement in RAW_SCHEMA:
        connection.execute(statement)
    connection.executemany("INSERT INTO raw_tasks VALUES (?, 'todo', NULL, NULL, 1)", [(i,) for i in range(count)])
    return _raw_loop(connection, "?", count, begin=True)


def raw_postgres(url: str, count: int) -> Figures:
    import psycopg

    connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS raw_tasks, raw_events")
        for statement in RAW_SCHEMA:
            cursor.execute(statement.replace("INTEGER PRIMARY KEY", "SERIAL PRIMARY KEY"))
        cursor.executemany("INSERT INTO raw_tasks VALUES (%s, 'todo', NULL, NULL, 1)", [(i,) for i in range(count)])
    connection.commit()
    figures = _raw_loop(connection, "%s", count, begin=False)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE raw_tasks, raw_events")
    connection.commit()
    connection.close()
    return figures


def _raw_loop(connection: Any, p: str, count: int, *, begin: bool) -> Figures:
    figures = Figures()
    update, insert = RAW_UPDATE.format(p=p), RAW_INSERT.format(p=p)
    for i in range(count):
        started, cpu = time.perf_counter(), time.process_time()
        instant = datetime.now(UTC).isoformat()
        cursor = connection.cursor()
        if begin:
            cursor.execute("BEGIN")
        cursor.execute(update, ("done", instant, instant, 2, i, 1))
        cursor.execute(insert, (1, 1, i, 1, "task_status_changed", "todo", "done", None, None, instant))
        connection.commit() if not begin else cursor.execute("COMMIT")
        figures.add(time.perf_counter() - started, time.process_time() - cpu, 2)  # and the commit
    return figures


def report(run: Run) -> list[str]:
    """Print the run's figures; the targets missed (SQLite only holds the ratio target)."""
    total = run.all_completions()
    ratio = total.rate() / run.raw.rate() if run.raw.rate() else 0.0
    print(f"\n{run.database} ({run.settings})")
    print(f"{'action':<26}{'count':>7}{'per s':>10}{'CPU ms':>9}{'statements':>12}")
    rows = [
        ("plan started", run.starts),
        ("plain completion", run.plain),
        ("completion closing stage", run.closing),
        ("all completions", total),
        (f"raw {'sqlite3' if run.database == 'sqlite' else 'psycopg'} same writes", run.raw),
    ]
    if run.app_on_defaults is not None:
        rows.append(("completions, SQLite's def.", run.app_on_defaults))
    if run.raw_defaults is not None:
        rows.append(("raw sqlite3, SQLite's def.", run.raw_defaults))
    for name, figures in rows:
        print(f"{name:<26}{figures.count:>7}{figures.rate():>10.0f}{figures.cpu_ms():>9.2f}{figures.per():>12.1f}")
    print(f"completions/s against raw: {ratio:.2f} (target ≥ {TARGET_RATIO:.2f} on SQLite)")
    if run.raw_defaults is not None and run.raw_defaults.rate():
        print("for comparison (the target is the line above), raw sqlite3 on SQLite's defaults (rollback journal,")
        print(f"synchronous=FULL): the app as it ships {total.rate() / run.raw_defaults.rate():.2f} of it", end="")
        if run.app_on_defaults is not None:
            print(f", the app on the same defaults {run.app_on_defaults.rate() / run.raw_defaults.rate():.2f}", end="")
        print()
    missed = []
    if run.plain.per() > TARGET_STATEMENTS:
        missed.append(f"{run.database}: {run.plain.per():.1f} statements per plain completion > {TARGET_STATEMENTS}")
    if run.database == "sqlite":
        if ratio < TARGET_RATIO:
            missed.append(f"sqlite: {ratio:.2f} of raw < {TARGET_RATIO}")
        if run.plain.cpu_ms() > TARGET_CPU_MS:
            missed.append(f"sqlite: {run.plain.cpu_ms():.2f} ms CPU per plain completion > {TARGET_CPU_MS}")
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=50, help="plans started and completed (20 tasks each)")
    parser.add_argument("--postgres-url", default=os.environ.get("GPECT_BENCH_POSTGRES_URL"))
    args = parser.parse_args()
    print(_common.machine_line())
    missed = []
    with tempfile.TemporaryDirectory() as folder:
        run = measure(f"sqlite:///{folder}/engine.sqlite3", args.plans)
        run.raw = raw_sqlite(Path(folder) / "raw.sqlite3", run.settings, run.all_completions().count)
        run.raw_defaults = raw_sqlite(Path(folder) / "raw-defaults.sqlite3", "", run.all_completions().count)
        on_defaults = measure(f"sqlite:///{folder}/engine-defaults.sqlite3", args.plans, sqlite_defaults=True)
        if on_defaults.settings != "journal_mode=delete, synchronous=2":
            raise SystemExit(f"the app's connections did not go back to SQLite's defaults: {on_defaults.settings}")
        run.app_on_defaults = on_defaults.all_completions()
        missed += report(run)
    if args.postgres_url:
        run = measure(args.postgres_url, args.plans)
        run.raw = raw_postgres(args.postgres_url, run.all_completions().count)
        missed += report(run)
    else:
        print("\nPostgreSQL skipped: set GPECT_BENCH_POSTGRES_URL or --postgres-url")
    for line in missed:
        print(f"MISSED: {line}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
