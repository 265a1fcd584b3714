"""In a real browser: a partner adds a file to their task, sees a program named .pdf refused, and downloads it."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import Page, expect
from werkzeug.security import generate_password_hash

from gpect_workflow.models import EvidenceFile, Person
from gpect_workflow.services.context import session
from tests.browser.conftest import PASSWORD, sign_in_with_password
from tests.evidence_support import ELF, PDF, evidence_dir_fixture  # noqa: F401
from tests.factories import assignee, task
from tests.plan_helpers import start_five_levers_plan


def test_a_partner_uploads_a_file_to_a_task_and_downloads_it(
    page: Page, live_url: str, definitions: None, dummy_lead: Person, evidence_dir: Path, tmp_path: Path
) -> None:
    plan = start_five_levers_plan(dummy_lead, date(2026, 11, 2), name="Plan compétences – Chartres")
    session().commit()
    data = task(plan, "employment-data")
    partner = assignee(data)
    partner.password_hash = generate_password_hash(PASSWORD)
    session().commit()
    document, program = tmp_path / "Émargement réunion.pdf", tmp_path / "rapport.pdf"
    document.write_bytes(PDF)
    program.write_bytes(ELF)

    sign_in_with_password(page, live_url, partner.email)
    page.goto(f"{live_url}/tasks/{data.id}")
    expect(page.get_by_role("heading", name="Fichiers")).to_be_visible()
    expect(page.locator("#evidence")).to_contain_text("Aucun fichier pour l'instant.")

    page.get_by_label("Ajouter un fichier").set_input_files(str(program))
    page.get_by_role("button", name="Ajouter le fichier").click()
    expect(page.locator("#evidence-file-error")).to_contain_text("Ce type de fichier n'est pas accepté")

    page.get_by_label("Ajouter un fichier").set_input_files(str(document))
    page.get_by_role("button", name="Ajouter le fichier").click()
    expect(page.locator(".flash")).to_contain_text("Le fichier « Émargement réunion.pdf » (189 o) est ajouté.")
    link = page.locator("#evidence").get_by_role("link", name="Émargement réunion.pdf")
    expect(link).to_be_visible()
    expect(page.locator("#journal")).to_contain_text("A ajouté le fichier « Émargement réunion.pdf »")

    with page.expect_download() as started:
        link.click()
    download = started.value
    assert download.suggested_filename == "Émargement réunion.pdf"
    saved = tmp_path / "downloaded.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == PDF

    session().expire_all()
    (row,) = session().scalars(sa.select(EvidenceFile))
    assert row.sha256 == hashlib.sha256(PDF).hexdigest() and row.uploaded_by_id == partner.id
