"""The demo served for a browser walk, and the walks: the pages each demo role reaches, in order.

Several browser tests read the same pages (the accessibility audit, the French walk): they share the
served demo and the walks, and each brings its own ``Reader`` that checks what it cares about on every
page the walk opens. A walk also submits forms with mistakes, so that forms are read as they come back
with errors, and opens the pages of the links in emails with their refusals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from flask import Blueprint, Flask
from playwright.sync_api import Locator, Page

from gpect_workflow.clock import FrozenClock
from gpect_workflow.demo.data import DEMO_PASSWORD
from gpect_workflow.demo.loader import load_demo
from gpect_workflow.models import (
    FINISHED_TASK_STATUSES,
    OPEN_TASK_STATUSES,
    CommitteeDecision,
    Language,
    Organisation,
    OutboxMessage,
    OutboxStatus,
    Person,
    Plan,
    PlanStage,
    RoleAssignment,
    StageStatus,
    Task,
    TaskDependency,
    Territory,
)
from gpect_workflow.notifications.announcements import deliver_announcements
from gpect_workflow.notifications.links import make_token
from gpect_workflow.services.context import now, session, state
from tests.browser.serving import serve_in_thread
from tests.conftest import empty_tables, make_app


class Reader(Protocol):
    """What a walk needs of the test reading the pages: open them, check them, keep what is wrong."""

    page: Page

    def visit(self, path: str, status: int = 200, name: str | None = None, **options: Any) -> None:
        """Open ``path``, expect ``status``, and check the page."""

    def expect_status(self, got: int | None, expected: int, name: str) -> None:
        """Note a page that answered otherwise than expected."""

    def check(self, name: str, one_line_headers: bool = False) -> None:
        """Check the page shown now under ``name`` (``one_line_headers``: a table whose headers must not wrap)."""

    def expect_links(self, name: str, *hrefs: str) -> None:
        """Note a page shown now that lacks a link to one of ``hrefs``."""


WIDTHS = (1280, 390)
ADMIN = "admin@gpect.example.org"
LEAD = "claire.martin@mee-chartres.example.org"
PARTNER = "helene.garnier@region.example.org"
COMMITTEE = "marc.lefebvre@region.example.org"
COSMETICS = "Agents de fabrication cosmétique et pharmaceutique – Chartres"
FIVE_LEVERS = "Démarche GPECT territoriale – Agglomération chartraine"
INDRE = "Ambition Industrie – Indre"
LOCHOIS = "Enquête besoins des entreprises – Lochois"

PARTNERS_CSV = (
    "organisation;kind;territory;name;email;role;language\n"
    "Mission locale de Chartres;mission_locale;chartres-metropole;Léa Fournier;lea.fournier@ml-chartres.example.org;"
    "partner;fr\n"
    "Mission locale de Chartres;mission_locale;chartres-metropole;Hugo Lemaire;pas-une-adresse;partner;fr\n"
)


@dataclass
class Site:
    """The served demo, and what the walks need to find in it."""

    app: Flask
    base_url: str
    ids: dict[str, int] = field(default_factory=dict)
    #: For each screen width, a French-speaking person and a task of theirs ready to be done.
    link_tasks: list[tuple[int, int]] = field(default_factory=list)
    #: The five-lever plan's roles: organisation and people of each, to map them again in the wizard.
    roles: dict[str, tuple[int, list[int]]] = field(default_factory=dict)

    def link(self, purpose: str, person_id: int, task_id: int | None = None, age: timedelta | None = None) -> str:
        """The path of an email link, signed ``age`` ago (the clock is moved back for the signature)."""
        with self.app.app_context():
            clock = state().clock
            assert isinstance(clock, FrozenClock)
            present = clock.now()
            if age is not None:
                clock.set(present - age)
            try:
                token = make_token(purpose, person_id, task_id)
            finally:
                clock.set(present)
        return f"/links/{purpose}/{token}"


def _failing_page() -> Blueprint:
    failing = Blueprint("audit_failure", __name__)

    @failing.route("/audit/failure")
    def fail() -> str:
        raise RuntimeError("a page failing on purpose, to show the 500 page")

    return failing


@contextmanager
def serve_demo(database_url: str) -> Iterator[Site]:
    """The demo loaded into an app of its own on ``database_url``, served; the tables emptied afterwards.

    The app lets errors reach their 500 page (the shared app propagates them, as tests want) and has a
    page that fails.
    """
    app = make_app(database_url, PROPAGATE_EXCEPTIONS=False)
    app.register_blueprint(_failing_page())
    with app.app_context():
        load_demo()
        session().commit()
        deliver_announcements()  # as ``flask gpect demo`` does once committed: the outbox shows the notices
        ids = _find_ids()
        link_tasks = _ready_tasks_of_people()
        roles: dict[str, tuple[int, list[int]]] = {}
        for assignment in session().scalars(
            sa.select(RoleAssignment).where(RoleAssignment.plan_id == ids["five_levers"])
        ):
            roles[assignment.role_key] = (assignment.organisation_id, [m.person_id for m in assignment.members])
        session().commit()
    try:
        with serve_in_thread(app, "gpect-audit-server") as base_url:
            app.config["BASE_URL"] = base_url
            yield Site(app, base_url, ids, link_tasks, roles)
    finally:
        with app.app_context():
            empty_tables(app)


def _one(query: Any) -> int:
    found = session().scalar(query)
    assert found is not None, str(query)
    return int(found)


def _find_ids() -> dict[str, int]:
    """The demo's plans, stages, tasks, people and messages the walks open; one failed and one sent message."""
    plan_ids = {
        name: _one(sa.select(Plan.id).where(Plan.name == name)) for name in (COSMETICS, FIVE_LEVERS, INDRE, LOCHOIS)
    }
    person_ids = {email: _one(sa.select(Person.id).where(Person.email == email)) for email in (LEAD, PARTNER)}
    cosmetics = plan_ids[COSMETICS]
    # A task of the lead's plans, in its open stage, assigned to the partner: the task page of the walks.
    task_id, task_plan_id = (
        session()
        .execute(
            sa.select(Task.id, Task.plan_id)
            .join(PlanStage, PlanStage.id == Task.stage_id)
            .join(Plan, Plan.id == Task.plan_id)
            .where(
                Plan.lead_id == person_ids[LEAD],
                PlanStage.status == StageStatus.OPEN,
                Task.status.in_(OPEN_TASK_STATUSES),
                Task.assignee_id == person_ids[PARTNER],
            )
            .order_by(Task.due_date, Task.id)
            .limit(1)
        )
        .one()
    )
    # Two of the demo's messages as the sender would leave them: one refused for good, one sent.
    failed, sent = session().scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id).limit(2)).all()
    failed.status, failed.attempts = OutboxStatus.FAILED, 4
    failed.last_error = (
        "550 5.1.1 <" + failed.recipient_email + ">: Recipient address rejected: User unknown in virtual mailbox "
        "table (the relay refused the address permanently; check it in the partners directory)"
    )
    sent.status, sent.attempts, sent.sent_dt = OutboxStatus.SENT, 1, now()
    return {
        "cosmetics": cosmetics,
        "five_levers": plan_ids[FIVE_LEVERS],
        "indre": plan_ids[INDRE],
        "lochois": plan_ids[LOCHOIS],
        "awaiting_stage": _one(sa.select(PlanStage.id).where(PlanStage.status == StageStatus.AWAITING_DECISION)),
        "decided_stage": _one(
            sa.select(CommitteeDecision.stage_id)
            .join(PlanStage)
            .where(PlanStage.plan_id == cosmetics)
            .order_by(CommitteeDecision.id)
            .limit(1)
        ),
        "task": task_id,
        "task_plan": task_plan_id,
        "indicator_plan": cosmetics,
        "organisation": _one(
            sa.select(Organisation.id).where(Organisation.name.like("%Chartres%")).order_by(Organisation.id).limit(1)
        ),
        "other_organisation": _one(
            sa.select(Organisation.id)
            .where(Organisation.name.like("%Chartres%"))
            .order_by(Organisation.id)
            .offset(1)
            .limit(1)
        ),
        "partner": person_ids[PARTNER],
        "lead": person_ids[LEAD],
        "territory": _one(sa.select(Territory.id).where(Territory.code == "chartres-metropole")),
        "failed_message": failed.id,
        "sent_message": sent.id,
    }


