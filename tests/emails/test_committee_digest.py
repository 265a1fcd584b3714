"""The steering committee digest: its templates against reviewed snapshots, who gets it, when, once.

Snapshots live beside the other emails' in ``tests/snapshots/emails/<language>/committee_digest[-variant].*``;
regenerate them with ``GPECT_UPDATE_SNAPSHOTS=1`` after a deliberate change, and review the diff.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask

from gpect_workflow import create_app
from gpect_workflow.clock import FrozenClock
from gpect_workflow.definitions.model import IndicatorDirection
from gpect_workflow.errors import ConfigurationError
from gpect_workflow.models import (
    Indicator,
    Language,
    Measurement,
    OrganisationKind,
    OutboxMessage,
    OutboxStatus,
    Person,
    PersonRole,
    Plan,
    PlanStage,
    PlanStatus,
    RoleAssignment,
    RoleAssignmentMember,
    Task,
    TaskStatus,
)
from gpect_workflow.notifications import committee_digest
from gpect_workflow.notifications.committee_digest import (
    committee_digest_messages,
    digest_occurrence,
    format_quantity,
    occurrences_by_zone,
)
from gpect_workflow.notifications.outbox import enqueue
from gpect_workflow.notifications.render import KINDS, LANGUAGES, RenderedEmail, render_email
from gpect_workflow.scheduler.jobs import tick
from gpect_workflow.services.context import now, session
from gpect_workflow.services.definitions import register_definitions
from gpect_workflow.services.partners.organisations import ensure_organisation, ensure_territory
from gpect_workflow.services.partners.people import create_person
from gpect_workflow.services.plans.starting import PlanRequest, RoleMapping, start_plan
from gpect_workflow.services.tasks.changes import change_task_status
from gpect_workflow.state import EXTENSION_NAME
from tests.conftest import WORKFLOWS
from tests.plan_helpers import map_every_role
from tests.query_count import count_queries
from tests.smtp_server import SmtpServer

SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots" / "emails"
UPDATE = os.environ.get("GPECT_UPDATE_SNAPSHOTS") == "1"
APP_URL = "http://gpect.test/"
PARIS = ZoneInfo("Europe/Paris")
TORONTO = ZoneInfo("America/Toronto")
KIND = "committee_digest"

# ----------------------------------------------------------------------------------------------------------------
# Templates
# ----------------------------------------------------------------------------------------------------------------

WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "plan": "Agents de fabrication cosmétique 2027",
        "plan2": "Maintenance industrielle dans le Giennois",
        "plan3": "Ambition Industrie",
        "stage": "Qualifier les besoins des entreprises",
        "stage2": "Construire la formation",
        "indicator": "Taux d'accès à l'emploi",
        "indicator2": "Budget de la formation continue",
        "indicator3": "Partenaires impliqués",
    },
    "en": {
        "plan": "Cosmetics production operators 2027",
        "plan2": "Industrial maintenance in the Gien area",
        "plan3": "Ambition Industrie",
        "stage": "Qualify the companies' needs",
        "stage2": "Build the course",
        "indicator": "Access to employment",
        "indicator2": "Continuing-training budget",
        "indicator3": "Partners involved",
    },
}


def plan_url(number: int) -> str:
    return f"http://gpect.test/plans/{number}"


def reason(kind: str, **values: Any) -> SimpleNamespace:
    defaults = {"count": 0, "days": 0, "stage_title": None, "planned_end": None, "indicator_title": None}
    return SimpleNamespace(kind=kind, **(defaults | {"organisations": ()} | values))


def context(language: str, variant: str) -> dict[str, Any]:
    """The template context of a snapshot, for Marie Dupont of the Préfecture."""
    w = WORDS[language]
    base: dict[str, Any] = {
        "recipient": SimpleNamespace(name="Marie Dupont", email="marie.dupont@example.org"),
        "app_url": APP_URL,
        "late_threshold": 7,
        "period": "weekly",
        "truncated": False,
        "gates": [],
        "off_track": [],
        "indicators": [],
    }
    percent = ("42\u00a0%", "57\u00a0%") if language == "fr" else ("42%", "57%")
    euros = ("131\u202f500 euros", "120\u202f000 euros") if language == "fr" else ("131,500 euros", "120,000 euros")
    if variant == "weekly":
        late = (SimpleNamespace(name="France Travail Chartres", count=2, max_days_late=12),)
        late += (SimpleNamespace(name=None, count=1, max_days_late=9),)
        return base | {
            "gates": [
                SimpleNamespace(
                    plan_name=w["plan"],
                    territory="Agglomération chartraine",
                    stage_title=w["stage"],
                    since=date(2026, 11, 30),
                    days_waiting=8,
                    plan_url=plan_url(12),
                ),
                SimpleNamespace(
                    plan_name=w["plan3"],
                    territory="Département de l'Indre",
                    stage_title=w["stage2"],
                    since=None,
                    days_waiting=None,
                    plan_url=plan_url(14),
                ),
            ],
            "off_track": [
                SimpleNamespace(
                    plan_name=w["plan"],
                    territory="Agglomération chartraine",
                    plan_url=plan_url(12),
                    stage_title=w["stage"],
                    percent_done=45,
                    reasons=(
                        reason("tasks_late", count=3, days=12, organisations=late),
                        reason("indicator_below_target", indicator_title=w["indicator"]),
                    ),
                ),
                SimpleNamespace(
                    plan_name=w["plan2"],
                    territory="Giennois",
                    plan_url=plan_url(13),
                    stage_title=w["stage2"],
                    percent_done=70,
                    reasons=(
                        reason("stage_past_end", days=5, stage_title=w["stage2"], planned_end=date(2026, 12, 3)),
                        reason("indicator_below_target", indicator_title=w["indicator2"]),
                    ),
                ),
            ],
            "indicators": [
                SimpleNamespace(
                    plan_name=w["plan"],
                    title=w["indicator"],
                    value=percent[0],
                    target="≥ " + percent[1],
                    measured_on=date(2026, 12, 1),
                    plan_url=plan_url(12),
                ),
                SimpleNamespace(
                    plan_name=w["plan2"],
                    title=w["indicator2"],
                    value=euros[0],
                    target="≤ " + euros[1],
                    measured_on=None,
                    plan_url=plan_url(13),
                ),
            ],
        }
    if variant == "daily-gate":
        return base | {
            "period": "daily",
            "gates": [
                SimpleNamespace(
                    plan_name=w["plan2"],
                    territory="Giennois",
                    stage_title=w["stage"],
                    since=date(2026, 12, 8),
                    days_waiting=0,
                    plan_url=plan_url(13),
                )
            ],
        }
    assert variant == "truncated"
    return base | {
        "truncated": True,
        "off_track": [
            SimpleNamespace(
                plan_name=w["plan3"],
                territory="Département de l'Indre",
                plan_url=plan_url(14),
                stage_title=None,
                percent_done=0,
                reasons=(
                    reason(
                        "tasks_late",
                        count=1,
                        days=8,
                        organisations=(SimpleNamespace(name="Région Centre-Val de Loire", count=1, max_days_late=8),),
                    ),
                    reason("stage_past_end", days=1, stage_title=w["stage"], planned_end=date(2026, 12, 7)),
                ),
            )
        ],
        "indicators": [
            SimpleNamespace(
                plan_name=w["plan3"],
                title=w["indicator3"],
                value="1",
                target="8",
                direction="increase",
                measured_on=date(2026, 12, 1),
                plan_url=plan_url(14),
            )
        ],
    }


VARIANTS = ("weekly", "daily-gate", "truncated")
CASES = [(language, variant) for language in LANGUAGES for variant in VARIANTS]
CASE_IDS = [f"{language}-{variant}" for language, variant in CASES]


def render(language: str, variant: str) -> RenderedEmail:
    return render_email(KIND, language, **context(language, variant))


def test_the_kind_is_registered() -> None:
    """test_email_snapshots.py leaves this kind to this module (OWN_MODULE_KINDS)."""
    assert KIND in KINDS


@pytest.mark.parametrize(("language", "variant"), CASES, ids=CASE_IDS)
def test_snapshot(app: Flask, language: str, variant: str) -> None:
    email = render(language, variant)
    parts = {"subject.txt": email.subject + "\n", "txt": email.text, "html": email.html}
    folder, name = SNAPSHOTS / language, f"{KIND}-{variant}"
    if UPDATE:
        folder.mkdir(parents=True, exist_ok=True)
        for suffix, content in parts.items():
            (folder / f"{name}.{suffix}").write_text(content, encoding="utf-8")
        return
    for suffix, content in parts.items():
        path = folder / f"{name}.{suffix}"
        assert path.exists(), f"no snapshot {path}: run with GPECT_UPDATE_SNAPSHOTS=1 and review it"
        assert content == path.read_text(encoding="utf-8"), f"{path} differs from the rendering"


class Html(HTMLParser):
    """Checks that elements nest and close, and records the document's language, headings and links."""

    VOID = frozenset({"br", "meta", "hr", "img", "input", "link"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.lang: str | None = None
        self.h1 = 0
        self.links: list[tuple[str, str]] = []
        self._label: list[str] | None = None
        self._href = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.lang = attributes.get("lang", self.lang) if tag == "html" else self.lang
        self.h1 += tag == "h1"
        if tag in ("img", "script", "style", "link", "iframe"):
            self.errors.append(f"<{tag}> in an email")
        if tag == "a":
            self._label, self._href = [], attributes.get("href") or ""
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()
        if tag == "a" and self._label is not None:
            self.links.append((self._href, " ".join("".join(self._label).split())))
            self._label = None

    def handle_data(self, data: str) -> None:
        if self._label is not None:
            self._label.append(data)


FOREIGN_WORDS = {
    "fr": ["Hello", "Open", "Review", "Stage", "task", "tasks", "digest", "committee", "plans off track", "Target"],
    "en": ["Bonjour", "retard", "tâche", "étape", "Ouvrir", "récapitulatif", "comité", "Cible", "Examiner"],
}


@pytest.mark.parametrize(("language", "variant"), CASES, ids=CASE_IDS)
def test_email_is_complete_well_formed_and_in_one_language(app: Flask, language: str, variant: str) -> None:
    email, values = render(language, variant), context(language, variant)
    for part in (email.subject, email.text, email.html):
        for leftover in ("{{", "}}", "{%", "%}", "{#", "#}", "None", "Undefined"):
            assert leftover not in part
        for word in FOREIGN_WORDS[language]:
            assert not re.search(rf"(?<![\w/-]){re.escape(word)}(?![\w/-])", part, re.IGNORECASE), word
    assert "\n" not in email.subject and 0 < len(email.subject) < 120
    assert "\n\n\n" not in email.text and all(line == line.rstrip() for line in email.text.splitlines())
    html = Html()
    html.feed(email.html)
    assert not html.errors and not html.stack, (html.errors, html.stack)
    assert html.lang == language and html.h1 == 1
    assert all(href and label for href, label in html.links)
    assert APP_URL in email.text and APP_URL in email.html
    assert "links/digest" not in email.text, "no link to switch to a digest: this is one"
    urls = {item.plan_url for key in ("gates", "off_track", "indicators") for item in values[key]}
    for url in urls:
        assert re.search(rf"(^|\s){re.escape(url)}$", email.text, re.MULTILINE), f"{url} alone at a line end"
        assert url in {href for href, _ in html.links}
    for part in (email.subject, email.text):
        if language == "fr":
            assert not re.search(r"[^\s\xa0][:;?!](?!//)", part), part
        else:
            assert not re.search(r"\s[:;?!]", part), part


SUBJECTS = {
    (
        "fr",
        "weekly",
    ): "Comité de pilotage\u00a0: 2 décisions attendues, 2 plans à surveiller, 2 indicateurs en retard sur la cible",
    ("fr", "daily-gate"): "Comité de pilotage\u00a0: 1 décision attendue",
    ("fr", "truncated"): "Comité de pilotage\u00a0: 1 plan à surveiller, 1 indicateur en retard sur la cible",
    ("en", "weekly"): "Steering committee: 2 decisions awaited, 2 plans off track, 2 indicators behind target",
    ("en", "daily-gate"): "Steering committee: 1 decision awaited",
    ("en", "truncated"): "Steering committee: 1 plan off track, 1 indicator behind target",
}


@pytest.mark.parametrize(("language", "variant"), CASES, ids=CASE_IDS)
def test_subject_counts_what_waits(app: Flask, language: str, variant: str) -> None:
    assert render(language, variant).subject == SUBJECTS[language, variant]


def test_reasons_and_directions_read_right(app: Flask) -> None:
    french, english = render("fr", "weekly").text, render("en", "weekly").text
    assert (
        "- 3 tâches en retard de plus de 7 jours (jusqu'à 12 jours)\u00a0: "
        "France Travail Chartres (2), organisation inconnue (1)"
    ) in french
    assert (
        "- l'étape «\u00a0Construire la formation\u00a0» devait s'achever le 3 décembre 2026 (il y a 5 jours)" in french
    )
    assert "Cible\u00a0: ≥ 57\u00a0%" in french and "Cible\u00a0: ≤ 120\u202f000 euros" in french
    assert (
        "- 3 tasks more than 7 days late (up to 12 days): France Travail Chartres (2), organisation not known (1)"
    ) in english
    assert "- the “Build the course” stage was planned to end on 3 December 2026 (5 days ago)" in english
    assert "Target: ≥ 57%" in english and "Target: ≤ 120,000 euros" in english
    assert "Only the first plans are listed here" in render("en", "truncated").text
    assert "Only the first plans" not in english


@pytest.mark.parametrize(
    ("value", "unit", "language", "expected"),
    [
        (57.5, "percent", "fr", "57,5\u00a0%"),
        (57.5, "percent", "en", "57.5%"),
        (120000, "euro", "fr", "120\u202f000 euros"),
        (1, "people", "fr", "1 personne"),
        (1.5, "days", "fr", "1,5 jour"),
        (1, "people", "en", "1 person"),
        (14, "people", "en", "14 people"),
        (14, "count", "fr", "14"),
        (2, "hours", "en", "2 hours"),
        (1e30, "euro", "fr", "1E30 euros"),  # stored past the rule: written, not fatal to the digest
        (-2.5e40, "count", "en", "-2.5E40"),
    ],
)
def test_quantities_in_the_reader_language(app: Flask, value: float, unit: str, language: str, expected: str) -> None:
    assert format_quantity(value, unit, language) == expected


# ----------------------------------------------------------------------------------------------------------------
# When it leaves
# ----------------------------------------------------------------------------------------------------------------


def test_occurrences_weekly_daily_and_on_holidays() -> None:
    monday, tuesday, saturday = date(2026, 12, 14), date(2026, 12, 15), date(2026, 12, 19)
    assert digest_occurrence(monday, "weekly", "monday") == monday
    assert digest_occurrence(tuesday, "weekly", "monday") is None
    assert digest_occurrence(date(2026, 12, 16), "weekly", "wednesday") == date(2026, 12, 16)
    assert digest_occurrence(monday, "weekly", "wednesday") is None
    assert digest_occurrence(tuesday, "daily", "monday") == tuesday
    assert digest_occurrence(saturday, "daily", "monday") is None
    assert digest_occurrence(monday, "off", "monday") is None
    # Easter Monday 2027: Tuesday's digest stands for Monday's.
    assert digest_occurrence(date(2027, 3, 29), "weekly", "monday") is None
    assert digest_occurrence(date(2027, 3, 30), "weekly", "monday") == date(2027, 3, 29)
    # Christmas 2026 falls on a Friday: the Friday digest leaves on Monday 28 December.
    assert digest_occurrence(date(2026, 12, 28), "weekly", "friday") == date(2026, 12, 25)
    assert digest_occurrence(date(2026, 12, 28), "weekly", "monday") == date(2026, 12, 28)


def test_zones_reach_their_send_hour_in_turn(app: Flask) -> None:
    window = timedelta(minutes=1)
    at_paris = datetime.combine(date(2026, 12, 14), time(8, 30), PARIS)
    zones = occurrences_by_zone(at_paris - window, at_paris)
    assert zones["Europe/Paris"] == (date(2026, 12, 14), date(2026, 12, 14))
    assert "America/Toronto" not in zones and "Europe/London" not in zones
    at_toronto = datetime.combine(date(2026, 12, 14), time(8, 30), TORONTO)
    assert "America/Toronto" in occurrences_by_zone(at_toronto - window, at_toronto)
    tuesday = at_paris + timedelta(days=1)
    assert occurrences_by_zone(tuesday - window, tuesday) == {}
    app.config["COMMITTEE_DIGEST_FREQUENCY"] = "daily"
    assert "Europe/Paris" in occurrences_by_zone(tuesday - window, tuesday)
    app.config["COMMITTEE_DIGEST_FREQUENCY"] = "off"
    assert occurrences_by_zone(at_paris - window, at_paris) == {}


def test_a_pass_outside_every_send_hour_runs_no_query(app: Flask) -> None:
    quiet = datetime.combine(date(2026, 12, 14), time(10, 0), PARIS)
    with count_queries() as statements:
        assert enqueue(committee_digest_messages(quiet - timedelta(minutes=1), quiet)) == []
    assert statements == []


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("COMMITTEE_DIGEST_FREQUENCY", "monthly", "COMMITTEE_DIGEST_FREQUENCY: must be one of weekly, daily, off"),
        ("COMMITTEE_DIGEST_WEEKDAY", "sunday", "COMMITTEE_DIGEST_WEEKDAY: must be a working day"),
        ("COMMITTEE_DIGEST_WEEKDAY", "Monday", "COMMITTEE_DIGEST_WEEKDAY: must be a working day"),
    ],
)
def test_bad_settings_are_named(tmp_path: Path, key: str, value: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'c.sqlite3'}", key: value})


