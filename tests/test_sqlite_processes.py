"""The embedded SQLite default shared by real processes, as a first run has it: the web app and the
scheduler are two processes on one file.

- A process killed (``kill -9``) in the middle of a change loses that change and nothing committed before
  it, leaves no lock behind (the next writer does not wait for the busy timeout) and no damage
  (``PRAGMA integrity_check``).
- A reader holding a transaction open (an export reading many rows) does not stop a change from
  committing, and keeps reading what it began with: the write-ahead log. Under SQLite's rollback journal
  the change would wait for the reader to finish, then fail with "database is locked".

The processes run the application from the environment (``wsgi.py``), as production does. These tests use
a SQLite file of their own, so they run in the SQLite pass only (the PostgreSQL pass has its own process
tests).
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from gpect_workflow.models import Organisation, OrganisationKind
from gpect_workflow.services.context import session
from gpect_workflow.services.partners.organisations import ensure_organisation
from gpect_workflow.state import EXTENSION_NAME

from .conftest import REPO, database_kind, make_app
from .process_support import SECRET_KEY

pytestmark = pytest.mark.skipif(
    database_kind() != "sqlite", reason="the embedded SQLite default: run once, in the SQLite pass"
)

#: Longer than any of these steps takes on a loaded machine, well short of the busy timeout (10 s) a lock left
#: behind would cost.
QUICK_SECONDS = 5.0
#: How long a child process may take to start the app and reach its step.
START_SECONDS = 60.0


@pytest.fixture
def file_app(tmp_path: Path) -> Iterator[Flask]:
    app = make_app(f"sqlite:///{tmp_path / 'shared.sqlite3'}")
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        try:
            yield app
        finally:
            session().remove()
            app.extensions[EXTENSION_NAME].db.engine.dispose()


class Child:
    """A Python process running ``script`` with the app of ``wsgi.py`` on the test's file, its output read
    line by line by a thread (so that waiting for a line can time out)."""

    def __init__(self, database_url: str, script: str, *args: str) -> None:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "GPECT_SQLALCHEMY_DATABASE_URI": database_url,
            "GPECT_SECRET_KEY": SECRET_KEY,
            "GPECT_SCHEDULER_ENABLED": "false",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(script), *args],
            cwd=REPO,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def next_line(self, timeout: float = START_SECONDS) -> str:
        """The child's next line of output; fails the test if none comes in time."""
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"the child process said nothing more in {timeout} s; it said: {self.seen}")
        self.seen.append(line)
        return line

    def expect(self, line: str, timeout: float = START_SECONDS) -> None:
        got = self.next_line(timeout)
        assert got == line, f"expected {line!r} from the child process, got {got!r} (after {self.seen[:-1]})"

    def say(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def stop(self) -> None:
        """Kill the process if it still runs, and close its pipes once its output is read to the end."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)
        self.reader.join(timeout=30)
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()


#: Starts a ``Child`` on a database URL with a script (and its arguments); the fixture stops it at the end.
StartChild = Callable[..., Child]


@pytest.fixture
def start_child() -> Iterator[StartChild]:
    started: list[Child] = []

    def start(database_url: str, script: str, *args: str) -> Child:
        started.append(Child(database_url, script, *args))
        return started[-1]

    yield start
    for child in started:
        child.stop()


def add_organisation(name: str) -> int:
    organisation = ensure_organisation(name, OrganisationKind.TRAINING_BODY, None)
    session().commit()
    return organisation.id


def stored_name(organisation_id: int) -> str | None:
    session().rollback()  # a fresh transaction: what is committed now
    return session().scalar(sa.select(Organisation.name).where(Organisation.id == organisation_id))


def rename(organisation_id: int, name: str) -> float:
    """Rename the organisation and commit; the seconds it took."""
    start = time.monotonic()
    session().execute(sa.update(Organisation).where(Organisation.id == organisation_id).values(name=name))
    session().commit()
    return time.monotonic() - start


def url_of(app: Flask) -> str:
    return str(app.extensions[EXTENSION_NAME].db.engine.url)


#: The child of the crash test: commits a rename, then takes the write lock, renames again and waits to be
#: killed before its commit.
KILLED_MID_CHANGE = """
    import time
    import sqlalchemy as sa
    import wsgi
    from gpect_workflow.models import Organisation
    from gpect_workflow.services.context import session
    from gpect_workflow.services.loading import hold_write_lock

    organisation_id = int(input())
    with wsgi.app.app_context():
        rename = sa.update(Organisation).where(Organisation.id == organisation_id)
        session().execute(rename.values(name="Committed before the crash"))
        session().commit()
        print("committed", flush=True)
        hold_write_lock()
        session().execute(rename.values(name="Never committed"))
        session().flush()
        print("holding the write lock", flush=True)
        time.sleep(300)
"""


def test_a_process_killed_in_the_middle_of_a_change_loses_only_that_change_and_leaves_no_lock(
    file_app: Flask, start_child: StartChild
) -> None:
    organisation_id = add_organisation("Centre de formation")
    child = start_child(url_of(file_app), KILLED_MID_CHANGE)
    child.say(str(organisation_id))
    child.expect("committed")
    child.expect("holding the write lock")

    os.kill(child.process.pid, signal.SIGKILL)
    assert child.process.wait(timeout=30) == -signal.SIGKILL

    assert stored_name(organisation_id) == "Committed before the crash"
    assert rename(organisation_id, "Renamed after the crash") < QUICK_SECONDS  # no lock left to wait for
    assert stored_name(organisation_id) == "Renamed after the crash"
    connection = session().connection()
    assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []


#: The child of the reader test: opens a read transaction, reads the name, and on each line it is given
#: reads it again in the same transaction; "end" ends the transaction and reads once more.
READER = """
    import sqlalchemy as sa
    import wsgi
    from gpect_workflow.services.context import session

    organisation_id = int(input())
    select_name = sa.text("SELECT name FROM gpect_organisations WHERE id = :id")
    with wsgi.app.app_context():
        connection = session().connection()
        connection.exec_driver_sql("BEGIN")  # a read transaction held open, as a long export holds one
        print(connection.execute(select_name, {"id": organisation_id}).scalar(), flush=True)
        while (line := input()) != "end":
            print(connection.execute(select_name, {"id": organisation_id}).scalar(), flush=True)
        connection.exec_driver_sql("COMMIT")
        print(connection.execute(select_name, {"id": organisation_id}).scalar(), flush=True)
"""


def test_a_reader_in_another_process_neither_blocks_a_change_nor_sees_it_before_its_next_transaction(
    file_app: Flask, start_child: StartChild
) -> None:
    organisation_id = add_organisation("Chambre de commerce")
    reader = start_child(url_of(file_app), READER)
    reader.say(str(organisation_id))
    reader.expect("Chambre de commerce")

    assert rename(organisation_id, "Chambre de commerce et d'industrie") < QUICK_SECONDS
    reader.say("again")
    reader.expect("Chambre de commerce", timeout=QUICK_SECONDS)  # its transaction's snapshot
    reader.say("end")
    reader.expect("Chambre de commerce et d'industrie", timeout=QUICK_SECONDS)
    assert reader.process.wait(timeout=30) == 0


#: A reader outside the app, in SQLite's own ways (it changes no setting of the file): the same steps as
#: ``READER``.
RAW_READER = """
    import sqlite3, sys

    organisation_id = int(input())
    connection = sqlite3.connect(sys.argv[1], isolation_level=None)
    select_name = "SELECT name FROM gpect_organisations WHERE id = ?"
    connection.execute("BEGIN")
    print(connection.execute(select_name, (organisation_id,)).fetchone()[0], flush=True)
    while (line := input()) != "end":
        print(connection.execute(select_name, (organisation_id,)).fetchone()[0], flush=True)
    connection.execute("COMMIT")
    print(connection.execute(select_name, (organisation_id,)).fetchone()[0], flush=True)
"""


def test_under_sqlites_rollback_journal_the_same_reader_would_block_the_change(
    tmp_path: Path, start_child: StartChild
) -> None:
    """What the write-ahead log spares users, on a file put back to SQLite's rollback journal (with a short
    busy timeout): the change cannot commit while the other process reads. This keeps the test above
    meaningful: it would fail without the write-ahead log."""
    path = tmp_path / "journal.sqlite3"
    app = make_app(f"sqlite:///{path}", SQLITE_BUSY_TIMEOUT_MS=200)
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        engine = app.extensions[EXTENSION_NAME].db.engine
        sa.event.listen(engine, "connect", _rollback_journal)  # after the app's own settings, so it wins
        engine.dispose()
        try:
            organisation_id = add_organisation("Pôle emploi")
            assert session().connection().exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"
            session().rollback()
            reader = start_child(url_of(app), RAW_READER, str(path))
            reader.say(str(organisation_id))
            reader.expect("Pôle emploi")
            with pytest.raises(sa.exc.OperationalError, match="database is locked"):
                rename(organisation_id, "France Travail")
            session().rollback()
            reader.say("end")
            reader.expect("Pôle emploi", timeout=QUICK_SECONDS)
        finally:
            session().remove()
            engine.dispose()


def _rollback_journal(dbapi_connection: Any, connection_record: Any) -> None:
    """Put the file back to SQLite's rollback journal (persistent in the file, like the write-ahead log)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=DELETE")
    cursor.close()


