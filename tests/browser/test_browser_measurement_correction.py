"""In a real browser: the lead corrects a mistyped measurement (1 200 typed for 12); the page and the chart then
show 12, and the plan's journal the old value."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from gpect_workflow.models import Indicator, Language, Measurement, PersonRole
from gpect_workflow.services.context import session
from gpect_workflow.services.indicators.measurements import record_measurement
from tests.browser.conftest import PASSWORD, sign_in_with_password
from tests.web.plan_support import start_plan_of


def test_the_lead_corrects_a_mistyped_measurement(
    page: Page, live_url: str, definitions: None, create_user: Any
) -> None:
    lead = create_user("lead@example.org", PersonRole.LEAD, name="Claire Martin", password=PASSWORD)
    lead.language = Language.EN
    plan = start_plan_of(lead)
    surveyed = session().scalar(
        sa.select(Indicator).where(Indicator.plan_id == plan.id, Indicator.key == "companies-surveyed")
    )
    assert surveyed is not None
    mistyped = record_measurement(lead, surveyed.id, 1200, date(2026, 11, 25), "Enquête CCI")
    session().commit()

    sign_in_with_password(page, live_url, lead.email)
    page.goto(f"{live_url}/plans/{plan.id}/indicators")
    section = page.locator(f"#indicator-{surveyed.id}")
    latest = section.locator('svg circle[data-latest="true"]')
    expect(latest).to_have_attribute("data-value", "1200")
    expect(section.locator(".plan-meta [data-status]")).to_have_text("target reached")

    section.locator(f"#measurements-{surveyed.id} > summary").click()
    row = section.locator(f"#measurement-{mistyped.id}")
    expect(row.locator(".measured-value")).to_have_text("1,200")
    row.locator("details.correct > summary").click()
    row.get_by_label("Value").fill("12")
    row.get_by_role("button", name="Save the correction").click()

    expect(page.locator(".flash")).to_contain_text("The value is corrected; the journal keeps the old one.")
    section = page.locator(f"#indicator-{surveyed.id}")
    expect(section.locator('svg circle[data-latest="true"]')).to_have_attribute("data-value", "12")
    expect(section.locator("svg circle.point")).to_have_count(1)
    expect(section.locator(".plan-meta")).to_contain_text("Latest value : 12")
    expect(section.locator(".plan-meta [data-status]")).to_have_text("behind target")
    expect(section.locator(f"#measurement-{mistyped.id} .measured-value")).to_have_text("12")
    session().expire_all()
    corrected = session().get(Measurement, mistyped.id)
    assert corrected is not None and corrected.value == 12

    page.goto(f"{live_url}/plans/{plan.id}#journal")
    journal = page.locator("#journal")
    expect(journal).to_contain_text("Corrected a value of “Companies surveyed”")
    expect(journal).to_contain_text("1,200 on")
    expect(journal).to_contain_text("source: Enquête CCI, recorded by Claire Martin) became 12 on")
