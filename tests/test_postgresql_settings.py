"""Every PostgreSQL connection the app hands out plans each execution for its own values
(``plan_cache_mode = force_custom_plan``: a generic plan, kept once psycopg prepares a statement, made the
dashboard's probe 25 times slower for an administrator), and runs without just-in-time compilation, unless
``POSTGRES_JIT`` asks for it: compiling costs about 30 ms per statement that passes ``jit_above_cost``,
more than the pages' statements take to run (``benchmarks/explain_pages.py``).

These tests need the PostgreSQL pass (``GPECT_TEST_DATABASE=postgres``); they open their own app on its
database.
"""

from __future__ import annotations

from contextlib import ExitStack

import pytest
import sqlalchemy as sa
from flask import Flask

from gpect_workflow.state import EXTENSION_NAME

from .conftest import database_kind, make_app, postgres_url

pytestmark = pytest.mark.skipif(database_kind() != "postgres", reason="PostgreSQL's settings")

#: Connections held at once: more than one, so a new connection and a pooled one are both seen.
HELD = 3


def engine(app: Flask) -> sa.Engine:
    return app.extensions[EXTENSION_NAME].db.engine  # type: ignore[no-any-return]


def setting_of_every_connection(app: Flask, name: str = "jit") -> list[str]:
    """``SHOW name`` on ``HELD`` connections checked out together, after a rolled-back transaction on each."""
    with app.app_context():
        try:
            for _ in range(2):  # the second round reads connections the pool gave back
                with ExitStack() as stack:
                    connections = [stack.enter_context(engine(app).connect()) for _ in range(HELD)]
                    for connection in connections:
                        connection.rollback()
                    seen = [str(connection.exec_driver_sql(f"SHOW {name}").scalar()) for connection in connections]
            return seen
        finally:
            engine(app).dispose()


def test_every_connection_runs_without_jit() -> None:
    assert setting_of_every_connection(make_app(postgres_url())) == ["off"] * HELD


def test_the_setting_leaves_the_server_s_jit_alone() -> None:
    server_default = sa.create_engine(postgres_url())
    try:
        with server_default.connect() as connection:
            expected = str(connection.exec_driver_sql("SHOW jit").scalar())
    finally:
        server_default.dispose()
    assert setting_of_every_connection(make_app(postgres_url(), POSTGRES_JIT=True)) == [expected] * HELD


@pytest.mark.parametrize("jit", [False, True])
def test_every_connection_plans_each_execution_for_its_values(jit: bool) -> None:
    app = make_app(postgres_url(), POSTGRES_JIT=jit)
    assert setting_of_every_connection(app, "plan_cache_mode") == ["force_custom_plan"] * HELD


def test_a_statement_run_again_and_again_keeps_a_plan_made_for_its_values() -> None:
    """A prepared statement run many times is still planned for each run's values. Half the rows have one
    value, the others each their own: after five runs on rare values, PostgreSQL's default (``auto``) keeps
    a generic plan that reads by index, and then reads half the table by index for the common value."""
    app = make_app(postgres_url())
    with app.app_context():
        try:
            with engine(app).connect() as connection:
                connection.exec_driver_sql("CREATE TEMPORARY TABLE skewed (id integer PRIMARY KEY, kind integer)")
                connection.exec_driver_sql(
                    "INSERT INTO skewed SELECT n, CASE WHEN mod(n, 2) = 0 THEN 0 ELSE n END"
                    " FROM generate_series(1, 20000) AS n"
                )
                connection.exec_driver_sql("CREATE INDEX ON skewed (kind)")
                connection.exec_driver_sql("ANALYZE skewed")
                connection.exec_driver_sql("PREPARE by_kind(integer) AS SELECT id FROM skewed WHERE kind = $1")
                for rare in range(1, 22, 2):
                    connection.exec_driver_sql(f"EXECUTE by_kind({rare})").all()
                plan = "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN EXECUTE by_kind(0)"))
                connection.rollback()
        finally:
            engine(app).dispose()
    assert "$1" not in plan and "Seq Scan" in plan, plan
