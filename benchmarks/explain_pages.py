"""EXPLAIN (ANALYZE, BUFFERS) of the statements of the busiest pages, on the tick benchmark's database.

Run ``benchmarks/tick.py`` first (it loads 100,000 plans); this script adds the pages benchmark's
administrator and a partner holding one role in three plans when missing, asks each page once through
Flask's test client as the lead ``lead.0`` (a quarter of the plans), a steering committee member, the
administrator and that partner, records each statement with its parameters (a ``before_cursor_execute``
listener, as ``tests/query_count.py`` does), then runs ``EXPLAIN (ANALYZE, BUFFERS)`` of each SELECT and
prints the slowest (``--plans``: with their plans; ``--reader``: only one reader's). ``--generic`` instead
times each statement prepared, planned for its values and with a generic plan (why the app's connections
keep ``plan_cache_mode = force_custom_plan``).

``--unassigned N`` first leaves one task in ``N`` without an assignee (``id % N = 0``, the lead's kept), as
when a role is held by an organisation and nobody in it was named: those tasks are every member's of their
role. It changes the database for good (``tick.py`` loads it again from scratch).

Run: ``.venv/bin/python benchmarks/explain_pages.py [--url URL] [--plans] [--top 15] [--unassigned 10]
[--generic]``;
see benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import _common  # puts the repository on sys.path: keep before gpect_workflow
import _tick_data as data
import pages
import sqlalchemy as sa
import tick

from gpect_workflow.state import EXTENSION_NAME

PAGES = (("dashboard", "/"), ("my tasks", "/my-tasks"), ("plans list", "/plans"), ("committee", "/committee"))
#: A partner of the employment service holding its role in three plans only.
PARTNER_ID = pages.COMMITTEE_ID + 1
PARTNER_PLANS = (2, 3, 5)
PARTNER_ROLE = 1  # the employment service's, in ``_tick_data.ROLES``


def add_partner(engine: sa.Engine) -> None:
    """The partner and their three memberships (a member's role key is copied by the database's trigger)."""
    with engine.begin() as connection:
        pages.add_people(
            connection,
            [
                {"id": PARTNER_ID, "email": "partenaire@bench.example.org", "name": "Partenaire", "org": 2}
                | {"role": "partner"}
            ],
        )
        connection.execute(
            sa.text(
                "INSERT INTO gpect_role_assignment_members (assignment_id, plan_id, person_id)"
                " VALUES ((:plan - 1) * :roles + :role + 1, :plan, :person)"
            ),
            [
                {"plan": plan, "roles": len(data.ROLES), "role": PARTNER_ROLE, "person": PARTNER_ID}
                for plan in PARTNER_PLANS
            ],
        )


def leave_unassigned(engine: sa.Engine, every: int) -> int:
    """Leave one task in ``every`` without an assignee (the lead's kept); how many tasks are unassigned."""
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE gpect_tasks SET assignee_id = NULL"
                " WHERE mod(id, :every) = 0 AND assignee_id IS NOT NULL AND assignee_id <> :lead"
            ),
            {"every": every, "lead": pages.LEAD_ID},
        )
        unassigned = connection.execute(sa.text("SELECT count(*) FROM gpect_tasks WHERE assignee_id IS NULL"))
        count = int(unassigned.scalar_one())
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE gpect_tasks")
    return count


def committee_member(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                sa.text(
                    "SELECT m.person_id FROM gpect_role_assignment_members m JOIN gpect_role_assignments a"
                    " ON a.id = m.assignment_id WHERE a.role_key = 'steering_committee' ORDER BY a.plan_id LIMIT 1"
                )
            ).scalar_one()
        )


def _has_person(engine: sa.Engine, person_id: int) -> bool:
    with engine.connect() as connection:
        found = connection.execute(sa.text("SELECT count(*) FROM gpect_people WHERE id = :id"), {"id": person_id})
        return bool(found.scalar())


