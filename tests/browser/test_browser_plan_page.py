"""In a real browser: a lead previews then confirms a deadline move on the plan page; a partner finishes a task."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from playwright.sync_api import Page, expect
from werkzeug.security import generate_password_hash

from gpect_workflow.models import Language, PersonRole, Task, TaskStatus
from gpect_workflow.services.context import session
from gpect_workflow.services.partners import find_person
from tests.browser.conftest import PASSWORD, sign_in_with_password
from tests.web.plan_support import start_plan_of


def _task(plan_id: int, key: str) -> Task:
    session().expire_all()
    found = session().scalar(sa.select(Task).where(Task.plan_id == plan_id, Task.task_key == key))
    assert found is not None
    return found


def test_a_lead_previews_a_deadline_move_then_confirms_it(
    page: Page, live_url: str, definitions: None, create_user: Any
) -> None:
    lead = create_user("lead@example.org", PersonRole.LEAD, name="Claire Martin", password=PASSWORD)
    lead.language = Language.EN
    plan = start_plan_of(lead)
    session().commit()
    survey = _task(plan.id, "business-survey")

    sign_in_with_password(page, live_url, lead.email)
    page.goto(f"{live_url}/plans/{plan.id}")
    expect(page.locator("h1")).to_contain_text("Plan de test")
    row = page.locator(f"#task-{survey.id}")
    row.locator("summary").click()
    row.get_by_label("New deadline").fill("2027-02-25")
    row.get_by_role("button", name="Preview the change").click()

    preview = page.locator(f"#task-{survey.id} .preview")
    expect(preview).to_contain_text("Survey local companies")
    expect(preview).to_contain_text("Write the shared action-oriented diagnosis (depends on it)")
    expect(preview).to_contain_text("17 Mar 2027")
    assert _task(plan.id, "business-survey").due_date == date(2027, 1, 30), "nothing moves before confirming"

    preview.get_by_role("button", name="Confirm the move").click()
    expect(page.locator(".flash")).to_contain_text("The deadline is now 25 Feb 2027. 1 dependent task moved with it.")
    expect(page.locator(f"#task-{survey.id}")).to_contain_text("25 Feb 2027")
    assert _task(plan.id, "shared-diagnosis").due_date == date(2027, 3, 17)


def test_a_partner_finishes_a_task_from_its_page(
    page: Page, live_url: str, definitions: None, create_user: Any
) -> None:
    lead = create_user("lead@example.org", PersonRole.LEAD, name="Claire Martin")
    plan = start_plan_of(lead)
    partner = find_person("employment-service@partners.example.org")
    assert partner is not None
    partner.language = Language.EN
    partner.password_hash = generate_password_hash(PASSWORD)
    session().commit()
    data = _task(plan.id, "employment-data")

    sign_in_with_password(page, live_url, partner.email)
    page.goto(f"{live_url}/tasks/{data.id}")
    page.get_by_label("New status").select_option("blocked")
    page.get_by_role("button", name="Change the status").click()
    expect(page.locator(".alert")).to_contain_text("Some values are not valid")
    expect(page.locator(f"#status-note-{data.id}-error")).to_have_text("Say why: this change needs a reason.")
    page.get_by_label("New status").select_option("done")
    page.get_by_label("Note", exact=True).fill("Données envoyées à la Maison de l'Emploi")
    page.get_by_role("button", name="Change the status").click()
    expect(page.locator(".flash")).to_contain_text("The task is now “done”.")
    expect(page.locator("#notes-title + ul")).to_contain_text("Données envoyées")
    assert _task(plan.id, "employment-data").status is TaskStatus.DONE