#: The child of the two-writers test: once told to start, ``CHANGES`` changes, each one transaction taking
#: the write lock first (as ``lock_plan`` does), adding one to its own organisation's name's counter.
WRITER = """
    import sqlalchemy as sa
    import wsgi
    from gpect_workflow.models import Organisation
    from gpect_workflow.services.context import session
    from gpect_workflow.services.loading import hold_write_lock

    organisation_id, changes = (int(value) for value in input().split())
    with wsgi.app.app_context():
        print("ready", flush=True)
        input()
        for _ in range(changes):
            hold_write_lock()
            name = session().scalar(sa.select(Organisation.name).where(Organisation.id == organisation_id))
            prefix, _, count = name.rpartition(" ")
            organisation = session().get(Organisation, organisation_id)
            organisation.name = f"{prefix} {int(count) + 1}"
            session().commit()
        print("done", flush=True)
"""
CHANGES = 150


def test_two_processes_writing_at_once_wait_for_each_other_and_every_change_lands(
    file_app: Flask, start_child: StartChild
) -> None:
    """The web app and the scheduler write to the one file at the same moments: each change waits for the
    other's (the busy timeout) instead of failing with "database is locked", and none is lost."""
    organisations = [add_organisation("Organisme 0"), add_organisation("Entreprise 0")]
    writers = [start_child(url_of(file_app), WRITER) for _ in organisations]
    for writer, organisation_id in zip(writers, organisations, strict=True):
        writer.say(f"{organisation_id} {CHANGES}")
        writer.expect("ready")
    for writer in writers:
        writer.say("go")
    for writer in writers:
        writer.expect("done")
        assert writer.process.wait(timeout=30) == 0
    assert [stored_name(organisation_id) for organisation_id in organisations] == [
        f"Organisme {CHANGES}",
        f"Entreprise {CHANGES}",
    ]