def captured(url: str, unassigned_every: int | None = None) -> list[tuple[str, str, Any]]:
    app = pages.make_app(url)
    engine = tick.engine_of(app)
    if not _has_person(engine, pages.ADMIN_ID):
        pages.add_readers(engine)  # the administrator (and the pages benchmark's committee member)
    if not _has_person(engine, PARTNER_ID):
        add_partner(engine)
    if unassigned_every:
        print(f"{leave_unassigned(engine, unassigned_every):,} tasks without an assignee")
    readers = (
        ("lead", pages.LEAD_ID),
        ("committee", committee_member(engine)),
        ("admin", pages.ADMIN_ID),
        ("partner", PARTNER_ID),
    )
    cookies = {reader: pages.session_cookie(app, person) for reader, person in readers}
    statements: list[tuple[str, str, Any]] = []
    current = [""]

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        statements.append((current[0], statement, parameters))

    client = app.test_client()
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        for reader, _ in readers:
            for page, path in PAGES:
                current[0] = f"{page} ({reader})"
                name, _, value = cookies[reader].partition("=")
                client.set_cookie(name, value, domain="localhost")
                response = client.get(
                    path, headers={"User-Agent": pages.USER_AGENT}, environ_base={"REMOTE_ADDR": pages.HOST}
                )
                print(
                    f"{current[0]:<24} {path:<12} {response.status_code} {len(response.data):>10,} bytes"
                    f" {response.headers.get('Location', '')}"
                )
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    with app.app_context():
        app.extensions[EXTENSION_NAME].db.engine.dispose()
    return statements


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=tick.DEFAULT_URL)
    parser.add_argument("--plans", action="store_true", help="print each statement's plan")
    parser.add_argument("--top", type=int, default=15, help="how many of the slowest statements to print")
    parser.add_argument("--unassigned", type=int, metavar="N", help="first leave one task in N without an assignee")
    parser.add_argument("--reader", help="print only the statements of this reader's pages (lead, partner...)")
    parser.add_argument("--by-planning", action="store_true", help="the statements longest to plan first")
    parser.add_argument(
        "--generic", action="store_true", help="time each statement with a plan for its values and a generic plan"
    )
    args = parser.parse_args(argv)
    statements = captured(args.url, args.unassigned)
    if args.reader:
        statements = [item for item in statements if item[0].endswith(f"({args.reader})")]
    if args.generic:
        return compare_generic_plans(args.url, statements, args.top)
    engine = sa.create_engine(args.url)
    timed = []
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        with raw.cursor() as cursor:
            cursor.execute("SET jit = off")  # as on the app's connections (GPECT_POSTGRES_JIT, docs/operations.md)
        raw.commit()
        for page, statement, parameters in statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            with raw.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, SUMMARY) " + statement, parameters)
                plan = [row[0] for row in cursor.fetchall()]
            raw.rollback()
            execution = _milliseconds(plan, "Execution Time")
            timed.append(
                (execution, _milliseconds(plan, "Planning Time"), page, _common.statement_shape(statement, 112), plan)
            )
    engine.dispose()
    print(
        f"{len(timed)} SELECT statements, {sum(item[0] for item in timed):.1f} ms of execution and"
        f" {sum(item[1] for item in timed):.1f} ms of planning in all (planning in parentheses)"
    )
    order = 1 if args.by_planning else 0
    for execution, planning, page, shape, plan in sorted(timed, key=lambda item: -item[order])[: args.top]:
        print(f"{execution:>9.1f} ms ({planning:>4.1f})  {page:<24} {shape}")
        if args.plans:
            print("\n".join(f"            {line}" for line in plan))
    return 0


def compare_generic_plans(url: str, statements: list[tuple[str, str, Any]], top: int) -> int:
    """Time each SELECT prepared on the server, as psycopg prepares a statement a connection runs often,
    first planned for its values at every execution (``force_custom_plan``), then with one plan made without
    the values and kept (``force_generic_plan``, what PostgreSQL may choose on its own from the sixth
    execution): best of three each, from the client (planning, execution and the round trip).

    Prints the totals and the statements a generic plan makes slower, worst first: those whose plan depends on
    the values (who asks, which plans) and must not be left to PostgreSQL's choice.
    """
    engine = sa.create_engine(url)
    timed = []
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        raw.autocommit = True
        with raw.cursor() as cursor:
            cursor.execute("SET jit = off")
            for page, statement, parameters in statements:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                best = {}
                for mode in ("force_custom_plan", "force_generic_plan"):
                    cursor.execute(f"SET plan_cache_mode = {mode}")
                    runs = []
                    for _ in range(3):
                        started = time.perf_counter()
                        cursor.execute(statement, parameters, prepare=True)
                        cursor.fetchall()
                        runs.append((time.perf_counter() - started) * 1000)
                    best[mode] = min(runs)
                timed.append(
                    (
                        best["force_custom_plan"],
                        best["force_generic_plan"],
                        page,
                        _common.statement_shape(statement, 100),
                    )
                )
    engine.dispose()
    custom, generic = sum(item[0] for item in timed), sum(item[1] for item in timed)
    print(
        f"{len(timed)} SELECT statements, prepared: {custom:.1f} ms with plans for their values,"
        f" {generic:.1f} ms with generic plans ({generic / custom:.2f})"
    )
    slower = sorted((item for item in timed if item[1] > item[0]), key=lambda item: item[0] - item[1])
    print(f"{len(slower)} statements slower with a generic plan (ms: for the values → generic):")
    for custom_ms, generic_ms, page, shape in slower[:top]:
        print(f"{custom_ms:>9.2f} → {generic_ms:>9.2f}  {page:<24} {shape}")
    return 0


def _milliseconds(plan: list[str], label: str) -> float:
    """The figure of ``EXPLAIN ANALYZE``'s summary line ``label`` ("Execution Time", "Planning Time")."""
    return next((float(line.split()[2]) for line in plan if line.startswith(label)), 0.0)


if __name__ == "__main__":
    sys.exit(main())
