"""In a real browser: a partner asks the lead for more time from the task page; the lead finds the request on
her dashboard, previews what accepting shifts, accepts it; a second request is refused with a reason."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from playwright.sync_api import Page, expect
from werkzeug.security import generate_password_hash

from gpect_workflow.models import DelayRequest, DelayStatus, Language, OutboxMessage, PersonRole, Task
from gpect_workflow.notifications.announcements import deliver_announcements
from gpect_workflow.services.context import session
from gpect_workflow.services.partners import find_person
from gpect_workflow.services.tasks.delay_requests import ask_for_delay
from tests.browser.conftest import PASSWORD, sign_in_with_password
from tests.web.plan_support import start_plan_of


def _task(plan_id: int, key: str) -> Task:
    session().expire_all()
    found = session().scalar(sa.select(Task).where(Task.plan_id == plan_id, Task.task_key == key))
    assert found is not None
    return found


def _latest_request() -> DelayRequest:
    session().expire_all()
    found = session().scalar(sa.select(DelayRequest).order_by(DelayRequest.id.desc()).limit(1))
    assert found is not None
    return found


def test_a_partner_asks_and_the_lead_accepts_then_refuses(
    page: Page, live_url: str, definitions: None, create_user: Any
) -> None:
    lead = create_user("lead@example.org", PersonRole.LEAD, name="Claire Martin", password=PASSWORD)
    lead.language = Language.EN
    plan = start_plan_of(lead)
    partner = find_person("employment-service@partners.example.org")
    assert partner is not None
    partner.language = Language.EN
    partner.password_hash = generate_password_hash(PASSWORD)
    session().commit()
    data = _task(plan.id, "employment-data")
    diagnosis_due = _task(plan.id, "shared-diagnosis").due_date

    # The partner asks from the task page.
    sign_in_with_password(page, live_url, partner.email)
    page.goto(f"{live_url}/tasks/{data.id}")
    page.get_by_label("New deadline you ask for").fill("2027-03-20")
    page.get_by_label("Why you need more time").fill("The employment figures are published on 15 March.")
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator(".flash")).to_contain_text("Your request was sent to the project lead.")
    expect(page.locator("#delay-requests")).to_contain_text("The project lead has not answered yet.")
    assert _latest_request().status is DelayStatus.PENDING
    page.get_by_role("button", name="Sign out").click()

    # The lead finds it on her dashboard, previews, accepts.
    sign_in_with_password(page, live_url, lead.email)
    page.goto(f"{live_url}/")
    pending = page.locator("#pending-delay-requests")
    expect(pending).to_contain_text("The employment figures are published on 15 March.")
    pending.get_by_role("link", name="Provide employment and job-seeker data").click()
    preview = page.locator("#delay-requests .preview")
    expect(preview).to_contain_text("Write the shared action-oriented diagnosis (depends on it)")
    expect(preview).to_contain_text("20 Mar 2027")
    assert _task(plan.id, "employment-data").due_date == date(2026, 12, 31), "nothing moves before accepting"
    page.get_by_role("button", name="Accept: move the deadline").click()
    expect(page.locator(".flash")).to_contain_text("Request accepted: the deadline is now 20 Mar 2027.")
    assert _task(plan.id, "employment-data").due_date == date(2027, 3, 20)
    assert _task(plan.id, "shared-diagnosis").due_date > diagnosis_due
    assert _latest_request().status is DelayStatus.ACCEPTED

    # A second request (asked through the service as the partner would) is refused with a reason.
    ask_for_delay(partner, data.id, date(2027, 4, 10), "Still waiting for the figures.")
    session().commit()
    page.goto(f"{live_url}/plans/{plan.id}")
    expect(page.locator("#pending-delay-requests")).to_contain_text("Still waiting for the figures.")
    page.goto(f"{live_url}/tasks/{data.id}")
    page.get_by_role("button", name="Refuse the request").click()
    expect(page.locator(".alert")).to_be_visible()
    page.get_by_label("Why you refuse").fill("The committee meets on 5 April.")
    page.get_by_role("button", name="Refuse the request").click()
    expect(page.locator(".flash")).to_contain_text("Request refused")
    refused = _latest_request()
    assert refused.status is DelayStatus.REFUSED and refused.answer_reason == "The committee meets on 5 April."
    assert _task(plan.id, "employment-data").due_date == date(2027, 3, 20)
    deliver_announcements()  # the scheduler's pass renders what the requests announced
    kinds = set(session().scalars(sa.select(OutboxMessage.kind).where(OutboxMessage.task_id == data.id)))
    assert {"delay_requested", "delay_accepted", "delay_refused"} <= kinds