def test_settings_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GPECT_COMMITTEE_DIGEST_FREQUENCY", "off")
    monkeypatch.setenv("GPECT_COMMITTEE_DIGEST_WEEKDAY", "thursday")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e.sqlite3'}"})
    assert (app.config["COMMITTEE_DIGEST_FREQUENCY"], app.config["COMMITTEE_DIGEST_WEEKDAY"]) == ("off", "thursday")


# ----------------------------------------------------------------------------------------------------------------
# Who gets what, through the tick
# ----------------------------------------------------------------------------------------------------------------


def paris(day: date, hour: int = 8, minute: int = 31) -> datetime:
    return datetime.combine(day, time(hour, minute), PARIS)


MONDAY = date(2026, 12, 14)


class World(SimpleNamespace):
    """The plans and people of the digest scenarios."""


def build_world(clock: FrozenClock) -> World:
    """Three committees on 1 December 2026 plans, as they stand on Monday 14 December.

    - "Chartres" (committee: Marie, John in Toronto, speaking English, an administrator, a deactivated
      member): its first stage waits for a decision since 8 December, an indicator is below its target;
    - "Gien" (committee: Marie): a task 13 days late, its stage past its planned end;
    - "Calme" (committee: Idris): on time, nothing to say; "En pause" (Idris): on hold, late.
    """
    register_definitions([WORKFLOWS])
    territory = ensure_territory("chartres-metropole", "Agglomération chartraine", "28")
    prefecture = ensure_organisation("Préfecture d'Eure-et-Loir", OrganisationKind.STATE_SERVICE, territory)
    house = ensure_organisation("Maison de l'Emploi", OrganisationKind.EMPLOYMENT_HOUSE, territory)

    def person(email: str, role: PersonRole, name: str, **kwargs: Any) -> Person:
        return create_person(email, role, name, organisation=prefecture, **kwargs)

    w = World(
        lead=create_person("lead@example.org", PersonRole.LEAD, "Claire Martin", organisation=house),
        marie=person("marie@example.org", PersonRole.COMMITTEE, "Marie Dupont"),
        john=person(
            "john@example.org", PersonRole.COMMITTEE, "John Smith", language=Language.EN, timezone="America/Toronto"
        ),
        admin_member=person("admin.copil@example.org", PersonRole.ADMIN, "Alain Admin"),
        admin=person("admin@example.org", PersonRole.ADMIN, "Ada Admin"),
        idris=person("idris@example.org", PersonRole.COMMITTEE, "Idris Calme"),
        gone=person("gone@example.org", PersonRole.COMMITTEE, "Gaston Parti"),
    )
    clock.set(paris(date(2026, 11, 30), 9, 0))

    def start(name: str, committee: list[Person]) -> Plan:
        roles = map_every_role("gpect-five-levers", 1, territory.id)
        roles["steering_committee"] = RoleMapping(prefecture.id, [member.id for member in committee])
        request = PlanRequest(
            name, "gpect-five-levers", 1, territory.id, w.lead.id, date(2026, 12, 1), roles, open_now=True
        )
        return start_plan(w.lead, request)

    w.chartres = start("Chartres", [w.marie, w.john, w.admin_member, w.gone])
    w.gien = start("Gien", [w.marie])
    w.calme = start("Calme", [w.idris])
    w.pause = start("En pause", [w.idris])
    w.gone.is_active = False
    partner = session().scalar(sa.select(Person).where(Person.email == "employment-service@partners.example.org"))
    w.partner = partner
    session().commit()
    # Chartres: the lead finishes the first stage on 8 December; 5 partners involved (target 8).
    clock.set(paris(date(2026, 12, 8), 16, 0))
    for item in session().scalars(sa.select(Task).where(Task.plan_id == w.chartres.id).order_by(Task.id).limit(4)):
        change_task_status(w.lead, item.id, TaskStatus.DONE)
    indicator = session().scalar(
        sa.select(Indicator).where(Indicator.plan_id == w.chartres.id, Indicator.key == "partners-involved")
    )
    assert indicator is not None
    session().add(Measurement(indicator_id=indicator.id, value=5, measured_on=date(2026, 12, 7), recorded_dt=now()))
    # Gien: employment data due 1 December, the stage planned to end on 10 December.
    task_of(w.gien, "employment-data").due_date = date(2026, 12, 1)
    stage_of(w.gien, "observe").planned_end_date = date(2026, 12, 10)
    # En pause: late too, but on hold.
    task_of(w.pause, "employment-data").due_date = date(2026, 12, 1)
    session().get(Plan, w.pause.id).status = PlanStatus.ON_HOLD  # type: ignore[union-attr]
    session().commit()
    return w


