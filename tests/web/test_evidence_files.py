"""Evidence files from the pages: adding one to a task or a gate review, downloading it, deleting it; the
refusals (size, type by content, empty, names with paths); who may do what; the review report's list."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from gpect_workflow.models import Event, EvidenceFile, Language
from gpect_workflow.services.context import session
from tests.conftest import csrf_token
from tests.evidence_support import (  # noqa: F401
    CSV,
    ELF,
    HTML,
    PDF,
    PNG,
    evidence_dir_fixture,
    odt_with_unreadable_manifest,
    office,
    plain_zip,
    stored_files,
)
from tests.query_count import count_queries

from .plan_support import Cast, as_, cast_fixture, events, post, section, task, text  # noqa: F401


def upload(client: FlaskClient, url: str, content: bytes, name: str, **fields: str) -> TestResponse:
    """Send a file as the page's form does: multipart, with the session's CSRF token."""
    data: dict[str, Any] = {"csrf_token": csrf_token(client), "file": (io.BytesIO(content), name), **fields}
    return client.post(url, data=data, content_type="multipart/form-data")


def files() -> list[EvidenceFile]:
    session().expire_all()
    return list(session().scalars(sa.select(EvidenceFile).order_by(EvidenceFile.id)))


def test_a_partner_adds_a_file_to_their_task_and_the_plan_s_people_download_it(
    client: FlaskClient, cast: Cast, evidence_dir: Path
) -> None:
    survey = task(cast.plan, "employment-data")
    response = upload(as_(client, cast.partner), f"/tasks/{survey.id}/files", PDF, "Compte rendu réunion.pdf")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tasks/{survey.id}#evidence")

    (row,) = files()
    assert row.display_name == "Compte rendu réunion.pdf" and row.content_type == "application/pdf"
    assert row.size_bytes == len(PDF) and row.sha256 == hashlib.sha256(PDF).hexdigest()
    assert row.task_id == survey.id and row.stage_id == survey.stage_id and row.uploaded_by_id == cast.partner.id
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", row.storage_key)
    (stored,) = stored_files(evidence_dir)
    assert stored.name == row.storage_key and stored.read_bytes() == PDF
    (added,) = events(cast.plan, "evidence_added")
    assert added.task_id == survey.id and added.actor_id == cast.partner.id
    assert added.data == {"file_id": row.id, "name": row.display_name, "size": len(PDF), "sha256": row.sha256}

    page = text(as_(client, cast.committee).get(f"/tasks/{survey.id}"))
    listed = section(page, "evidence-title")
    assert f'href="/files/{row.id}"' in listed and "Compte rendu réunion.pdf" in listed
    assert "Employment Service" in listed or cast.partner.name in listed
    assert "Added the file “Compte rendu réunion.pdf” to “Provide employment" in page

    with client.get(f"/files/{row.id}") as download:  # closing the answer closes the file it streams
        assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"  # the type found in the content
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=\"Compte rendu reunion.pdf\"; filename*=UTF-8''Compte%20rendu%20r%C3%A9union.pdf"
    )
    assert download.headers["ETag"] == f'"{row.sha256}"'
    assert download.headers["Repr-Digest"].startswith("sha-256=:") and "no-store" in download.headers["Cache-Control"]


def test_the_type_comes_from_the_content_and_text_is_served_as_utf8_text(
    client: FlaskClient, cast: Cast, evidence_dir: Path
) -> None:
    survey = task(cast.plan, "employment-data")
    as_(client, cast.partner)
    accepted = {
        "tableau.csv": (CSV, "text/csv"),
        "photo.jpg": (PNG, "image/png"),  # a PNG named .jpg is a PNG
        "note.docx": (office("docx"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        "suivi.xlsx": (office("xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "bilan.odt": (office("odt"), "application/vnd.oasis.opendocument.text"),
        "notes": (b"Plain notes\n", "text/plain"),
    }
    for name, (content, _kind) in accepted.items():
        assert upload(client, f"/tasks/{survey.id}/files", content, name).status_code == 302, name
    assert {row.display_name: row.content_type for row in files()} == {n: k for n, (_c, k) in accepted.items()}
    csv_row = next(row for row in files() if row.display_name == "tableau.csv")
    with client.get(f"/files/{csv_row.id}") as download:
        assert download.headers["Content-Type"] == "text/csv; charset=utf-8"


def _refused(client: FlaskClient, url: str, content: bytes, name: str) -> str:
    response = upload(client, url, content, name)
    assert response.status_code == 422, name
    page = text(response)
    return section(page, "evidence-title")


def test_refused_files_are_told_beside_the_field_and_nothing_is_kept(
    app: Flask, client: FlaskClient, cast: Cast, evidence_dir: Path
) -> None:
    survey = task(cast.plan, "employment-data")
    url = f"/tasks/{survey.id}/files"
    as_(client, cast.partner)
    app.config["EVIDENCE_MAX_BYTES"] = 1000
    assert "The file is too large: at most 0.001 MB." in _refused(client, url, b"a" * 1001, "big.txt")
    assert "The file is too large: at most" in _refused(client, url, PDF + b"%" * 1000, "big.pdf")
    # A document cut short (its zip directory gone), or whose manifest is encrypted or compressed by a method
    # Python lacks, reads as no document at all: refused, never a 500.
    truncated = office("docx")[:-30]
    for content, name in (
        (ELF, "rapport.pdf"),
        (HTML, "rapport.pdf"),
        (plain_zip(), "note.docx"),
        (truncated, "cut.docx"),
        (odt_with_unreadable_manifest(encrypted=True), "locked.odt"),
        (odt_with_unreadable_manifest(method=97), "odd.odt"),
    ):
        assert "This kind of file is not accepted" in _refused(client, url, content, name), name
    assert "This kind of file is not accepted" in _refused(client, url, "Métier;n\n".encode("latin-1"), "a.csv")
    assert "The file is empty." in _refused(client, url, b"", "vide.pdf")
    # The test client writes names into the part's header as they are, where a backslash escapes the next
    # character: doubled, it reaches the app as one, as a browser's ``C:\Users\...`` would.
    names = ("../../etc/passwd.pdf", "..\\\\..\\\\boot.ini.pdf", "C:\\\\Users\\\\note.pdf", "a\x00b.pdf", "a\tb.pdf")
    for name in names:
        assert "Rename the file" in _refused(client, url, PDF, name), repr(name)
    assert "Rename the file" in _refused(client, url, PDF, "n" * 300 + ".pdf")
    assert 'aria-invalid="true"' in _refused(client, url, b"", "vide.pdf")
    assert files() == [] and stored_files(evidence_dir) == []
    assert events(cast.plan, "evidence_added") == []


def test_a_task_and_a_gate_review_hold_at_most_evidence_max_files_each(
    app: Flask, client: FlaskClient, cast: Cast, evidence_dir: Path
) -> None:
    """The lists are shown whole: the file past the limit is refused where it is added, until one is deleted;
    the task's files and the review's own are counted apart."""
    app.config["EVIDENCE_MAX_FILES"] = 2
    survey = task(cast.plan, "employment-data")
    url = f"/tasks/{survey.id}/files"
    as_(client, cast.partner)
    for number in (1, 2):
        assert upload(client, url, PDF, f"pv-{number}.pdf").status_code == 302
    refused = _refused(client, url, PDF, "pv-3.pdf")
    assert "The most files allowed here (2) are already added: delete one before adding another." in refused
    assert [file.display_name for file in files()] == ["pv-1.pdf", "pv-2.pdf"] and len(stored_files(evidence_dir)) == 2
    review = f"/stages/{survey.stage_id}/files"
    assert upload(as_(client, cast.committee), review, PNG, "feuille.png").status_code == 302
    post(as_(client, cast.partner), f"/files/{files()[0].id}/delete", {})
    assert upload(client, url, PDF, "pv-3.pdf").status_code == 302
    cast.partner.language = Language.FR
    session().commit()
    french = _refused(client, url, PDF, "pv-4.pdf")
    assert "Le nombre maximal de fichiers (2) est atteint\u00a0: supprimez-en un avant d'en ajouter un autre." in french


def test_a_form_without_a_file_or_without_its_csrf_token_is_refused(
    client: FlaskClient, cast: Cast, evidence_dir: Path
) -> None:
    survey = task(cast.plan, "employment-data")
    as_(client, cast.partner)
    response = post(client, f"/tasks/{survey.id}/files", {})
    assert response.status_code == 422 and "Choose a file to add." in text(response)
    no_token = client.post(
        f"/tasks/{survey.id}/files", data={"file": (io.BytesIO(PDF), "a.pdf")}, content_type="multipart/form-data"
    )
    assert no_token.status_code == 400 and files() == []


def test_uploads_may_exceed_the_request_limit_by_the_file_limit_and_no_more(
    app: Flask, client: FlaskClient, cast: Cast, evidence_dir: Path
) -> None:
    survey = task(cast.plan, "employment-data")
    as_(client, cast.partner)
    app.config["REQUEST_MAX_BYTES"] = 10_000
    app.config["EVIDENCE_MAX_BYTES"] = 100_000
    content = PDF + b"%" * 50_000
    assert upload(client, f"/tasks/{survey.id}/files", content, "large.pdf").status_code == 302
    # The same size on a page that takes no file is refused unread.
    big_note = post(client, f"/tasks/{survey.id}/status", {"status": "in_progress", "note": "x" * 50_000})
    assert big_note.status_code == 413
    # Far past the file limit and the form's margin: refused unread too.
    assert upload(client, f"/tasks/{survey.id}/files", PDF + b"%" * 200_000, "huge.pdf").status_code == 413
    assert len(files()) == 1


def test_outsiders_get_404_for_every_file_address(client: FlaskClient, cast: Cast, evidence_dir: Path) -> None:
    survey = task(cast.plan, "employment-data")
    upload(as_(client, cast.partner), f"/tasks/{survey.id}/files", PDF, "a.pdf")
    (row,) = files()
    for outsider in (cast.outsider, cast.other_lead):
        as_(client, outsider)
        assert client.get(f"/files/{row.id}").status_code == 404
        assert upload(client, f"/tasks/{survey.id}/files", PDF, "b.pdf").status_code == 404
        assert upload(client, f"/stages/{survey.stage_id}/files", PDF, "b.pdf").status_code == 404
        assert post(client, f"/files/{row.id}/delete", {}).status_code == 404
    assert client.get("/files/999999").status_code == 404
    assert client.get("/files/99999999999999999999").status_code == 404
    assert len(files()) == 1 and len(stored_files(evidence_dir)) == 1


def test_the_uploader_or_the_lead_deletes_a_file_the_journal_keeps_it_and_its_bytes_go(
    client: FlaskClient, cast: Cast, evidence_dir: Path
) -> None:
    survey = task(cast.plan, "employment-data")
    upload(as_(client, cast.partner), f"/tasks/{survey.id}/files", PDF, "premier.pdf")
    upload(client, f"/tasks/{survey.id}/files", CSV, "second.csv")
    first, second = files()

    colleague_page = text(as_(client, cast.colleague).get(f"/tasks/{survey.id}"))
    assert f"/files/{first.id}/delete" not in colleague_page  # neither uploader nor lead
    assert post(client, f"/files/{first.id}/delete", {}).status_code == 403

    response = post(as_(client, cast.partner), f"/files/{first.id}/delete", {"return_to": "task"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tasks/{survey.id}#evidence")
    assert post(as_(client, cast.lead), f"/files/{second.id}/delete", {}).status_code == 302
    assert files() == [] and stored_files(evidence_dir) == []
    deleted = events(cast.plan, "evidence_deleted")
    assert [(event.actor_id, (event.data or {})["name"]) for event in deleted] == [
        (cast.partner.id, "premier.pdf"),
        (cast.lead.id, "second.csv"),
    ]
    assert (deleted[0].data or {})["sha256"] == first.sha256
    page = text(client.get(f"/tasks/{survey.id}"))
    assert "Deleted the file “premier.pdf” from “Provide employment" in page
    assert "No file yet." in section(page, "evidence-title")


def test_a_rolled_back_deletion_keeps_the_file_s_bytes(client: FlaskClient, cast: Cast, evidence_dir: Path) -> None:
    from gpect_workflow.services.evidence.files import delete_file
    from gpect_workflow.services.unit_of_work import rollback

    survey = task(cast.plan, "employment-data")
    upload(as_(client, cast.partner), f"/tasks/{survey.id}/files", PDF, "a.pdf")
    (row,) = files()
    delete_file(cast.partner, row.id)
    rollback()
    assert len(files()) == 1 and len(stored_files(evidence_dir)) == 1


def test_the_gate_review_lists_its_files_and_its_tasks_and_takes_new_ones(
    client: FlaskClient, cast: Cast, evidence_dir: Path
) -> None:
    survey = task(cast.plan, "employment-data")
    upload(as_(client, cast.partner), f"/tasks/{survey.id}/files", CSV, "données.csv")
    response = upload(as_(client, cast.committee), f"/stages/{survey.stage_id}/files", PNG, "feuille.png")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/stages/{survey.stage_id}/review#gate-evidence")
    gate_file = files()[1]
    assert gate_file.task_id is None and gate_file.stage_id == survey.stage_id
    (added,) = [event for event in events(cast.plan, "evidence_added") if event.task_id is None]
    assert added.stage_id == survey.stage_id

    listed = section(text(client.get(f"/stages/{survey.stage_id}/review")), "gate-evidence-title")
    assert listed.index("feuille.png") < listed.index("données.csv")  # the review's own first
    assert "gate review" in listed and "Provide employment and job-seeker data" in listed
    refused = upload(client, f"/stages/{survey.stage_id}/files", ELF, "pv.pdf")
    assert refused.status_code == 422
    assert "This kind of file is not accepted" in section(text(refused), "gate-evidence-title")
    deleted = post(client, f"/files/{gate_file.id}/delete", {"return_to": "review"})
    assert deleted.headers["Location"].endswith(f"/stages/{survey.stage_id}/review#gate-evidence")


def test_the_review_report_lists_the_files_with_size_who_and_when(
    client: FlaskClient, cast: Cast, evidence_dir: Path
) -> None:
    survey = task(cast.plan, "employment-data")
    upload(as_(client, cast.partner), f"/tasks/{survey.id}/files", PDF, "rapport.pdf")
    upload(as_(client, cast.committee), f"/stages/{survey.stage_id}/files", CSV, "=SUM(A1) bilan.csv")
    assert [row.display_name for row in files()] == ["rapport.pdf", "=SUM(A1) bilan.csv"]
    page = text(as_(client, cast.lead).get(f"/plans/{cast.plan.id}/report"))
    assert "Evidence files" in page and "rapport.pdf" in page and f"{len(PDF)}\u00a0B" in page
    assert cast.partner.name in page
    csv = client.get(f"/plans/{cast.plan.id}/report.csv").data.decode("utf-8-sig")
    lines = [line for line in csv.splitlines() if ";file;" in line]
    assert len(lines) == 2
    assert "rapport.pdf" in lines[0] and cast.partner.name in lines[0] and "2026-11-30" in lines[0]
    assert "Provide employment and job-seeker data" in lines[0]
    assert ";'=SUM(A1) bilan.csv" in lines[1] and "gate review" in lines[1]  # a formula is never run by a spreadsheet
    pdf = client.get(f"/plans/{cast.plan.id}/report.pdf")
    assert pdf.status_code == 200

    from pypdf import PdfReader

    words = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "rapport.pdf" in words and "Evidence files" in words


def _task_page_statements(client: FlaskClient, address: str) -> int:
    g.pop("gpect_definitions", None)
    g.pop("gpect_task_defs", None)
    g.pop("_login_user", None)
    session().expire_all()
    with count_queries() as statements:
        assert client.get(address).status_code == 200
    return len(statements)


def test_the_task_page_costs_the_same_statements_with_one_file_or_thirty(
    client: FlaskClient, cast: Cast, evidence_dir: Path
) -> None:
    one, many = task(cast.plan, "employment-data"), task(cast.plan, "inventory-existing-studies")
    upload(as_(client, cast.partner), f"/tasks/{one.id}/files", PDF, "seul.pdf")
    people = (cast.lead, cast.partner, cast.committee, cast.chamber)
    for number in range(30):
        upload(as_(client, people[number % 4]), f"/tasks/{many.id}/files", CSV, f"fichier-{number}.csv")
    as_(client, cast.lead)
    assert len(section(text(client.get(f"/tasks/{many.id}")), "evidence-title").split("<li ")) == 31
    assert _task_page_statements(client, f"/tasks/{one.id}") == _task_page_statements(client, f"/tasks/{many.id}")


def test_a_damaged_file_is_not_served(client: FlaskClient, cast: Cast, evidence_dir: Path) -> None:
    import pytest

    from gpect_workflow.services.evidence.files import EvidenceDamaged, open_file

    survey = task(cast.plan, "employment-data")
    upload(as_(client, cast.partner), f"/tasks/{survey.id}/files", PDF, "a.pdf")
    (row,) = files()
    (stored,) = stored_files(evidence_dir)
    stored.write_bytes(PDF.replace(b"3 3", b"9 9"))
    with pytest.raises(EvidenceDamaged):
        open_file(cast.partner, row.id)


def test_a_finished_plan_s_files_are_read_only(client: FlaskClient, cast: Cast, evidence_dir: Path) -> None:
    from gpect_workflow.models import PlanStatus

    survey = task(cast.plan, "employment-data")
    upload(as_(client, cast.partner), f"/tasks/{survey.id}/files", PDF, "a.pdf")
    (row,) = files()
    cast.plan.status = PlanStatus.CANCELLED
    session().commit()
    refused = upload(client, f"/tasks/{survey.id}/files", PDF, "b.pdf")
    assert refused.status_code == 409 and "The plan is finished or cancelled" in text(refused)
    assert post(client, f"/files/{row.id}/delete", {}).status_code == 409
    with client.get(f"/files/{row.id}") as download:
        assert download.status_code == 200
    page = text(client.get(f"/tasks/{survey.id}"))
    assert 'type="file"' not in page and "/delete" not in section(page, "evidence-title")
    assert (
        len(files()) == 1
        and session().scalar(sa.select(sa.func.count(Event.id)).where(Event.kind == "evidence_deleted")) == 0
    )


def test_the_gate_review_costs_the_same_statements_with_one_file_or_thirty(
    client: FlaskClient, cast: Cast, evidence_dir: Path
) -> None:
    survey = task(cast.plan, "employment-data")
    stage_id = survey.stage_id
    upload(as_(client, cast.committee), f"/stages/{stage_id}/files", PDF, "pv.pdf")
    as_(client, cast.lead)
    once = _task_page_statements(client, f"/stages/{stage_id}/review")
    for number in range(29):
        upload(client, f"/tasks/{survey.id}/files" if number % 2 else f"/stages/{stage_id}/files", CSV, f"{number}.csv")
    listed = section(text(client.get(f"/stages/{stage_id}/review")), "gate-evidence-title")
    assert len(listed.split("<li ")) == 31
    assert _task_page_statements(client, f"/stages/{stage_id}/review") == once
