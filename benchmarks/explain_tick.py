"""EXPLAIN (ANALYZE, BUFFERS) of every statement of the send-hour tick, on the tick benchmark's database.

Run ``benchmarks/tick.py`` first (it loads the plans); this script ticks once at the 08:30 send hour of
that database, records each statement with its parameters (a ``before_cursor_execute`` listener, as
``tests/query_count.py`` does), then runs ``EXPLAIN (ANALYZE, BUFFERS)`` of each in a transaction it
rolls back, and prints the statements slowest first with their plans (``--plans``) or their times only.

Run: ``.venv/bin/python benchmarks/explain_tick.py [--url URL] [--plans]``; see benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import _common  # puts the repository on sys.path: keep before gpect_workflow
import sqlalchemy as sa
import tick

from gpect_workflow.state import EXTENSION_NAME


def captured_statements(url: str) -> list[tuple[str, Any]]:
    app = tick.make_app(url)
    engine = tick.engine_of(app)
    statements: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        statements.append((statement, parameters))

    tick.reset(engine, tick.SEND_HOUR)
    tick.run_tick(app, tick.SEND_HOUR)  # warm: templates, definitions
    tick.reset(engine, tick.SEND_HOUR)
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        tick.run_tick(app, tick.SEND_HOUR)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    tick.reset(engine, tick.SEND_HOUR)
    with app.app_context():
        app.extensions[EXTENSION_NAME].db.engine.dispose()
    return statements


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=tick.DEFAULT_URL)
    parser.add_argument("--plans", action="store_true", help="print each statement's plan")
    args = parser.parse_args(argv)
    statements = captured_statements(args.url)
    engine = sa.create_engine(args.url)
    timed = []
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        for statement, parameters in statements:
            if statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
                continue
            with raw.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                plan = [row[0] for row in cursor.fetchall()]
            raw.rollback()
            execution = next((float(line.split()[2]) for line in plan if line.startswith("Execution Time")), 0.0)
            timed.append((execution, _common.statement_shape(statement, 140), plan))
    engine.dispose()
    print(f"{len(timed)} statements, {sum(t for t, _, _ in timed):.1f} ms of execution in all")
    for execution, shape, plan in sorted(timed, key=lambda item: -item[0]):
        print(f"{execution:>9.1f} ms  {shape}")
        if args.plans:
            print("\n".join(f"            {line}" for line in plan))
    return 0


if __name__ == "__main__":
    sys.exit(main())