def task_of(plan: Plan, key: str) -> Task:
    found = session().scalar(sa.select(Task).where(Task.plan_id == plan.id, Task.task_key == key))
    assert found is not None
    return found


def stage_of(plan: Plan, key: str) -> PlanStage:
    found = session().scalar(sa.select(PlanStage).where(PlanStage.plan_id == plan.id, PlanStage.stage_key == key))
    assert found is not None
    return found


def digests() -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).where(OutboxMessage.kind == KIND).order_by(OutboxMessage.id)
    return list(session().scalars(query))


def tick_at(clock: FrozenClock, instant: datetime) -> Any:
    clock.set(instant)
    return tick()


@pytest.fixture
def world(app: Flask, clock: FrozenClock) -> World:
    built = build_world(clock)
    tick_at(clock, paris(date(2026, 12, 13), 12, 0))  # Sunday: the scheduler's first pass
    assert digests() == []
    return built


def test_members_get_one_digest_at_their_local_send_hour(world: World, clock: FrozenClock) -> None:
    tick_at(clock, paris(MONDAY, 8, 29))
    assert digests() == [], "not before the send hour"
    report = tick_at(clock, paris(MONDAY, 8, 31))
    first = digests()
    assert sorted(m.recipient_email for m in first) == ["admin.copil@example.org", "marie@example.org"]
    assert "queued 2 committee digest(s)" in report.lines()
    assert {f"  {m.idempotency_key}" for m in first} <= set(report.lines())
    tick_at(clock, paris(MONDAY, 8, 45))
    tick_at(clock, paris(MONDAY, 14, 29))  # 8:29 in Toronto
    assert len(digests()) == 2
    tick_at(clock, paris(MONDAY, 14, 31))  # 8:31 in Toronto
    assert [m.recipient_email for m in digests()[2:]] == ["john@example.org"]
    tick_at(clock, paris(MONDAY + timedelta(days=1), 8, 31))
    tick_at(clock, paris(MONDAY + timedelta(days=1), 15, 0))
    assert len(digests()) == 3, "weekly: nothing on Tuesday"
    assert {m.idempotency_key for m in digests()} == {
        f"committee_digest:r{person.id}:2026-12-14" for person in (world.marie, world.admin_member, world.john)
    }
    # Nobody else: the lead, a partner, an administrator on no committee, a member with nothing to report
    # (whose other plan is on hold), a deactivated member.
    assert {m.recipient_id for m in digests()} == {world.marie.id, world.admin_member.id, world.john.id}
    tick_at(clock, paris(MONDAY + timedelta(days=7), 8, 31))
    assert len(digests()) == 5, "the next Monday, again (John later in the day)"


