"""Email templates: every kind in French and English against reviewed snapshots, plus checks of their own.

Snapshots live in ``tests/snapshots/emails/<language>/<kind>[-variant].{subject.txt,txt,html}``. After a
deliberate change to a template, regenerate them with ``GPECT_UPDATE_SNAPSHOTS=1`` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from datetime import date, timedelta
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask

from gpect_workflow.notifications.problems import DeliveryProblem
from gpect_workflow.notifications.render import KINDS, LANGUAGES, RenderedEmail, render_email

SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots" / "emails"
UPDATE = os.environ.get("GPECT_UPDATE_SNAPSHOTS") == "1"

APP_URL = "http://gpect.test/"
DIGEST_ONLY_URL = "http://gpect.test/links/digest-only/tok-digest"
#: The day the fixtures are "sent": Tuesday 8 December 2026.
TODAY = date(2026, 12, 8)

#: Fixture wording in each language (proper names, such as territories and organisations, stay French).
WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "plan": "Agents de fabrication cosmétique 2027",
        "task": "Repérer les demandeurs d'emploi aux profils proches",
        "task_description": (
            "Croiser les profils des demandeurs d'emploi du bassin chartrain avec les compétences attendues\n"
            "par les entreprises d'accueil."
        ),
        "task2": "Interroger les adhérents sur leurs besoins en agents de fabrication",
        "task3": "Recenser l'offre de formation existante sur le bassin",
        "task4": "Construire le parcours de formation avec l'organisme retenu",
        "stage": "Qualifier les besoins des entreprises",
        "stage2": "Construire la formation",
        "lever": "Observer et analyser",
        "role": "Service public de l'emploi (France Travail)",
        "role2": "Pôle de compétitivité Cosmetic Valley",
        "role3": "Organisme de formation",
        "plan2": "Maintenance industrielle dans le Giennois",
        "minutes": (
            "Le comité valide l'analyse des besoins : 24 postes d'agents de fabrication à pourvoir d'ici juin 2027.\n"
            "Prochain comité le 17 mars 2027."
        ),
        "rework_minutes": "Le comité demande de compléter l'enquête auprès des entreprises de moins de 50 salariés.",
        "hold_note": "En attendant la décision de financement de la Région, les travaux sont suspendus.",
        "cancel_note": "Les entreprises d'accueil se sont retirées ; le projet sera réexaminé en 2028.",
        "resume_note": "La Région a confirmé son financement.",
        "shift_note": "La réunion des entreprises d'accueil est reportée au 12 janvier.",
        "request_note": "Les fichiers de France Travail nous parviennent la semaine prochaine.",
        "refusal_reason": "Le comité se réunit le 5 janvier\u00a0: l'enquête doit être prête avant.",
        "comment": "Les chiffres de 2025 suffisent-ils ?\nLe tableau est ici : https://example.org/donnees-2025",
        "gate_comment": "Pouvez-vous joindre le compte rendu de l'enquête avant le comité ?",
    },
    "en": {
        "plan": "Cosmetics production operators 2027",
        "task": "Identify job seekers with related profiles",
        "task_description": (
            "Match the profiles of job seekers in the Chartres area with the skills the host companies\nexpect."
        ),
        "task2": "Ask member companies about their production operator needs",
        "task3": "Review the training already offered in the area",
        "task4": "Design the course with the selected training body",
        "stage": "Qualify the companies' needs",
        "stage2": "Build the course",
        "lever": "Observe and analyse",
        "role": "Public employment service (France Travail)",
        "role2": "Cosmetic Valley competitiveness cluster",
        "role3": "Training body",
        "plan2": "Industrial maintenance in the Gien area",
        "minutes": (
            "The committee approves the needs analysis: 24 production operator posts to fill by June 2027.\n"
            "Next committee on 17 March 2027."
        ),
        "rework_minutes": "The committee asks for the survey to cover companies with fewer than 50 employees.",
        "hold_note": "Work is suspended until the regional council decides on the funding.",
        "cancel_note": "The host companies withdrew; the project will be reconsidered in 2028.",
        "resume_note": "The regional council confirmed its funding.",
        "shift_note": "The host companies' meeting is postponed to 12 January.",
        "request_note": "France Travail's files reach us next week.",
        "refusal_reason": "The committee meets on 5 January: the survey must be ready before.",
        "comment": "Will the 2025 figures do?\nThe table is here: https://example.org/data-2025",
        "gate_comment": "Could you attach the survey report before the committee meets?",
    },
}


def url(purpose: str, token: str) -> str:
    return f"http://gpect.test/links/{purpose}/{token}"


def common(language: str, **overrides: Any) -> dict[str, Any]:
    """What every email gets, for Marie Dupont of France Travail on the Chartres plan led by Claire Martin."""
    words = WORDS[language]
    context: dict[str, Any] = {
        "recipient": SimpleNamespace(name="Marie Dupont", email="marie.dupont@example.org"),
        "app_url": APP_URL,
        "digest_only_url": DIGEST_ONLY_URL,
        "plan": SimpleNamespace(
            name=words["plan"],
            territory="Agglomération chartraine",
            lead_name="Claire Martin",
            lead_email="claire.martin@example.org",
        ),
    }
    context.update(overrides)
    return context


def lead() -> SimpleNamespace:
    """The plan lead as a recipient."""
    return SimpleNamespace(name="Claire Martin", email="claire.martin@example.org")


def task(language: str, due: date, *, title: str = "task", description: bool = True) -> SimpleNamespace:
    words = WORDS[language]
    return SimpleNamespace(
        title=words[title],
        description=words["task_description"] if description else None,
        due_date=due,
        stage_title=words["stage"],
        role_title=words["role"],
    )


def reminder(language: str, moment: str, days: int, *, description: bool = True) -> dict[str, Any]:
    due = TODAY + timedelta(days=days if moment == "before" else -days)
    return common(
        language,
        task=task(language, due, description=description),
        moment=moment,
        days_left=days if moment == "before" else 0,
        days_late=days if moment == "late" else 0,
        open_url=url("open-task", "tok-open"),
        done_url=url("mark-done", "tok-done"),
        more_time_url=url("more-time", "tok-more"),
    )


def digest_item(
    language: str, title: str, plan: str, *, left: int = 0, late: int = 0, role: str = "role"
) -> SimpleNamespace:
    item_task = task(language, TODAY + timedelta(days=left - late), title=title, description=False)
    item_task.role_title = WORDS[language][role]
    token = f"tok-{title}"
    return SimpleNamespace(
        task=item_task,
        plan_name=WORDS[language][plan],
        days_left=left,
        days_late=late,
        open_url=url("open-task", token),
        done_url=url("mark-done", token),
        more_time_url=url("more-time", token),
    )


def digest(language: str, period: str) -> dict[str, Any]:
    context = common(language, period=period)
    del context["plan"]
    if period == "daily":
        items = [
            digest_item(language, "task2", "plan", late=5, role="role2"),
            digest_item(language, "task3", "plan2", late=1),
            digest_item(language, "task", "plan"),
            digest_item(language, "task4", "plan2", left=1, role="role3"),
        ]
    else:
        items = [
            digest_item(language, "task", "plan", left=3),
            digest_item(language, "task4", "plan2", left=6, role="role3"),
        ]
    return {**context, "items": items, "overdue_count": sum(1 for item in items if item.days_late)}


def gates(language: str) -> list[SimpleNamespace]:
    """Gates awaiting the committee a digest's reader sits on."""
    words = WORDS[language]
    return [
        SimpleNamespace(plan_name=words["plan"], stage_title=words["stage"], review_url=url("review-gate", "tok-g1")),
        SimpleNamespace(plan_name=words["plan2"], stage_title=words["stage2"], review_url=url("review-gate", "tok-g2")),
    ]