def _ready_tasks_of_people() -> list[tuple[int, int]]:
    """Per screen width, a French-speaking person with an open task whose prerequisites are finished."""
    unfinished = (
        sa.select(TaskDependency.task_id)
        .join(Task, Task.id == TaskDependency.depends_on_id)
        .where(Task.status.not_in(FINISHED_TASK_STATUSES))
    )
    rows = session().execute(
        sa.select(Task.assignee_id, Task.id)
        .join(PlanStage, PlanStage.id == Task.stage_id)
        .join(Person, Person.id == Task.assignee_id)
        .where(
            PlanStage.status == StageStatus.OPEN,
            Task.status.in_(OPEN_TASK_STATUSES),
            Task.id.not_in(unfinished),
            Person.language == Language.FR,
        )
        .order_by(Task.id)
    )
    found: list[tuple[int, int]] = []
    for person_id, task_id in rows:
        if person_id not in {person for person, _ in found}:
            found.append((person_id, task_id))
    assert len(found) >= len(WIDTHS), f"the demo has too few tasks ready to be done: {found}"
    return found[: len(WIDTHS)]


def sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("form:has(#password) button[type=submit]").click()


def submit(reader: Reader, button: Locator, status: int, name: str, **options: Any) -> None:
    """Press ``button`` (submitting its form), expect ``status`` for the page it leads to, and check it."""
    with reader.page.expect_navigation() as navigation:
        button.click()
    response = navigation.value
    reader.expect_status(response.status if response else None, status, name)
    reader.check(name, **options)


