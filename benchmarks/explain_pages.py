"""EXPLAIN (ANALYZE, BUFFERS) of the statements of the busiest pages, on the tick benchmark's database.

Run ``benchmarks/tick.py`` first (it loads 100,000 plans); this script adds the pages benchmark's
administrator when missing, asks each page once through Flask's test client as the lead ``lead.0`` (a
quarter of the plans), a steering committee member and the administrator, records each statement with its
parameters (a ``before_cursor_execute`` listener, as ``tests/query_count.py`` does), then runs
``EXPLAIN (ANALYZE, BUFFERS)`` of each SELECT and prints the slowest (``--plans``: with their plans).

Run: ``.venv/bin/python benchmarks/explain_pages.py [--url URL] [--plans] [--top 15]``; see
benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import _common  # puts the repository on sys.path: keep before gpect_workflow
import pages
import sqlalchemy as sa
import tick

from gpect_workflow.state import EXTENSION_NAME

PAGES = (("dashboard", "/"), ("my tasks", "/my-tasks"), ("plans list", "/plans"), ("committee", "/committee"))


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


def captured(url: str) -> list[tuple[str, str, Any]]:
    app = pages.make_app(url)
    engine = tick.engine_of(app)
    with engine.connect() as connection:
        has_admin = connection.execute(
            sa.text("SELECT count(*) FROM gpect_people WHERE id = :id"), {"id": pages.ADMIN_ID}
        ).scalar()
    if not has_admin:
        pages.add_readers(engine)  # the administrator (and the pages benchmark's committee member)
    readers = (("lead", pages.LEAD_ID), ("committee", committee_member(engine)), ("admin", pages.ADMIN_ID))
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
    args = parser.parse_args(argv)
    statements = captured(args.url)
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
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                plan = [row[0] for row in cursor.fetchall()]
            raw.rollback()
            execution = next((float(line.split()[2]) for line in plan if line.startswith("Execution Time")), 0.0)
            timed.append((execution, page, _common.statement_shape(statement, 120), plan))
    engine.dispose()
    print(f"{len(timed)} SELECT statements, {sum(t for t, *_ in timed):.1f} ms of execution in all")
    for execution, page, shape, plan in sorted(timed, key=lambda item: -item[0])[: args.top]:
        print(f"{execution:>9.1f} ms  {page:<24} {shape}")
        if args.plans:
            print("\n".join(f"            {line}" for line in plan))
    return 0


if __name__ == "__main__":
    sys.exit(main())
