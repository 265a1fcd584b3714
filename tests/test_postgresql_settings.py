"""Every PostgreSQL connection the app hands out runs without just-in-time compilation, unless
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


def jit_of_every_connection(app: Flask) -> list[str]:
    """``SHOW jit`` on ``HELD`` connections checked out together, after a rolled-back transaction on each."""
    with app.app_context():
        try:
            for _ in range(2):  # the second round reads connections the pool gave back
                with ExitStack() as stack:
                    connections = [stack.enter_context(engine(app).connect()) for _ in range(HELD)]
                    for connection in connections:
                        connection.rollback()
                    seen = [str(connection.exec_driver_sql("SHOW jit").scalar()) for connection in connections]
            return seen
        finally:
            engine(app).dispose()


def test_every_connection_runs_without_jit() -> None:
    assert jit_of_every_connection(make_app(postgres_url())) == ["off"] * HELD


def test_the_setting_leaves_the_server_s_jit_alone() -> None:
    server_default = sa.create_engine(postgres_url())
    try:
        with server_default.connect() as connection:
            expected = str(connection.exec_driver_sql("SHOW jit").scalar())
    finally:
        server_default.dispose()
    assert jit_of_every_connection(make_app(postgres_url(), POSTGRES_JIT=True)) == [expected] * HELD