def test_two_passes_over_the_same_window_queue_each_digest_once(world: World, clock: FrozenClock) -> None:
    """Two processes that both computed the same window (or a replayed one): the keys keep one row each."""
    since, until = paris(MONDAY, 8, 0), paris(MONDAY, 9, 0)
    clock.set(until)
    first = enqueue(committee_digest_messages(since, until))
    second = enqueue(committee_digest_messages(since, until))
    session().commit()
    assert len(first) == 2 and second == []
    assert len(digests()) == 2
    tick_at(clock, paris(MONDAY, 9, 5))
    tick_at(clock, paris(MONDAY, 9, 5))
    assert len(digests()) == 2


def test_content_in_the_members_language(world: World, clock: FrozenClock) -> None:
    tick_at(clock, paris(MONDAY, 14, 31))
    by_person = {m.recipient_id: m for m in digests()}
    marie, john, admin = by_person[world.marie.id], by_person[world.john.id], by_person[world.admin_member.id]
    chartres_url, gien_url = f"http://gpect.test/plans/{world.chartres.id}", f"http://gpect.test/plans/{world.gien.id}"

    assert (
        marie.subject
        == "Comité de pilotage\u00a0: 1 décision attendue, 2 plans à surveiller, 1 indicateur en retard sur la cible"
    )
    text = marie.body_text
    assert "«\u00a0Chartres\u00a0» (Agglomération chartraine)\nÉtape\u00a0: Observer et analyser\n" in text
    assert "En attente depuis le 8 décembre 2026 (6 jours)\nExaminer l'étape\u00a0: " + chartres_url in text
    assert (
        "- 1 tâche en retard de plus de 7 jours (jusqu'à 13 jours)\u00a0: Organisation employment_service (1)" in text
    )
    assert "- l'étape «\u00a0Observer et analyser\u00a0» devait s'achever le 10 décembre 2026 (il y a 4 jours)" in text
    assert "- indicateur en retard sur la cible\u00a0: «\u00a0Partenaires impliqués\u00a0»" in text
    assert "Dernière valeur\u00a0: 5 (7 décembre 2026)\nCible\u00a0: ≥ 8\nOuvrir le plan\u00a0: " + chartres_url in text
    assert f"Ouvrir le plan\u00a0: {gien_url}" in text
    assert "En pause" not in text and "Calme" not in text
    assert marie.body_html is not None and 'lang="fr"' in marie.body_html and gien_url in marie.body_html

    assert john.subject == "Steering committee: 1 decision awaited, 1 plan off track, 1 indicator behind target"
    assert "Stage: Observe and analyse" in john.body_text and "“Partners involved”" in john.body_text
    assert "Gien" not in john.body_text, "John sits on the Chartres committee only"
    assert "Gien" not in admin.body_text, "an administrator hears of the committees they sit on only"
    assert (marie.plan_id, marie.task_id) == (None, None)