# The walks: the pages each role reaches, in the order a person would open them.


def walk_administrator(a: Reader, site: Site, index: int) -> None:
    ids, page = site.ids, a.page
    a.visit("/", name="dashboard")
    a.visit("/plans", name="plans")
    a.visit(f"/plans?territory={ids['territory']}&late=yes", name="plans, filtered")
    a.visit("/plans?status=cancelled", name="plans, no match")
    a.visit(f"/plans/{ids['indre']}", name="plan page")
    a.visit(f"/tasks/{ids['task']}", name="task page")
    a.visit("/my-tasks", name="my tasks (none)")
    a.visit("/search?q=emploi", name="search")
    a.visit("/search?q=formation&kind=tasks", name="search, one kind")
    a.visit("/search?q=%21%21%21", name="search, no word")
    a.visit("/partners", name="partners directory")
    a.visit(f"/partners?q=mission&territory={ids['territory']}", name="partners directory, filtered")
    a.visit(f"/partners/organisations/{ids['organisation']}", name="organisation")
    a.visit("/partners/organisations/new", name="new organisation form")
    save = page.locator("main form[method=post] button[type=submit]")
    submit(a, save, 422, "new organisation form, with errors")
    a.visit(f"/partners/organisations/{ids['organisation']}/edit", name="organisation form")
    a.visit("/partners/people/new", name="new person form")
    a.visit(f"/partners/people/{ids['partner']}/edit", name="person form")
    a.visit(f"/partners/organisations/{ids['organisation']}/merge", name="merging an organisation, the choice")
    merge_preview = f"/partners/organisations/{ids['organisation']}/merge-into/{ids['other_organisation']}"
    a.visit(merge_preview, name="merging an organisation, the preview")
    a.visit(f"/partners/people/{ids['partner']}/merge", name="merging a person, the choice")
    a.visit(f"/partners/people/{ids['partner']}/merge-into/{ids['lead']}", name="merging a person, the preview")
    a.visit(f"/partners/people/{ids['partner']}/edit", name="person form")
    page.locator("#name").fill("")
    submit(a, save, 422, "person form, with errors")
    a.visit("/partners/import", name="CSV import of partners")
    page.locator("#file").set_input_files(
        {"name": "partenaires.csv", "mimeType": "text/csv", "buffer": PARTNERS_CSV.encode()}
    )
    submit(a, save, 200, "CSV import of partners, preview")
    submit(a, save, 200, "CSV import of partners, done")
    a.visit(f"/plans/{ids['indicator_plan']}/indicators", name="indicators")
    indicators_csv = f"indicator;date;value;source\nhost-companies-mobilised;15/11/2026;{7 + index};Bilan\nnope;x;y;\n"
    page.locator("#import-file").set_input_files(
        {"name": "valeurs.csv", "mimeType": "text/csv", "buffer": indicators_csv.encode()}
    )
    submit(a, page.locator("form:has(#import-file) button[type=submit]"), 422, "indicators import, preview")
    a.visit("/committee", name="committee")
    a.visit("/committee/report", name="committee review report")
    a.visit(f"/stages/{ids['awaiting_stage']}/review", name="gate review")
    a.visit(f"/plans/{ids['cosmetics']}/report", name="plan review report")
    a.visit("/outbox", name="outbox", one_line_headers=True)
    a.visit("/outbox?status=failed", name="outbox, failed", one_line_headers=True)
    a.visit(f"/outbox/{ids['failed_message']}", name="outbox message, failed")
    a.visit(f"/outbox/{ids['sent_message']}", name="outbox message, sent")
    a.visit("/preferences", name="preferences")
    page.locator("#token-name").fill(f"Tableau de bord {index}")
    submit(a, page.locator("form:has(#token-name) button[type=submit]"), 200, "preferences, new API token")
    a.visit("/outbox?status=nope", 400, name="error 400")
    a.visit("/plans/999999", 404, name="error 404")
    a.visit("/logout", 405, name="error 405")
    a.visit(f"/outbox/{ids['sent_message']}", name="outbox message, sent")
    _post_from_page(page, f"/outbox/{ids['sent_message']}/retry")  # only failed messages are retried
    a.check("error 409")
    a.visit("/audit/failure", 500, name="error 500")


