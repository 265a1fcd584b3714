"""The ``flask gpect`` commands, run through Flask's CLI runner against the test database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from gpect_workflow.definitions.json_schema import workflow_json_schema
from gpect_workflow.models import DefinitionRecord, Person, PersonRole, Plan
from gpect_workflow.services.context import session
from gpect_workflow.validation import EMAIL_MESSAGE

from .conftest import REPO, WORKFLOWS

DATA = Path(__file__).resolve().parent / "data"


def test_validate_shipped_definitions_exits_0(runner: FlaskCliRunner) -> None:
    files = sorted(str(path) for path in WORKFLOWS.glob("*.yaml"))
    result = runner.invoke(args=["gpect", "workflows", "validate", *files])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def test_validate_defaults_to_configured_folders(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["gpect", "workflows", "validate"])
    assert result.exit_code == 0
    assert "gpect-five-levers v1" in result.stderr


def test_validate_bad_file_exits_1_with_one_line_per_error(runner: FlaskCliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = (WORKFLOWS / "gpect-five-levers.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("lever: adapt", "lever: adjust").replace("owner: region", "owner: regoin", 1))
    result = runner.invoke(args=["gpect", "workflows", "validate", str(bad)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert all(line.startswith(f"{bad}:") for line in lines)
    assert any("stages[2].lever: must be one of" in line for line in lines)
    assert any("owner: unknown role 'regoin'" in line for line in lines)


def test_validate_from_a_shell_as_the_readme_says() -> None:
    files = sorted(str(path) for path in WORKFLOWS.glob("*.yaml"))
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "gpect", "workflows", "validate", *files]
    env = {"PATH": "/usr/bin:/bin", "GPECT_SECRET_KEY": "x" * 40, "GPECT_SQLALCHEMY_DATABASE_URI": "sqlite://"}
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    bad = subprocess.run(
        [*command[: -len(files)], str(DATA / "bad-many.yaml")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1
    assert all("bad-many.yaml:" in line for line in bad.stdout.splitlines())


def test_register_and_list(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["gpect", "workflows", "register"])
    assert result.exit_code == 0, result.output
    assert "gpect-five-levers v1: registered" in result.output
    again = runner.invoke(args=["gpect", "workflows", "register"])
    assert "gpect-five-levers v1: unchanged" in again.output
    listing = runner.invoke(args=["gpect", "workflows", "list"])
    assert listing.exit_code == 0
    assert "gpect-five-levers" in listing.output and "(registered)" in listing.output
    assert session().scalar(sa.select(sa.func.count()).select_from(DefinitionRecord)) == 5


def test_schema_command_prints_the_committed_schema(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["gpect", "workflows", "schema"])
    assert result.exit_code == 0
    assert json.loads(result.output) == workflow_json_schema()
    committed = json.loads((REPO / "docs" / "workflow-definition.schema.json").read_text(encoding="utf-8"))
    assert committed == workflow_json_schema()


def test_users_create(runner: FlaskCliRunner) -> None:
    args = [
        "gpect",
        "users",
        "create",
        "Chef@Example.org",
        "--role",
        "lead",
        "--name",
        "Chef",
        "--password",
        "long-password-1",
    ]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    person = session().scalar(sa.select(Person).where(Person.email == "chef@example.org"))
    assert person is not None and person.role is PersonRole.LEAD and person.password_hash
    assert "long-password-1" not in person.password_hash
    duplicate = runner.invoke(args=args)
    assert duplicate.exit_code == 1
    assert "already has an account" in duplicate.output
    weak = runner.invoke(args=["gpect", "users", "create", "x@example.org", "--role", "admin", "--password", "short"])
    assert weak.exit_code == 1 and "at least 10 characters" in weak.output


@pytest.mark.parametrize(
    "email", ["victim@example.org\r\nbcc:x@y.org", "root@localhost", "a@" + "é" * 64 + ".fr", "admin@gpect.local"]
)
def test_users_create_refuses_an_address_the_sender_could_not_use(runner: FlaskCliRunner, email: str) -> None:
    result = runner.invoke(args=["gpect", "users", "create", email, "--role", "admin", "--name", "Root"])
    assert result.exit_code == 1
    assert f"email: {EMAIL_MESSAGE}" in result.output
    assert session().scalar(sa.select(sa.func.count()).select_from(Person)) == 0


def test_token_commands_name_an_address_without_an_account(runner: FlaskCliRunner) -> None:
    for args in (["create", "nobody@example.org"], ["list", "not an address"], ["revoke", "x@y.local", "1"]):
        result = runner.invoke(args=["gpect", "tokens", *args])
        assert result.exit_code == 1 and f"no account for {args[1]!r}" in result.output, result.output


def test_demo_is_idempotent(app: Flask, runner: FlaskCliRunner) -> None:
    first = runner.invoke(args=["gpect", "demo"])
    assert first.exit_code == 0, first.output
    counts = _counts()
    second = runner.invoke(args=["gpect", "demo"])
    assert second.exit_code == 0, second.output
    assert "already there" in second.output
    assert _counts() == counts
    assert counts["plans"] == 5


def _counts() -> dict[str, int]:
    from gpect_workflow.models import Event, Organisation, Task, Territory

    models = {
        "plans": Plan,
        "people": Person,
        "organisations": Organisation,
        "territories": Territory,
        "tasks": Task,
        "events": Event,
    }
    return {name: int(session().scalar(sa.select(sa.func.count()).select_from(m)) or 0) for name, m in models.items()}


def test_tokens_create_list_revoke(app: Flask, runner: FlaskCliRunner, client: Any) -> None:
    runner.invoke(args=["gpect", "users", "create", "api@example.org", "--role", "lead"])
    created = runner.invoke(args=["gpect", "tokens", "create", "api@example.org", "--name", "SI partenaire"])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("gpect_")
    assert client.get("/api/v1/workflows", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listing = runner.invoke(args=["gpect", "tokens", "list", "api@example.org"])
    assert "SI partenaire" in listing.output and "active" in listing.output and token not in listing.output
    token_id = listing.output.split()[0]
    assert runner.invoke(args=["gpect", "tokens", "revoke", "api@example.org", token_id]).exit_code == 0
    assert client.get("/api/v1/workflows", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert "revoked" in runner.invoke(args=["gpect", "tokens", "list", "api@example.org"]).output
