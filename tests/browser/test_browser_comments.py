"""In a real browser: a partner comments on their task, sees it between the status changes, corrects it; the
lead reads it with its link made safe, and answers."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from playwright.sync_api import Page, expect
from werkzeug.security import generate_password_hash

from gpect_workflow.models import Comment, OutboxMessage, Person, TaskStatus
from gpect_workflow.notifications.announcements import deliver_announcements
from gpect_workflow.services.context import session
from gpect_workflow.services.tasks import change_task_status
from tests.browser.conftest import PASSWORD, sign_in_with_password
from tests.factories import assignee, task
from tests.plan_helpers import start_five_levers_plan


def test_a_partner_comments_on_a_task_and_the_lead_answers(
    page: Page, live_url: str, definitions: None, dummy_lead: Person
) -> None:
    plan = start_five_levers_plan(dummy_lead, date(2026, 11, 2), name="Plan compétences – Chartres")
    session().commit()
    data = task(plan, "employment-data")
    partner = assignee(data)
    change_task_status(partner, data.id, TaskStatus.IN_PROGRESS, note="Extraction lancée")
    for person in (partner, dummy_lead):
        person.password_hash = generate_password_hash(PASSWORD)
    session().commit()

    sign_in_with_password(page, live_url, partner.email)
    page.goto(f"{live_url}/tasks/{data.id}")
    discussion = page.locator("#comments")
    expect(discussion.get_by_role("heading", name="Discussion")).to_be_visible()
    expect(discussion).to_contain_text("Extraction lancée")
    page.get_by_label("Votre commentaire").fill(
        "Faut-il les chiffres de 2025 ?\nTableau : https://docs.example.org/donnees.xlsx <script>x()</script>"
    )
    page.get_by_role("button", name="Ajouter le commentaire").click()

    expect(page.locator(".flash")).to_contain_text("Votre commentaire est ajouté.")
    comment = discussion.locator("li.comment").last
    expect(comment).to_contain_text("Faut-il les chiffres de 2025 ?")
    expect(comment).to_contain_text("<script>x()</script>")
    link = comment.get_by_role("link", name="https://docs.example.org/donnees.xlsx")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    timeline = discussion.locator("ol.timeline > li")
    expect(timeline.first).to_contain_text("Extraction lancée")  # the status change came first

    comment.get_by_text("Modifier ou supprimer ce commentaire").click()
    comment.get_by_label("Commentaire").fill("Faut-il les chiffres de 2025 ou de 2024 ?")
    comment.get_by_role("button", name="Enregistrer le commentaire").click()
    expect(page.locator(".flash")).to_contain_text("Votre commentaire est modifié.")
    expect(discussion.locator("li.comment").last).to_contain_text("ou de 2024 ?")
    expect(discussion.locator("li.comment").last).to_contain_text("modifié")

    page.context.clear_cookies()
    sign_in_with_password(page, live_url, dummy_lead.email)
    page.goto(f"{live_url}/tasks/{data.id}")
    expect(page.locator("#comments li.comment").last).to_contain_text("ou de 2024 ?")
    expect(page.locator("#comments").get_by_text("Modifier ou supprimer ce commentaire")).to_have_count(0)
    page.get_by_label("Votre commentaire").fill("Ceux de 2025, merci.")
    page.get_by_role("button", name="Ajouter le commentaire").click()
    expect(page.locator("#comments li.comment").last).to_contain_text("Ceux de 2025, merci.")

    session().expire_all()
    bodies = list(session().scalars(sa.select(Comment.body).where(Comment.task_id == data.id).order_by(Comment.id)))
    assert bodies == [
        "Faut-il les chiffres de 2025 ou de 2024 ?",
        "Ceux de 2025, merci.",
    ]
    deliver_announcements()  # the scheduler's pass renders what the requests announced
    told = set(session().scalars(sa.select(OutboxMessage.recipient_email).where(OutboxMessage.kind == "comment_added")))
    assert dummy_lead.email in told and partner.email in told
