"""In a real browser: a committee member reviews a stage's evidence and approves its gate."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect
from werkzeug.security import generate_password_hash

from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import CommitteeDecision, OutboxMessage, Person, StageStatus, TaskStatus
from gpect_workflow.notifications.announcements import deliver_announcements
from gpect_workflow.services.context import session
from gpect_workflow.services.tasks import change_task_status
from tests.browser.conftest import PASSWORD, sign_in_with_password
from tests.engine_drive import committee_member
from tests.factories import assignee, finish, stage, task
from tests.plan_helpers import start_five_levers_plan


def test_a_committee_member_reviews_and_approves_a_gate(
    page: Page, live_url: str, definitions: None, dummy_lead: Person
) -> None:
    plan = start_five_levers_plan(dummy_lead, date(2026, 11, 2), name="Plan compétences – Chartres")
    session().commit()
    finish(plan, "inventory-existing-studies", "employment-data", "business-survey")
    diagnosis = task(plan, "shared-diagnosis")
    change_task_status(
        assignee(diagnosis), diagnosis.id, TaskStatus.DONE, note="Diagnostic : https://docs.example.org/diagnostic.pdf"
    )
    member = committee_member(plan)
    member.password_hash = generate_password_hash(PASSWORD)
    session().commit()
    observe = stage(plan, "observe")

    sign_in_with_password(page, live_url, member.email)
    page.goto(f"{live_url}/stages/{observe.id}/review")
    expect(page.locator("h1")).to_contain_text("Revue de validation")
    expect(page.get_by_role("link", name="https://docs.example.org/diagnostic.pdf")).to_be_visible()
    page.get_by_label("Valider : clore l'étape et ouvrir la suivante").check()
    page.get_by_label("Compte rendu").fill("Diagnostic partagé validé en comité du 30 novembre.")
    page.get_by_role("button", name="Enregistrer la décision").click()

    expect(page.locator(".flash")).to_contain_text("L'étape est validée")
    session().expire_all()
    assert stage(plan, "observe").status is StageStatus.CLOSED
    assert stage(plan, "experiment").status is StageStatus.OPEN
    decision = session().scalar(sa.select(CommitteeDecision).where(CommitteeDecision.stage_id == observe.id))
    assert decision is not None and decision.decided_by_id == member.id
    deliver_announcements()  # the scheduler's pass renders what the change announced
    told = set(
        session().scalars(
            sa.select(OutboxMessage.recipient_email).where(
                OutboxMessage.plan_id == plan.id, OutboxMessage.kind == "gate_decided"
            )
        )
    )
    assert dummy_lead.email in told and assignee(diagnosis).email in told


def test_the_committee_asks_for_rework_with_a_new_date_and_the_partner_is_not_late(
    page: Page, browser: Browser, live_url: str, definitions: None, dummy_lead: Person, clock: FrozenClock
) -> None:
    plan = start_five_levers_plan(dummy_lead, date(2026, 11, 2), name="Plan compétences – Dreux")
    session().commit()
    finish(plan, "inventory-existing-studies", "employment-data", "business-survey", "shared-diagnosis")
    survey = task(plan, "business-survey")  # due 1 January 2027, 60 days after the stage's start
    partner, member = assignee(survey), committee_member(plan)
    for person in (partner, member):
        person.password_hash = generate_password_hash(PASSWORD)
    session().commit()
    clock.set(datetime(2027, 2, 15, 9, 0, tzinfo=UTC))  # the committee meets long after the survey's date
    observe = stage(plan, "observe")

    sign_in_with_password(page, live_url, member.email)
    page.goto(f"{live_url}/stages/{observe.id}/review")
    page.get_by_label("Reprendre : rouvrir les tâches choisies ci-dessous").check()
    page.get_by_label("Enquêter auprès des entreprises").check()
    due = page.locator(f"#due-{survey.id}")
    expect(due).to_have_value("2027-04-16")  # 15 February plus the 60 days the survey had
    due.fill("2027-02-01")  # in the past: refused beside the task, the choices kept
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.locator(f"#due-{survey.id}-error")).to_contain_text("Choisissez une date à partir d'aujourd'hui")
    expect(page.get_by_label("Enquêter auprès des entreprises")).to_be_checked()
    session().expire_all()
    assert stage(plan, "observe").status is StageStatus.AWAITING_DECISION
    page.locator(f"#due-{survey.id}").fill("2027-03-31")
    page.get_by_label("Compte rendu").fill("Compléter l'enquête auprès des TPE.")
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.locator(".flash")).to_contain_text("La reprise est demandée")

    session().expire_all()
    assert task(plan, "business-survey").due_date == date(2027, 3, 31)
    assert task(plan, "business-survey").status is TaskStatus.TODO
    partner_page = browser.new_context(locale="fr-FR").new_page()
    sign_in_with_password(partner_page, live_url, partner.email)
    partner_page.goto(f"{live_url}/tasks/{survey.id}")
    expect(partner_page.locator("main")).to_contain_text("31 mars 2027")
    expect(partner_page.locator("main .late")).to_have_count(0)
    partner_page.context.close()
