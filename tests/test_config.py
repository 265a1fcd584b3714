"""Configuration: prefixed environment variables, defaults, and start-up validation naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from gpect_workflow import GpectWorkflow, create_app
from gpect_workflow.config import SETTINGS
from gpect_workflow.errors import ConfigurationError

from .conftest import TEST_SECRET_KEY


def production_app(tmp_path: Path, **config: object) -> Flask:
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}", **config})


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GPECT_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY: is not set"):
        production_app(tmp_path, SECRET_KEY_FILE=str(tmp_path / "missing"))


@pytest.mark.parametrize(
    ("secret", "reason"),
    [("dev", "well-known development value"), ("changeme", "well-known"), ("short-but-unique", "too short")],
)
def test_production_refuses_weak_secret_keys(tmp_path: Path, secret: str, reason: str) -> None:
    with pytest.raises(ConfigurationError, match=f"SECRET_KEY: .*{reason}"):
        production_app(tmp_path, SECRET_KEY=secret)


def test_production_starts_with_a_real_secret(tmp_path: Path) -> None:
    app = production_app(tmp_path, SECRET_KEY=TEST_SECRET_KEY)
    assert not app.testing and not app.debug


def test_secret_key_file_is_read(tmp_path: Path) -> None:
    key_file = tmp_path / "secret_key"
    key_file.write_text(TEST_SECRET_KEY + "\n")
    app = production_app(tmp_path, SECRET_KEY_FILE=str(key_file))
    assert app.config["SECRET_KEY"] == TEST_SECRET_KEY


def test_testing_and_debug_may_run_without_secret(tmp_path: Path) -> None:
    app = Flask("bare")
    app.config.update(TESTING=True, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'b.sqlite3'}")
    GpectWorkflow(app)
    assert "gpect_workflow" in app.extensions


def test_environment_variables_with_the_gpect_prefix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GPECT_SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("GPECT_DEFAULT_TIMEZONE", "Europe/Brussels")
    monkeypatch.setenv("GPECT_PAGE_SIZE", "40")
    monkeypatch.setenv("GPECT_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    app = create_app()
    assert app.config["SECRET_KEY"] == TEST_SECRET_KEY
    assert app.config["DEFAULT_TIMEZONE"] == "Europe/Brussels"
    assert app.config["PAGE_SIZE"] == 40
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.sqlite3")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("DEFAULT_TIMEZONE", "Europe/Atlantis", "DEFAULT_TIMEZONE: unknown time zone"),
        ("DEFAULT_TIMEZONE", "posixrules", "DEFAULT_TIMEZONE: unknown time zone"),
        ("DEFAULT_TIMEZONE", "Europe/Paris ", "DEFAULT_TIMEZONE: unknown time zone"),
        ("DEFAULT_TIMEZONE", 0, "DEFAULT_TIMEZONE: unknown time zone"),
        ("DEFAULT_LANGUAGE", "de", "DEFAULT_LANGUAGE: must be fr or en"),
        ("REMINDER_SEND_HOUR", "8h30", "REMINDER_SEND_HOUR: must be a local time HH:MM"),
        ("BASE_URL", "gpect.example.org", "BASE_URL: must be an absolute http"),
        ("URL_PREFIX", "gpect/", "URL_PREFIX: must be empty or a path"),
        ("PAGE_SIZE", 0, "PAGE_SIZE: must be a positive whole number"),
        ("WORKFLOWS_DIRS", 3, "WORKFLOWS_DIRS: must be a list of folders"),
    ],
)
def test_bad_values_are_named(tmp_path: Path, key: str, value: object, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'c.sqlite3'}", key: value})


def test_every_bad_key_is_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as error:
        production_app(tmp_path, SECRET_KEY="dev", DEFAULT_LANGUAGE="it", PAGE_SIZE=-1)
    text = str(error.value)
    assert "SECRET_KEY" in text and "DEFAULT_LANGUAGE" in text and "PAGE_SIZE" in text


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"GPECT_{setting.name}" in readme, f"GPECT_{setting.name} is not in the README"
    for flask_key in ("GPECT_SECRET_KEY", "GPECT_SQLALCHEMY_DATABASE_URI"):
        assert flask_key in readme


@pytest.mark.parametrize(
    "sender",
    [
        "GPECT Workflow <no-reply@gpect.local>",  # the shipped default
        "no-reply@localhost",
        "GPECT <gpect@mairie.test>",
        "GPECT <no-reply@intranet>",
        "GPECT <no-reply@gpect.LOCAL.>",
    ],
)
def test_production_sending_through_a_relay_refuses_a_sender_no_relay_delivers(tmp_path: Path, sender: str) -> None:
    """Every reminder would be refused or junked by the partners' servers: the app does not start."""
    with pytest.raises(ConfigurationError, match=r"MAIL_DEFAULT_SENDER: .* is not an address mail can come from"):
        production_app(tmp_path, SECRET_KEY=TEST_SECRET_KEY, MAIL_SERVER="smtp.example.org", MAIL_DEFAULT_SENDER=sender)


def test_the_placeholder_sender_is_fine_without_a_relay_or_in_development(tmp_path: Path) -> None:
    """Without ``MAIL_SERVER`` emails are captured in the outbox; debug and tests may send from anything."""
    assert production_app(tmp_path, SECRET_KEY=TEST_SECRET_KEY).config["MAIL_DEFAULT_SENDER"].endswith("gpect.local>")
    debug = production_app(tmp_path, DEBUG=True, MAIL_SERVER="127.0.0.1", MAIL_DEFAULT_SENDER="x@gpect.local")
    assert debug.debug
    real = production_app(
        tmp_path,
        SECRET_KEY=TEST_SECRET_KEY,
        MAIL_SERVER="smtp.example.org",
        MAIL_DEFAULT_SENDER="GPECT <no-reply@mairie-chartres.fr>",
    )
    assert real.config["MAIL_DEFAULT_SENDER"] == "GPECT <no-reply@mairie-chartres.fr>"
