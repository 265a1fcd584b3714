"""The worked examples of ``docs/api.md`` run as written against a live server.

The server is the test app served by werkzeug in a thread, on the demonstration data. The examples'
configuration lines (base URL, token, territory id, role mapping) are replaced by this server's and this
database's values; everything else runs unchanged: the Python block with this interpreter, the curl
block with bash, curl and jq (skipped when one of them is missing).
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

from gpect_workflow.demo.data import ORGANISATIONS, PLANS
from gpect_workflow.demo.loader import load_demo
from gpect_workflow.models import Organisation, Plan, Task, TaskStatus, Territory
from gpect_workflow.services.accounts.tokens import create_token
from gpect_workflow.services.context import session
from gpect_workflow.services.partners.people import find_person
from gpect_workflow.state import EXTENSION_NAME
from tests.conftest import REPO, database_kind

DOC = REPO / "docs" / "api.md"
LEAD_EMAIL = "claire.martin@mee-chartres.example.org"
FIRST_TASK = "inventory-existing-studies"


@pytest.fixture(autouse=True, scope="module")
def _dispose_engine_at_the_end(shared_app: Flask) -> Iterator[None]:
    """Close the pooled connections when the module ends (PostgreSQL warns about connections left open)."""
    yield
    with shared_app.app_context():
        shared_app.extensions[EXTENSION_NAME].db.engine.dispose()


def fenced_blocks(language: str) -> list[str]:
    """The fenced code blocks of ``docs/api.md`` in ``language``."""
    return re.findall(rf"^```{language}\n(.*?)^```$", DOC.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL)


def replace_once(text: str, pattern: str, replacement: str) -> str:
    """``text`` with the one match of ``pattern`` (a line, or a block up to its closing line) replaced."""
    new, count = re.subn(pattern, lambda _: replacement, text, flags=re.MULTILINE | re.DOTALL)
    assert count == 1, f"the example should contain exactly one {pattern!r}"
    return new


@dataclass
class LiveServer:
    base_url: str
    token: str
    territory_id: int
    roles: dict[str, dict[str, Any]]


@pytest.fixture
def live(app: Flask) -> Iterator[LiveServer]:
    """The demo data, a token of its five-lever plan's lead, and the app served on a free port."""
    load_demo()
    lead = find_person(LEAD_EMAIL)
    assert lead is not None
    _, token = create_token(lead, "docs example")
    spec = next(plan for plan in PLANS if plan.definition == "gpect-five-levers")
    territory_id = session().scalar(sa.select(Territory.id).where(Territory.code == spec.territory))
    assert territory_id is not None
    roles = {}
    for role, (organisation_ref, emails) in spec.roles.items():
        name = next(org.name for org in ORGANISATIONS if org.ref == organisation_ref)
        organisation_id = session().scalar(sa.select(Organisation.id).where(Organisation.name == name))
        people = [find_person(email) for email in emails]
        roles[role] = {"organisation_id": organisation_id, "person_ids": [p.id for p in people if p is not None]}
    session().commit()
    session().remove()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}/api/v1", token, territory_id, roles)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def assert_first_task_done(plan_name: str) -> None:
    session().expire_all()
    plan = session().scalar(sa.select(Plan).where(Plan.name == plan_name))
    assert plan is not None, f"the example did not start the plan {plan_name!r}"
    assert plan.definition_key == "gpect-five-levers"
    task = session().scalar(sa.select(Task).where(Task.plan_id == plan.id, Task.task_key == FIRST_TASK))
    assert task is not None
    assert task.status is TaskStatus.DONE and task.completed_dt is not None
    assert task.status_reason == "Inventaire des études terminé" and task.version == 2


def test_the_examples_ids_are_those_of_the_demo(live: LiveServer) -> None:
    """The ids written in the examples are right for ``make run``'s fresh database (SQLite numbers from 1)."""
    python = fenced_blocks("python")[0]
    written = re.search(r"^ROLES = (\{.*?^\})", python, re.MULTILINE | re.DOTALL)
    assert written is not None
    written_roles = ast.literal_eval(written.group(1))
    assert set(written_roles) == set(live.roles)
    curl = next(block for block in fenced_blocks("sh") if "curl" in block)
    curl_roles = re.search(r"^ROLES='(.*?)'$", curl, re.MULTILINE | re.DOTALL)
    assert curl_roles is not None and json.loads(curl_roles.group(1)) == written_roles
    assert re.findall(r"^TERRITORY_ID ?= ?(\d+)$", python + curl, re.MULTILINE) == ["2", "2"]
    if database_kind() == "sqlite":  # emptied SQLite tables number from 1 again, as a fresh database does
        assert written_roles == live.roles and live.territory_id == 2


def test_the_python_example_runs_as_written(live: LiveServer, tmp_path: Path) -> None:
    blocks = fenced_blocks("python")
    assert len(blocks) == 1
    code = blocks[0]
    code = replace_once(code, r"^BASE_URL = .*?$", f"BASE_URL = {live.base_url!r}")
    code = replace_once(code, r"^TOKEN = .*?$", f"TOKEN = {live.token!r}")
    code = replace_once(code, r"^TERRITORY_ID = .*?$", f"TERRITORY_ID = {live.territory_id}")
    code = replace_once(code, r"^ROLES = \{.*?^\}$", f"ROLES = {live.roles!r}")
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")

    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "gpect-five-levers v 1" in result.stdout
    assert 'inventory-existing-studies done at 2026-11-30T08:00:00+00:00 - new ETag "2"' in result.stdout
    assert_first_task_done("GPECT 2027 – exemple Python")


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="the curl example needs curl and jq")
def test_the_curl_example_runs_as_written(live: LiveServer, tmp_path: Path) -> None:
    blocks = [block for block in fenced_blocks("sh") if "curl" in block]
    assert len(blocks) == 1
    script = blocks[0]
    script = replace_once(script, r"^API=.*?$", f"API={live.base_url}")
    script = replace_once(script, r"^TOKEN=.*?$", f"TOKEN={live.token}")
    script = replace_once(script, r"^TERRITORY_ID=.*?$", f"TERRITORY_ID={live.territory_id}")
    script = replace_once(script, r"^ROLES='.*?'$", f"ROLES='{json.dumps(live.roles)}'")
    path = tmp_path / "example.sh"
    path.write_text(script, encoding="utf-8")

    result = subprocess.run(["bash", str(path)], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "gpect-five-levers v1" in result.stdout
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert last == {
        "key": FIRST_TASK,
        "status": "done",
        "version": 2,
        "completed_at": "2026-11-30T08:00:00+00:00",
    }
    assert_first_task_done("GPECT 2027 – exemple curl")