def test_an_indicator_meant_to_go_down_is_behind_its_target_above_it_in_both_languages(
    world: World, clock: FrozenClock
) -> None:
    """The digest lists what the one status rule calls behind target, with the comparison of the direction:
    12 for a target of at most 10 is behind it; 8 for at most 10 is reached and not listed."""
    indicator = session().scalar(
        sa.select(Indicator).where(Indicator.plan_id == world.chartres.id, Indicator.key == "partners-involved")
    )
    assert indicator is not None
    indicator.direction, indicator.target = IndicatorDirection.DECREASE, 10
    session().add(Measurement(indicator_id=indicator.id, value=12, measured_on=date(2026, 12, 9), recorded_dt=now()))
    session().commit()
    tick_at(clock, paris(MONDAY, 14, 31))
    by_person = {m.recipient_id: m for m in digests()}
    marie, john = by_person[world.marie.id].body_text, by_person[world.john.id].body_text
    assert "Dernière valeur\u00a0: 12 (9 décembre 2026)\nCible\u00a0: ≤ 10\n" in marie
    assert "- indicateur en retard sur la cible\u00a0: «\u00a0Partenaires impliqués\u00a0»" in marie
    assert "Latest value: 12 (9 December 2026)\nTarget: ≤ 10\n" in john and "indicator behind target" in john


