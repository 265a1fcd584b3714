"""Running the application's commands in processes of their own, as production runs them.

The fault tests start ``flask --app wsgi gpect tick`` and ``gpect scheduler`` processes against the pass's
database and the test's SMTP server, configured from the environment only, as an operator would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import pytest

from .conftest import REPO
from .time_travel_support import BASE_URL

SECRET_KEY = "process-tests-secret-key-0123456789abcdef"


def gpect_env(database_url: str, smtp_port: int, **settings: object) -> dict[str, str]:
    """The environment of a process on ``database_url`` sending to the local SMTP server; ``settings`` are
    more ``GPECT_*`` keys without their prefix (``OUTBOX_SEND_LIMIT=200``)."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "GPECT_SQLALCHEMY_DATABASE_URI": database_url,
        "GPECT_SECRET_KEY": SECRET_KEY,
        "GPECT_MAIL_SERVER": "127.0.0.1",
        "GPECT_MAIL_PORT": str(smtp_port),
        "GPECT_MAIL_DEFAULT_SENDER": "GPECT <no-reply@gpect.example.org>",
        "GPECT_BASE_URL": BASE_URL,
        **{f"GPECT_{name}": str(value) for name, value in settings.items()},
    }


def gpect_process(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """Start ``flask --app wsgi gpect <args>`` from the repository, its output (both streams) piped."""
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "gpect", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


#: A process that takes longer than this fails the test (and is killed).
PROCESS_TIMEOUT = 120


def finish(process: subprocess.Popen[str]) -> str:
    """Wait for a process (killing it if it hangs) and return its output."""
    try:
        output, _ = process.communicate(timeout=PROCESS_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        pytest.fail(f"process {process.pid} ({' '.join(map(str, process.args))}) hung:\n{output}")
    return output


@dataclass
class Processes:
    """The processes a test started, all reaped at the end whatever happens (the ``processes`` fixture)."""

    started: list[subprocess.Popen[str]] = field(default_factory=list)

    def start(self, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
        process = gpect_process(env, *args)
        self.started.append(process)
        return process

    def tick(self, env: dict[str, str], at: datetime) -> subprocess.Popen[str]:
        """Start ``gpect tick --at <at>``."""
        return self.start(env, "tick", "--at", at.isoformat())

    def reap(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
            process.communicate()


@pytest.fixture(name="processes")
def processes_fixture() -> Iterator[Processes]:
    """The ``processes`` fixture (a module that uses it imports this)."""
    running = Processes()
    try:
        yield running
    finally:
        running.reap()
