"""Every SQLite connection the app hands out is set up alike: foreign keys, write-ahead log, sync at
checkpoints, a busy timeout, also on the connection a migration ran on in the same process.

These tests run on a SQLite file of their own whichever database the pass uses (``GPECT_TEST_DATABASE``):
the settings are those of the embedded default.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from gpect_workflow.models import Plan
from gpect_workflow.services.context import session
from gpect_workflow.services.loading import hold_write_lock
from gpect_workflow.state import EXTENSION_NAME

from .conftest import make_app

#: What ``PRAGMA x`` answers on a file database set up by the extension.
EXPECTED = {"journal_mode": "wal", "synchronous": 1, "busy_timeout": 10_000, "foreign_keys": 1}
#: Connections held at once: more than the pool keeps idle after a migration, so each kind is seen.
HELD = 4


@pytest.fixture
def file_app(tmp_path: Path) -> Iterator[Flask]:
    app = make_app(f"sqlite:///{tmp_path / 'settings.sqlite3'}")
    with app.app_context():
        try:
            yield app
        finally:
            engine(app).dispose()


def engine(app: Flask) -> sa.Engine:
    return app.extensions[EXTENSION_NAME].db.engine  # type: ignore[no-any-return]


def pragmas(connection: sa.Connection, names: tuple[str, ...] = tuple(EXPECTED)) -> dict[str, object]:
    return {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar() for name in names}


def every_pooled_connection(app: Flask) -> list[dict[str, object]]:
    """The settings of ``HELD`` connections checked out together: the pool's idle ones and new ones."""
    with ExitStack() as stack:
        connections = [stack.enter_context(engine(app).connect()) for _ in range(HELD)]
        return [pragmas(connection) for connection in connections]


def test_a_fresh_file_database_gets_every_setting_on_every_connection(file_app: Flask) -> None:
    assert every_pooled_connection(file_app) == [EXPECTED] * HELD


def test_the_connection_a_migration_used_keeps_foreign_keys_on(file_app: Flask) -> None:
    """Batch migrations turn foreign keys off on their connection; it goes back to the pool and serves the
    next request: ``flask db upgrade`` then requests, in one process (``make run``, the demo, tests)."""
    result = file_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert every_pooled_connection(file_app) == [EXPECTED] * HELD
    with engine(file_app).connect() as connection, pytest.raises(sa.exc.IntegrityError):
        connection.execute(
            sa.text(
                "INSERT INTO gpect_role_assignment_members (assignment_id, plan_id, person_id) VALUES (987, 321, 654)"
            )
        )


def test_the_busy_timeout_follows_the_setting(tmp_path: Path) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'timeout.sqlite3'}", SQLITE_BUSY_TIMEOUT_MS=2500)
    with app.app_context():
        with engine(app).connect() as connection:
            assert pragmas(connection, ("busy_timeout",)) == {"busy_timeout": 2500}
        engine(app).dispose()


def test_an_in_memory_database_gets_foreign_keys_and_the_timeout_only() -> None:
    """An in-memory database has no file: SQLite answers ``memory`` to any journal mode, and ``synchronous``
    has nothing to sync, so the extension sets only what applies (and starts without an error)."""
    app = make_app("sqlite://")
    with app.app_context():
        with engine(app).connect() as connection:
            assert pragmas(connection, ("journal_mode", "foreign_keys", "busy_timeout")) == {
                "journal_mode": "memory",
                "foreign_keys": 1,
                "busy_timeout": 10_000,
            }
        engine(app).dispose()


def test_a_change_takes_the_write_lock_before_it_reads_and_keeps_it_until_it_ends(file_app: Flask) -> None:
    """``hold_write_lock`` (what ``lock_plan`` does on SQLite) begins the unit's transaction with ``BEGIN
    IMMEDIATE``: another writer cannot start until the unit commits or rolls back, and a unit that already
    writes keeps its transaction (a second call changes nothing)."""
    assert file_app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    path = engine(file_app).url.database
    assert path is not None
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        session().execute(sa.select(Plan.id).limit(1)).all()  # a read alone begins no transaction
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        hold_write_lock()
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            other.execute("BEGIN IMMEDIATE")
        session().execute(sa.text("UPDATE gpect_plans SET name = name"))
        hold_write_lock()
        session().commit()
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        hold_write_lock()
        session().rollback()
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()
        session().rollback()