def test_an_indicator_meant_to_go_down_and_under_its_target_is_not_listed(world: World, clock: FrozenClock) -> None:
    indicator = session().scalar(
        sa.select(Indicator).where(Indicator.plan_id == world.chartres.id, Indicator.key == "partners-involved")
    )
    assert indicator is not None
    indicator.direction, indicator.target = IndicatorDirection.DECREASE, 10
    session().commit()
    tick_at(clock, paris(MONDAY, 14, 31))
    john = next(m for m in digests() if m.recipient_id == world.john.id)
    assert "indicator behind target" not in john.subject and "Partners involved" not in john.body_text


def test_weekday_and_frequency_follow_the_settings(world: World, app: Flask, clock: FrozenClock) -> None:
    def maries() -> list[str]:
        return [m.idempotency_key.rsplit(":", 1)[1] for m in digests() if m.recipient_id == world.marie.id]

    app.config["COMMITTEE_DIGEST_WEEKDAY"] = "wednesday"
    tick_at(clock, paris(MONDAY, 8, 31))
    assert digests() == []
    tick_at(clock, paris(MONDAY + timedelta(days=2), 8, 31))
    assert maries() == ["2026-12-16"]
    app.config["COMMITTEE_DIGEST_FREQUENCY"] = "daily"
    tick_at(clock, paris(MONDAY + timedelta(days=3), 8, 31))
    tick_at(clock, paris(MONDAY + timedelta(days=5), 8, 31))  # Saturday: covers Friday's, none of its own
    assert maries() == ["2026-12-16", "2026-12-17", "2026-12-18"]
    app.config["COMMITTEE_DIGEST_FREQUENCY"] = "off"
    tick_at(clock, paris(MONDAY + timedelta(days=7), 8, 31))
    assert len(maries()) == 3