def _post_from_page(page: Page, action: str) -> None:
    """Send a form the page does not offer (as a stale page would), with the page's CSRF token."""
    with page.expect_navigation():
        page.evaluate(
            """(action) => {
              const form = document.createElement('form');
              form.method = 'post';
              form.action = action;
              form.append(document.querySelector('input[name=csrf_token]').cloneNode());
              document.body.append(form);
              form.submit();
            }""",
            action,
        )


def walk_the_wizard(a: Reader, site: Site) -> None:
    """The new-plan wizard up to its last step, each step sent once with mistakes: the five-lever plan again."""
    page = a.page
    a.visit("/plans/new", name="wizard, step 1")
    next_button = page.locator("button[name=action][value=to-roles]")
    submit(a, next_button, 422, "wizard, step 1 with errors")
    page.locator('input[name=definition][value^="gpect-five-levers:"]').check()
    page.locator("#name").fill("Plan d'essai de l'audit")
    page.locator("#start_date").fill("2027-01-11")
    submit(a, next_button, 200, "wizard, step 2")
    # Each role as in the demo's plan; a body of another territory, not offered here, gives way to the lead's.
    chosen: dict[str, tuple[int, int]] = {}
    for role, (organisation, people) in site.roles.items():
        select = page.locator(f"#role-{role}-organisation")
        offered = select.locator("option").evaluate_all("options => options.map((option) => option.value)")
        chosen[role] = (
            (organisation, people[0])
            if str(organisation) in offered
            else (site.roles["lead"][0], site.roles["lead"][1][0])
        )
        select.select_option(str(chosen[role][0]))
    preview_button = page.locator("button[name=action][value=to-preview]:not(.default-action)")
    submit(a, preview_button, 422, "wizard, step 2 with errors")  # the people of each role are missing
    for role, (_, person) in chosen.items():
        page.locator(f"#role-{role}-people-{person}").check()
    submit(a, preview_button, 200, "wizard, step 3")


def walk_project_lead(a: Reader, site: Site, index: int) -> None:
    ids, page = site.ids, a.page
    a.visit("/", name="dashboard")
    a.visit("/plans", name="plans")
    a.visit(f"/plans/{ids['cosmetics']}", name="plan page, gate awaiting")
    a.visit(f"/plans/{ids['task_plan']}", name="plan page")
    row = page.locator(f"#task-{ids['task']}")
    row.locator("summary").click()
    row.locator("input[name=due_date]").fill("2027-03-31")
    submit(a, row.locator("form:has(input[name=due_date]) button[type=submit]"), 200, "plan page, deadline preview")
    a.visit(f"/tasks/{ids['task']}", name="task page")
    page.locator("main select[name=status]").select_option("blocked")
    submit(a, page.locator("form:has(select[name=status]) button[type=submit]"), 422, "task page, with errors")
    a.visit("/my-tasks", name="my tasks")
    a.visit(f"/plans/{ids['five_levers']}/changes", name="changes to a running plan")
    walk_the_wizard(a, site)
    a.visit("/partners", name="partners directory")
    a.visit(f"/plans/{ids['indicator_plan']}/indicators", name="indicators")
    form = page.locator("form.record-value").first
    form.locator("input[name=value]").fill("beaucoup")
    submit(a, form.locator("button[type=submit]"), 422, "indicators, value with errors")
    a.visit(f"/stages/{ids['awaiting_stage']}/review", name="gate review")
    a.visit(f"/plans/{ids['five_levers']}/report", name="plan review report")
    a.visit("/preferences", name="preferences")
    a.visit("/outbox", 403, name="error 403")


