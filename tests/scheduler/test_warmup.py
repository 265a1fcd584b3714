"""A scheduler prepares its first pass as it starts: email templates compiled, definitions read."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from flask import Flask

from gpect_workflow.engine.calendar import calendar_for
from gpect_workflow.notifications import render
from gpect_workflow.scheduler.runner import start_embedded, stop_embedded
from gpect_workflow.scheduler.warmup import warm_up, warm_up_logged
from gpect_workflow.services.context import state
from gpect_workflow.services.definitions import list_definition_records
from tests.test_extension import build_host


def _email_templates() -> list[str]:
    environment = render._environment()
    return [name for name in environment.list_templates() if name.startswith(render.EMAIL_TEMPLATES)]


def _compiled() -> set[str]:
    """The names of the templates in the email environment's cache (its keys are ``(loader, name)``)."""
    return {key[1] for key in render._environment().cache}  # type: ignore[union-attr]


def test_warm_up_compiles_every_email_template_and_keeps_every_definition(app: Flask, definitions: None) -> None:
    render._environment().cache.clear()  # type: ignore[union-attr]
    state().definitions.clear()
    calendar_for.cache_clear()

    report = warm_up()

    names = _email_templates()
    assert len(names) >= len(render.KINDS) * len(render.LANGUAGES) * 3, "each kind's subject, text and HTML"
    assert report.templates == len(names) and set(names) <= _compiled()
    registered = {(record.key, record.version) for record in list_definition_records()}
    assert registered and set(state().definitions) == registered and report.definitions == len(registered)
    assert report.calendars >= 1 and calendar_for.cache_info().currsize == report.calendars
    assert f"{len(names)} email templates compiled" in str(report)


def test_a_pass_after_the_warm_up_compiles_no_template(app: Flask, definitions: None) -> None:
    warm_up()
    before = _compiled()
    for kind in ("reminder", "stage_opened", "committee_digest"):
        for language in render.LANGUAGES:
            render._environment().get_template(f"{render.EMAIL_TEMPLATES}{language}/{kind}.html")
    assert _compiled() == before


def test_the_embedded_scheduler_warms_up_in_its_own_thread(
    tmp_path: Path, database_url: str, definitions: None, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.conftest import make_app

    served = make_app(database_url, SCHEDULER_INTERVAL_SECONDS=3600)
    served.instance_path = str(tmp_path)
    caplog.set_level(logging.INFO, logger="gpect_workflow.scheduler.warmup")
    scheduler = start_embedded(served)
    assert scheduler is not None
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "scheduler ready" not in caplog.text:
            time.sleep(0.05)
    finally:
        stop_embedded(served, scheduler)
    assert "GPECT scheduler ready" in caplog.text and "email templates compiled" in caplog.text
    # (``flask gpect scheduler`` prepares before its first pass: ``test_scheduler_command_runs_passes_until_stopped``.)


def test_a_broken_template_is_logged_and_left_to_the_passes(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A host's override that does not compile must not stop the scheduler: the pass that renders it reports it."""
    templates = tmp_path / "templates"
    broken = templates / "gpect_workflow" / "emails" / "fr" / "reminder.subject.txt"
    broken.parent.mkdir(parents=True)
    broken.write_text("{% if %}Rappel", encoding="utf-8")
    host, _ = build_host(tmp_path, templates)
    caplog.set_level(logging.INFO, logger="gpect_workflow.scheduler.warmup")
    with host.app_context():
        warm_up_logged()
    failure = next(record for record in caplog.records if record.levelno == logging.ERROR)
    assert "could not prepare its first pass" in failure.getMessage()
    assert failure.exc_info is not None and "reminder.subject.txt" in str(failure.exc_info[1].filename)  # type: ignore[union-attr]