def comments(language: str) -> list[SimpleNamespace]:
    """Comments a digest's reader is told of: on a task of theirs, and on a gate review."""
    words = WORDS[language]
    return [
        SimpleNamespace(
            author_name="Claire Martin",
            body=words["comment"],
            plan_name=words["plan"],
            task_title=words["task"],
            stage_title=words["stage"],
            open_url=url("open-task", "tok-c1"),
        ),
        SimpleNamespace(
            author_name="Hélène Robert",
            body=words["gate_comment"],
            plan_name=words["plan2"],
            task_title=None,
            stage_title=words["stage2"],
            open_url=url("review-gate", "tok-c2"),
        ),
    ]


def cases(language: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """Every snapshot of a language: name -> (kind, context)."""
    words = WORDS[language]

    def shift(title: str, old: date, new: date, token: str) -> SimpleNamespace:
        return SimpleNamespace(title=words[title], old=old, new=new, open_url=url("open-task", token))

    return {
        "reminder-before": ("reminder", reminder(language, "before", 7)),
        "reminder-tomorrow": ("reminder", reminder(language, "before", 1, description=False)),
        "reminder-today": ("reminder", reminder(language, "today", 0)),
        "reminder-late-1": ("reminder", reminder(language, "late", 1)),
        "reminder-late-5": ("reminder", reminder(language, "late", 5, description=False)),
        "escalation": (
            "escalation",
            common(
                language,
                recipient=SimpleNamespace(name="Hélène Robert", email="helene.robert@example.org"),
                task=task(language, date(2026, 11, 30)),
                assignee_name="Marie Dupont",
                assignee_organisation="France Travail",
                days_late=8,
                open_url=url("open-task", "tok-open"),
            ),
        ),
        "escalation-lead": (
            "escalation",
            common(
                language,
                recipient=lead(),
                task=task(language, date(2026, 12, 7), description=False),
                assignee_name="Marie Dupont",
                assignee_organisation=None,
                days_late=1,
                open_url=url("open-task", "tok-open"),
            ),
        ),
        "digest-daily": ("digest", digest(language, "daily")),
        "digest-weekly": ("digest", digest(language, "weekly")),
        "digest-gates": ("digest", {**digest(language, "weekly"), "gates": gates(language)}),
        "digest-gates-only": (
            "digest",
            {**digest(language, "daily"), "items": [], "overdue_count": 0, "gates": gates(language)},
        ),
        "digest-comments": (
            "digest",
            {**digest(language, "weekly"), "gates": gates(language), "comments": comments(language)},
        ),
        "digest-comments-only": (
            "digest",
            {**digest(language, "daily"), "items": [], "overdue_count": 0, "comments": comments(language)[:1]},
        ),
        "comment_added-task": (
            "comment_added",
            common(
                language,
                task=task(language, date(2026, 12, 15), description=False),
                stage_title=words["stage"],
                author_name="Claire Martin",
                author_organisation="Chartres Métropole",
                body=words["comment"],
                open_url=url("open-task", "tok-open"),
            ),
        ),
        "comment_added-gate": (
            "comment_added",
            common(
                language,
                task=None,
                stage_title=words["stage"],
                author_name="Hélène Robert",
                author_organisation=None,
                body=words["gate_comment"],
                open_url=url("review-gate", "tok-g1"),
            ),
        ),
        "stage_opened": (
            "stage_opened",
            common(
                language,
                stage_title=words["stage"],
                lever_title=words["lever"],
                stage_end=date(2027, 1, 22),
                tasks=[
                    SimpleNamespace(title=words["task"], due_date=date(2026, 12, 29), open_url=url("open-task", "a")),
                    SimpleNamespace(title=words["task3"], due_date=date(2027, 1, 15), open_url=url("open-task", "b")),
                ],
            ),
        ),
        "stage_opened-no-tasks": (
            "stage_opened",
            common(
                language,
                stage_title=words["stage2"],
                lever_title=words["lever"],
                stage_end=date(2027, 3, 5),
                tasks=[],
            ),
        ),
        "stage_closed": (
            "stage_closed",
            common(language, stage_title=words["stage"], next_stage_title=words["stage2"]),
        ),
        "stage_closed-last": ("stage_closed", common(language, stage_title=words["stage2"], next_stage_title=None)),
        "gate_awaiting": (
            "gate_awaiting",
            common(language, stage_title=words["stage"], tasks_finished=3, plan_url="http://gpect.test/plans/12"),
        ),
        "gate_decided-approve": (
            "gate_decided",
            common(language, stage_title=words["stage"], decision="approve", minutes=words["minutes"], reopened=[]),
        ),
        "gate_decided-rework": (
            "gate_decided",
            common(
                language,
                stage_title=words["stage"],
                decision="rework",
                minutes=words["rework_minutes"],
                reopened=[
                    SimpleNamespace(title=words["task2"], due_date=date(2027, 1, 22)),
                    SimpleNamespace(title=words["task"], due_date=date(2027, 2, 5)),
                ],
            ),
        ),
        "gate_decided-hold": (
            "gate_decided",
            common(language, stage_title=words["stage"], decision="hold", minutes=None, reopened=[]),
        ),
        "plan_status-on_hold": (
            "plan_status",
            common(language, status="on_hold", note=words["hold_note"], shifted_days=None),
        ),
        "plan_status-resumed": (
            "plan_status",
            common(language, status="resumed", note=words["resume_note"], shifted_days=21),
        ),
        "plan_status-resumed-unshifted": (
            "plan_status",
            common(language, status="resumed", note=None, shifted_days=None),
        ),
        "plan_status-completed": ("plan_status", common(language, status="completed", note=None, shifted_days=None)),
        "plan_status-cancelled": (
            "plan_status",
            common(language, status="cancelled", note=words["cancel_note"], shifted_days=None),
        ),
        "deadline_moved": (
            "deadline_moved",
            common(
                language,
                shifts=[
                    shift("task", date(2026, 12, 15), date(2027, 1, 12), "a"),
                    shift("task3", date(2027, 1, 15), date(2027, 1, 13), "b"),
                ],
                note=words["shift_note"],
            ),
        ),
        "deadline_moved-single": (
            "deadline_moved",
            common(language, shifts=[shift("task", date(2026, 12, 15), date(2026, 12, 16), "a")], note=None),
        ),
        "delay_requested": (
            "delay_requested",
            common(
                language,
                recipient=lead(),
                task=task(language, date(2026, 12, 15)),
                requester_name="Marie Dupont",
                requester_organisation="France Travail",
                asked_date=date(2027, 1, 12),
                reason=words["request_note"],
                open_url="http://gpect.test/tasks/7#delay-requests",
            ),
        ),
        "delay_requested-no-organisation": (
            "delay_requested",
            common(
                language,
                recipient=lead(),
                task=task(language, date(2026, 12, 15), description=False),
                requester_name="Marie Dupont",
                requester_organisation=None,
                asked_date=date(2026, 12, 16),
                reason=words["request_note"],
                open_url="http://gpect.test/tasks/7#delay-requests",
            ),
        ),
        "delay_accepted": (
            "delay_accepted",
            common(
                language,
                task=task(language, date(2027, 1, 12)),
                answered_by="Claire Martin",
                old_date=date(2026, 12, 15),
                moved_others=2,
                note=words["shift_note"],
                open_url=url("open-task", "tok-open"),
            ),
        ),
        "delay_accepted-alone": (
            "delay_accepted",
            common(
                language,
                task=task(language, date(2027, 1, 12)),
                answered_by="Claire Martin",
                old_date=date(2026, 12, 15),
                moved_others=0,
                note=None,
                open_url=url("open-task", "tok-open"),
            ),
        ),
        "delay_refused": (
            "delay_refused",
            common(
                language,
                task=task(language, date(2026, 12, 15)),
                answered_by="Claire Martin",
                asked_date=date(2027, 1, 12),
                reason=words["refusal_reason"],
                open_url=url("open-task", "tok-open"),
            ),
        ),
        "role_assigned": (
            "role_assigned",
            common(
                language,
                role_title=words["role"],
                is_committee=False,
                changed_by="Claire Martin",
                plan_url="http://gpect.test/plans/7",
                tasks=[
                    SimpleNamespace(title=words["task"], due_date=date(2026, 12, 29), open_url=url("open-task", "a")),
                ],
            ),
        ),
        "role_assigned-committee": (
            "role_assigned",
            common(
                language,
                role_title=words["role"],
                is_committee=True,
                changed_by="Claire Martin",
                plan_url="http://gpect.test/plans/7",
                tasks=[],
            ),
        ),
        "login_link": ("login_link", common(language, login_url=url("login", "tok-login"))),
        "password_reset": ("password_reset", common(language, reset_url=url("reset_password", "tok-reset"))),
        "delivery_failures-one": ("delivery_failures", delivery_failures(language, 1, total=1)),
        "delivery_failures-many": ("delivery_failures", delivery_failures(language, 23, total=40)),
        "data_problems": ("data_problems", data_problems(language)),
        "notice_failures-one": ("notice_failures", notice_failures(language, 1)),
        "notice_failures-many": ("notice_failures", notice_failures(language, 23)),
    }


def notice_failures(language: str, count: int) -> dict[str, Any]:
    """The administrators' notice of announcements whose emails could not be written (20 listed at most):
    the kind in the email's language, the plan's name, the error as recorded (not translated)."""
    failed = [
        SimpleNamespace(
            kind="stage_opened", plan_name=WORDS[language]["plan"], detail="LookupError: plan 12 not found"
        ),
        SimpleNamespace(kind="comment_added", plan_name=None, detail="KeyError: 'comment_id'"),
    ]
    context = common(language, recipient=SimpleNamespace(name="Ada Admin", email="admin@example.org"))
    del context["plan"]
    return {
        **context,
        "failures": [failed[n % 2] for n in range(min(count, 20))],
        "count": count,
        "unlisted": max(0, count - 20),
        "outbox_url": f"{APP_URL}outbox#failed-notices",
    }


def data_problems(language: str) -> dict[str, Any]:
    """The administrators' daily notice of stored values a pass left aside: a plan's zone, a person's."""
    context = common(language, recipient=SimpleNamespace(name="Ada Admin", email="admin@example.org"))
    del context["plan"]
    skips = [
        SimpleNamespace(subject="plan", subject_id=12, label=WORDS[language]["plan"], value="Mars/Olympus"),
        SimpleNamespace(subject="person", subject_id=7, label="marie.dupont@example.org", value="Europe/Pariss"),
    ]
    return {**context, "skips": skips, "base_url": APP_URL.rstrip("/")}


def delivery_failures(language: str, count: int, *, total: int) -> dict[str, Any]:
    """The administrators' notice: ``count`` failures of a pass (20 listed at most), ``total`` failed in all.

    Each failure's code is told in the email's language; its detail is what the mail server answered or the
    error, as recorded in the outbox (not translated)."""
    answers = [
        # The sender's detail of a subject that would forge headers: the subject, its line breaks shown.
        (
            "marie.durand@mairie.example.org",
            "reminder",
            DeliveryProblem.SUBJECT_UNUSABLE,
            repr("GPECT 2027\r\nBcc: x@example.org"),
        ),
        (
            "marie.dupont@francetravail.example.org",
            "stage_opened",
            DeliveryProblem.RELAY_REFUSED_RECIPIENT,
            "550 5.1.1 <marie.dupont@...>: user unknown",
        ),
        ("paul.martin@region.example.org", "digest", DeliveryProblem.GAVE_UP_AFTER_RETRIES, "451 4.3.0"),
    ]
    failures = [
        SimpleNamespace(recipient_email=email, kind=kind, problem=problem, detail=detail)
        for email, kind, problem, detail in (answers[n % 3] for n in range(count))
    ]
    context = common(language, recipient=SimpleNamespace(name="Ada Admin", email="admin@example.org"))
    del context["plan"]
    return {
        **context,
        "failures": failures[:20],
        "count": count,
        "unlisted": max(0, count - 20),
        "total_failed": total,
        "outbox_url": f"{APP_URL}outbox?status=failed",
    }


ALL_CASES = [(language, name, *case) for language in LANGUAGES for name, case in cases(language).items()]
CASE_IDS = [f"{language}-{name}" for language, name, _, _ in ALL_CASES]


def render(kind: str, language: str, context: dict[str, Any]) -> RenderedEmail:
    return render_email(kind, language, **context)


#: Kinds snapshot-tested in a module of their own (tests/emails/test_committee_digest.py).
OWN_MODULE_KINDS = frozenset({"committee_digest"})


def test_every_kind_has_a_case_in_every_language() -> None:
    for language in LANGUAGES:
        assert {kind for kind, _ in cases(language).values()} == set(KINDS) - OWN_MODULE_KINDS


@pytest.mark.parametrize(("language", "name", "kind", "context"), ALL_CASES, ids=CASE_IDS)
def test_snapshot(app: Flask, language: str, name: str, kind: str, context: dict[str, Any]) -> None:
    email = render(kind, language, context)
    parts = {"subject.txt": email.subject + "\n", "txt": email.text, "html": email.html}
    folder = SNAPSHOTS / language
    if UPDATE:
        folder.mkdir(parents=True, exist_ok=True)
        for suffix, content in parts.items():
            (folder / f"{name}.{suffix}").write_text(content, encoding="utf-8")
        return
    for suffix, content in parts.items():
        path = folder / f"{name}.{suffix}"
        assert path.exists(), f"no snapshot {path}: run with GPECT_UPDATE_SNAPSHOTS=1 and review it"
        assert content == path.read_text(encoding="utf-8"), f"{path} differs from the rendering"


class StrictHTML(HTMLParser):
    """Checks that elements nest and close properly (void elements aside) and records what it saw."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.html_lang: str | None = None
        self.headings: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.images = 0
        self.styles = 0
        self._link: list[str] | None = None
        self._href = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "html":
            self.html_lang = attributes.get("lang")
        if tag in ("img", "link", "script", "iframe"):
            self.images += 1
        if tag == "style":
            self.styles += 1
        if tag == "a":
            self._link, self._href = [], attributes.get("href") or ""
        if tag in ("h1", "h2", "h3", "h4"):
            self.headings.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.errors.append(f"self-closed <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()
        if tag == "a" and self._link is not None:
            self.links.append((self._href, " ".join("".join(self._link).split())))
            self._link = None

    def handle_data(self, data: str) -> None:
        if self._link is not None:
            self._link.append(data)


def parse(html: str) -> StrictHTML:
    parser = StrictHTML()
    parser.feed(html)
    parser.close()
    assert not parser.errors, parser.errors
    assert not parser.stack, f"unclosed elements: {parser.stack}"
    return parser


@pytest.mark.parametrize(("language", "name", "kind", "context"), ALL_CASES, ids=CASE_IDS)
def test_email_is_complete(app: Flask, language: str, name: str, kind: str, context: dict[str, Any]) -> None:
    email = render(kind, language, context)
    for part in (email.subject, email.text, email.html):
        for leftover in ("{{", "}}", "{%", "%}", "{#", "#}"):
            assert leftover not in part, f"unrendered {leftover!r}"
        assert "None" not in part
        assert "Undefined" not in part
    assert "\n" not in email.subject
    assert 0 < len(email.subject) < 120
    assert email.subject == email.subject.strip()
    assert "http" not in email.subject
    assert "\n\n\n" not in email.text, "no runs of blank lines in the text part"
    assert not any(line != line.rstrip() for line in email.text.splitlines()), "no trailing spaces"

    html = parse(email.html)
    assert html.html_lang == language
    assert email.html.lstrip().lower().startswith("<!doctype html>")
    assert html.headings.count("h1") == 1
    assert html.images == 0, "no images, external sheets, scripts or frames"
    assert html.styles == 0, "inline styles only"
    assert all(href and label for href, label in html.links), "every link has an address and a label"
    assert APP_URL in email.text
    assert APP_URL in email.html

    if kind in ("digest", "login_link", "password_reset", "delivery_failures", "data_problems", "notice_failures"):
        # The digest's footer points back to immediate reminders in the preferences (app_url), not to itself;
        # a sign-in link, or a notice to the administrators, is no notification to turn into a digest.
        assert DIGEST_ONLY_URL not in email.text
        assert DIGEST_ONLY_URL not in email.html
    else:
        assert DIGEST_ONLY_URL in email.text
        assert DIGEST_ONLY_URL in email.html


def links_of(context: dict[str, Any], kind: str) -> list[str]:
    if kind == "reminder":
        return [context["open_url"], context["done_url"], context["more_time_url"]]
    if kind == "digest":
        return [u for item in context["items"] for u in (item.open_url, item.done_url, item.more_time_url)]
    return []


@pytest.mark.parametrize(("language", "name", "kind", "context"), ALL_CASES, ids=CASE_IDS)
def test_task_links_are_explicit_in_text_and_buttons_in_html(
    app: Flask, language: str, name: str, kind: str, context: dict[str, Any]
) -> None:
    email = render(kind, language, context)
    buttons = {href for href, _ in parse(email.html).links}
    for link in links_of(context, kind):
        assert re.search(rf"(^|\s){re.escape(link)}$", email.text, re.MULTILINE), f"{link} alone at a line end"
        assert link in buttons


REMINDER_SUBJECTS = {
    "fr": {
        "reminder-before": (
            "Rappel\u00a0: «\u00a0Repérer les demandeurs d'emploi aux profils proches\u00a0» à rendre dans 7 jours"
        ),
        "reminder-tomorrow": (
            "Rappel\u00a0: «\u00a0Repérer les demandeurs d'emploi aux profils proches\u00a0» à rendre demain"
        ),
        "reminder-today": (
            "Rappel\u00a0: «\u00a0Repérer les demandeurs d'emploi aux profils proches\u00a0» à rendre aujourd'hui"
        ),
        "reminder-late-1": (
            "En retard\u00a0: «\u00a0Repérer les demandeurs d'emploi aux profils proches\u00a0» (1 jour)"
        ),
        "reminder-late-5": (
            "En retard\u00a0: «\u00a0Repérer les demandeurs d'emploi aux profils proches\u00a0» (5 jours)"
        ),
    },
    "en": {
        "reminder-before": "Reminder: “Identify job seekers with related profiles” due in 7 days",
        "reminder-tomorrow": "Reminder: “Identify job seekers with related profiles” due tomorrow",
        "reminder-today": "Reminder: “Identify job seekers with related profiles” due today",
        "reminder-late-1": "Overdue: “Identify job seekers with related profiles” (1 day)",
        "reminder-late-5": "Overdue: “Identify job seekers with related profiles” (5 days)",
    },
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_reminder_subjects_and_plurals(app: Flask, language: str) -> None:
    all_cases = cases(language)
    for name, expected in REMINDER_SUBJECTS[language].items():
        kind, context = all_cases[name]
        assert render(kind, language, context).subject == expected
    one, two = (render("reminder", language, reminder(language, "before", n)).text for n in (2, 1))
    if language == "fr":
        assert "dans 2 jours" in one
        assert "demain" in two
        assert "en retard de 1 jour." in render("reminder", language, reminder(language, "late", 1)).text
    else:
        assert "in 2 days" in one
        assert "tomorrow" in two
        assert "1 day overdue" in render("reminder", language, reminder(language, "late", 1)).text


#: Words that betray the other language in a rendered email (checked as whole words, case-insensitively).
FOREIGN_WORDS = {
    "fr": ["Reminder", "Overdue", "Hello", "Open", "Mark", "task", "due", "digest", "stage", "plan lead", "Thank"],
    "en": ["Rappel", "Bonjour", "retard", "tâche", "échéance", "étape", "Ouvrir", "récapitulatif", "Merci", "délai"],
}


@pytest.mark.parametrize(("language", "name", "kind", "context"), ALL_CASES, ids=CASE_IDS)
def test_no_words_of_the_other_language(
    app: Flask, language: str, name: str, kind: str, context: dict[str, Any]
) -> None:
    email = render(kind, language, context)
    for part in (email.subject, email.text, email.html):
        for word in FOREIGN_WORDS[language]:
            assert not re.search(rf"(?<![\w/-]){re.escape(word)}(?![\w/-])", part, re.IGNORECASE), word


def test_long_titles_keep_subjects_short(app: Flask) -> None:
    long_title = "Mobiliser " + "les entreprises industrielles du bassin et leurs salariés " * 4
    for language in LANGUAGES:
        context = reminder(language, "late", 12)
        context["task"].title = long_title
        context["plan"].name = long_title
        for kind, extra in (
            ("reminder", {}),
            ("plan_status", {"status": "cancelled", "note": None, "shifted_days": None}),
            ("stage_closed", {"stage_title": long_title, "next_stage_title": None}),
        ):
            subject = render(kind, language, {**context, **extra}).subject
            assert len(subject) < 120, subject
            assert "…" in subject


def test_html_escapes_what_text_keeps(app: Flask) -> None:
    for language in LANGUAGES:
        context = reminder(language, "before", 3)
        context["task"].title = '<b>Études & "suivi"</b>'
        email = render("reminder", language, context)
        assert '<b>Études & "suivi"</b>' in email.text
        assert "<b>Études" not in email.html
        assert "&lt;b&gt;Études &amp; &#34;suivi&#34;&lt;/b&gt;" in email.html
        parse(email.html)


@pytest.mark.parametrize("language", LANGUAGES)
def test_digest_puts_late_items_first(app: Flask, language: str) -> None:
    context = digest(language, "daily")
    context["items"] = list(reversed(context["items"]))
    email = render("digest", language, context)
    words = WORDS[language]
    for part in (email.text, unescape(email.html)):
        positions = [part.index(words[title]) for title in ("task2", "task3", "task", "task4")]
        assert positions == sorted(positions)


@pytest.mark.parametrize("language", LANGUAGES)
def test_digest_without_more_time_links(app: Flask, language: str) -> None:
    """The digest builder may leave the more-time link out: the email then offers the two others only."""
    context = digest(language, "weekly")
    for item in context["items"]:
        del item.more_time_url
    email = render("digest", language, context)
    assert "more-time" not in email.text
    assert "more-time" not in email.html
    assert all(item.done_url in email.text for item in context["items"])
    parse(email.html)


@pytest.mark.parametrize("language", LANGUAGES)
def test_unknown_names_and_assignees_degrade_gracefully(app: Flask, language: str) -> None:
    context = reminder(language, "today", 0)
    context["recipient"].name = ""
    email = render("reminder", language, context)
    assert ("Bonjour," if language == "fr" else "Hello,") in email.text
    escalation = cases(language)["escalation"][1] | {"assignee_name": None, "assignee_organisation": None}
    email = render("escalation", language, escalation)
    assert "None" not in email.text
    assert "None" not in email.html


@pytest.mark.parametrize(("language", "name", "kind", "context"), ALL_CASES, ids=CASE_IDS)
def test_punctuation_follows_the_language(
    app: Flask, language: str, name: str, kind: str, context: dict[str, Any]
) -> None:
    """French puts a space before « : ; ? ! », English does not (addresses, and data quoted as recorded, aside)."""
    email = render(kind, language, context)
    quoted = [
        value
        for f in context.get("failures", [])
        for value in (json.dumps(getattr(f, "recipient_email", "")), f.detail)
        if value != '""'
    ]
    for part in (email.subject, email.text):
        for value in quoted:
            part = part.replace(value, "")
        part = re.sub(r"https?://\S+", "", part)  # a query string's "?" is no punctuation
        if language == "fr":
            assert not re.search(r"[^\s\xa0][:;?!](?!//)", part), part
        else:
            assert not re.search(r"\s[:;?!]", part), part