def test_after_downtime_the_missed_digest_leaves_once(world: World, clock: FrozenClock) -> None:
    tick_at(clock, paris(MONDAY + timedelta(days=2), 10, 0))  # down from Sunday to Wednesday
    assert sorted(m.idempotency_key.rsplit(":", 1)[1] for m in digests()) == ["2026-12-14"] * 3
    tick_at(clock, paris(MONDAY + timedelta(days=24), 10, 0))  # down over three Mondays: the latest only
    days = sorted({m.idempotency_key.rsplit(":", 1)[1] for m in digests()})
    assert days == ["2026-12-14", "2027-01-04"]


def test_dry_run_queues_nothing(world: World, clock: FrozenClock) -> None:
    clock.set(paris(MONDAY, 8, 31))
    report = tick(dry_run=True)
    assert len(report.committee_digests) == 2 and "would queue 2 committee digest(s)" in report.lines()
    assert digests() == []


def test_only_the_first_plans_are_listed(world: World, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(committee_digest, "MAX_PLANS_LISTED", 1)
    tick_at(clock, paris(MONDAY, 8, 31))
    marie = next(m for m in digests() if m.recipient_id == world.marie.id)
    assert "«\u00a0Chartres\u00a0»" in marie.body_text and "«\u00a0Gien\u00a0»" not in marie.body_text
    assert "Seuls les premiers plans figurent ici." in marie.body_text


def test_a_digest_pass_costs_the_same_queries_for_few_and_many_members(world: World, clock: FrozenClock) -> None:
    since, until = paris(MONDAY, 8, 0), paris(MONDAY, 9, 0)
    clock.set(until)
    session().expire_all()
    with count_queries() as few:
        assert len(enqueue(committee_digest_messages(since, until))) == 2
    session().rollback()
    territory = ensure_territory("chartres-metropole", "Agglomération chartraine", "28")
    prefecture = ensure_organisation("Préfecture d'Eure-et-Loir", OrganisationKind.STATE_SERVICE, territory)
    extra = [
        create_person(f"copil{n}@example.org", PersonRole.COMMITTEE, f"Membre {n}", organisation=prefecture)
        for n in range(6)
    ]
    assignment = session().scalar(
        sa.select(RoleAssignment.id).where(
            RoleAssignment.plan_id == world.gien.id, RoleAssignment.role_key == "steering_committee"
        )
    )
    session().add_all(
        RoleAssignmentMember(assignment_id=assignment, plan_id=world.gien.id, person_id=person.id) for person in extra
    )
    session().commit()
    session().expire_all()
    with count_queries() as many:
        assert len(enqueue(committee_digest_messages(since, until))) == 8
    # Definitions, members with their plans, recipients, four for the plans' health, the insertion (on SQLite,
    # one more for the digests' inbox entries: PostgreSQL writes them in the insertion).
    expected = 8 if session().get_bind().dialect.name == "postgresql" else 9
    assert len(few) == len(many) == expected, [len(few), len(many)]


# ----------------------------------------------------------------------------------------------------------------
# Delivered to a real SMTP server
# ----------------------------------------------------------------------------------------------------------------


def test_delivered_through_the_sender(mail_app: Flask, smtp: SmtpServer) -> None:
    clock = mail_app.extensions[EXTENSION_NAME].clock
    assert isinstance(clock, FrozenClock)
    world = build_world(clock)
    tick_at(clock, paris(date(2026, 12, 13), 12, 0))
    tick_at(clock, paris(MONDAY, 8, 31))
    tick_at(clock, paris(MONDAY, 8, 40))
    received = [r for r in smtp.received if r.message["X-GPECT-Kind"] == KIND]
    assert sorted(r.recipients[0] for r in received) == ["admin.copil@example.org", "marie@example.org"]
    marie = next(r for r in received if r.recipients == ["marie@example.org"])
    assert marie.subject.startswith("Comité de pilotage\u00a0: 1 décision attendue")
    assert f"http://gpect.test/plans/{world.gien.id}" in marie.text
    assert 'lang="fr"' in marie.html and "Plans à surveiller" in marie.html
    assert {m.status for m in digests()} == {OutboxStatus.SENT}
    assert len({r.message_id for r in smtp.received}) == len(smtp.received)
