"""One vocabulary: every stored value has its label, and a state reads the same word on every page."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from gpect_workflow.definitions.model import Gate, Lever
from gpect_workflow.engine.states import Decision, PlanStatus, StageStatus, TaskStatus
from gpect_workflow.formats import long_date
from gpect_workflow.models import Language, OrganisationKind, PersonRole
from gpect_workflow.notifications.render import KINDS as EMAIL_KINDS
from gpect_workflow.services.context import session
from gpect_workflow.services.tasks.changes import change_task_status
from gpect_workflow.vocabulary import LABELS

from .plan_support import Cast, as_, cast_fixture, section, task, text  # noqa: F401


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        ("plan_status", PlanStatus),
        ("stage_status", StageStatus),
        ("task_status", TaskStatus),
        ("task_target", TaskStatus),
        ("decision", Decision),
        ("lever", Lever),
        ("gate", Gate),
        ("organisation_kind", OrganisationKind),
        ("person_role", PersonRole),
        ("language", Language),
    ],
)
def test_every_stored_value_has_a_label(kind: str, values: type[StrEnum]) -> None:
    assert set(LABELS[kind]) == {value.value for value in values}


def test_every_kind_of_email_has_a_label_in_both_languages() -> None:
    """The outbox and the inbox name a message by its kind: each email template's kind has its label, and
    the emails' own list of kinds (``_phrases.txt``, which the administrators' notices use) names it too."""
    emails = Path(__file__).parents[2] / "templates" / "gpect_workflow" / "emails"
    for language in ("en", "fr"):
        kinds = {path.name.split(".")[0] for path in (emails / language).glob("*.subject.txt")}
        assert set(LABELS["message_kind"]) == kinds == set(EMAIL_KINDS), language
        phrases = (emails / language / "_phrases.txt").read_text(encoding="utf-8")
        assert [kind for kind in sorted(kinds) if f'"{kind}":' not in phrases] == [], language


def test_an_active_plan_reads_the_same_word_on_the_dashboard_and_its_page(client: FlaskClient, cast: Cast) -> None:
    reader = as_(client, cast.lead)
    dashboard = section(text(reader.get("/")), "plans-title")
    page = section(text(reader.get(f"/plans/{cast.plan.id}")), "facts-title")
    assert 'plan-status-active">active</span>' in dashboard
    assert "<dd>active</dd>" in page
    assert "under way" not in dashboard + page


def test_counts_agree_with_their_number_in_french(client: FlaskClient, cast: Cast) -> None:
    cast.lead.language = Language.FR
    reader = as_(client, cast.lead)
    change_task_status(cast.lead, task(cast.plan, "inventory-existing-studies").id, TaskStatus.DONE)
    session().commit()
    one = section(text(reader.get(f"/plans/{cast.plan.id}")), "facts-title")
    assert "1 tâche terminée sur 15" in one and "tâches terminées" not in one
    change_task_status(cast.lead, task(cast.plan, "employment-data").id, TaskStatus.DONE)
    session().commit()
    two = section(text(reader.get(f"/plans/{cast.plan.id}")), "facts-title")
    assert "2 tâches terminées sur 15" in two


def test_french_pages_write_the_first_of_the_month_as_an_ordinal(client: FlaskClient, cast: Cast) -> None:
    cast.lead.language = Language.FR
    session().commit()
    facts = section(text(as_(client, cast.lead).get(f"/plans/{cast.plan.id}")), "facts-title")
    assert "1er décembre 2026" in facts


@pytest.mark.parametrize(
    ("day", "language", "written"),
    [
        (date(2026, 11, 1), "fr", "1er novembre 2026"),
        (date(2026, 11, 2), "fr", "2 novembre 2026"),
        (date(2026, 11, 11), "fr", "11 novembre 2026"),
        (date(2026, 11, 1), "en", "1 November 2026"),
    ],
)
def test_long_dates_in_pages_and_emails(day: date, language: str, written: str) -> None:
    assert long_date(day, language) == written