def walk_partner(a: Reader, site: Site, index: int) -> None:
    ids = site.ids
    a.visit("/", name="dashboard")
    a.visit("/plans", name="plans")
    a.visit(f"/plans/{ids['task_plan']}", name="plan page")
    a.visit(f"/tasks/{ids['task']}", name="task page")
    a.visit("/my-tasks", name="my tasks")
    a.visit("/inbox", name="inbox")
    a.visit("/partners", name="partners directory")
    a.visit(f"/plans/{ids['five_levers']}/indicators", name="indicators")
    a.visit("/preferences", name="preferences")
    a.visit(f"/plans/{ids['lochois']}", 404, name="error 404 (a plan of others)")
    a.visit("/partners/import", 403, name="error 403")


def walk_committee_member(a: Reader, site: Site, index: int) -> None:
    ids, page = site.ids, a.page
    a.visit("/", name="dashboard")
    a.visit("/inbox", name="inbox")
    a.visit("/committee", name="committee")
    a.visit(f"/committee?territory={ids['territory']}", name="committee, filtered")
    a.visit("/committee/report", name="committee review report")
    a.visit(f"/stages/{ids['awaiting_stage']}/review", name="gate review")
    submit(a, page.locator("form:has([name=decision]) button[type=submit]"), 422, "gate review, with errors")
    a.visit(f"/stages/{ids['decided_stage']}/review", name="gate review, decided")
    a.visit(f"/plans/{ids['cosmetics']}", name="plan page")
    a.visit(f"/plans/{ids['cosmetics']}/report", name="plan review report")
    a.visit("/preferences", name="preferences")


def walk_visitor(a: Reader, site: Site, index: int) -> None:
    """Not signed in: the sign-in page, the pages of the links in emails, and the refusals."""
    page = a.page
    a.visit("/login", name="sign-in")
    page.locator("#email").fill(PARTNER)
    page.locator("#password").fill("not the password")
    submit(a, page.locator("form:has(#password) button[type=submit]"), 401, "sign-in, wrong password")
    page.locator("#link-email").fill(PARTNER)
    submit(a, page.locator("form:has(#link-email) button[type=submit]"), 200, "sign-in, link sent")
    a.visit("/no/such/page", 404, name="error 404")

    person, task = site.link_tasks[index]
    confirm = "main form button[type=submit]"
    onward = (f"/tasks/{task}", "/my-tasks", "/")  # a page reached from an email is no dead end
    a.visit(site.link("open_task", person, task), name="link: the task")
    a.expect_links("link: the task", *onward)
    a.visit(site.link("more_time", person, task), name="link: ask for more time")
    page.locator("#due_date").fill(page.locator("#due_date").get_attribute("min") or "")
    page.locator("#reason").fill("Les données arrivent la semaine prochaine.")
    submit(a, page.locator(confirm), 200, "link: more time asked")
    a.expect_links("link: more time asked", *onward)
    a.visit(site.link("digest_only", person), name="link: switch to the digest")
    submit(a, page.locator(confirm), 200, "link: digest chosen")
    a.expect_links("link: digest chosen", "/preferences", "/my-tasks", "/")
    mark_done = site.link("mark_done", person, task)
    a.visit(mark_done, name="link: mark the task done")
    submit(a, page.locator(confirm), 200, "link: task marked done")
    a.expect_links("link: task marked done", *onward)
    refused = ("/login?next=/my-tasks", "/")
    a.visit(mark_done, 409, name="link refused: already used")
    a.expect_links("link refused: already used", *refused)
    a.visit(site.link("mark_done", person, task), name="link: mark a finished task done")
    submit(a, page.locator(confirm), 409, "link refused: the task is finished")
    a.visit(site.link("mark_done", person, task, age=timedelta(days=15)), 410, name="link refused: expired")
    a.expect_links("link refused: expired", *refused)
    a.visit(mark_done[:-3] + ("aaa" if not mark_done.endswith("aaa") else "bbb"), 400, name="link refused: tampered")
    a.expect_links("link refused: tampered", *refused)
    a.visit(site.link("reset_password", person), name="link: a new password")
    page.locator("main input[type=password]").first.fill("court")
    submit(a, page.locator(confirm), 422, "link: a new password, with errors")
    a.visit(site.link("login", person), name="link: sign in")
    submit(a, page.locator(confirm), 200, "link: signed in")


WALKS: dict[str, tuple[str | None, Callable[[Reader, Site, int], None]]] = {
    "visitor": (None, walk_visitor),
    "administrator": (ADMIN, walk_administrator),
    "project lead": (LEAD, walk_project_lead),
    "partner": (PARTNER, walk_partner),
    "committee member": (COMMITTEE, walk_committee_member),
}
