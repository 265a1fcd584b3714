"""Evidence files through the API: list, upload (multipart), download and delete, for the plan's people only."""

from __future__ import annotations

import base64
import hashlib
import io
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from werkzeug.test import TestResponse

from gpect_workflow.models import Event, EvidenceFile, Task
from gpect_workflow.services.context import session
from gpect_workflow.services.evidence.content import ALLOWED_TYPES
from tests.api import test_api_contract
from tests.api.test_api_contract import World, assert_error
from tests.evidence_support import CSV, ELF, HTML, PDF, PNG, evidence_dir_fixture, stored_files  # noqa: F401

#: The contract tests' plan and people, each with a token.
world = test_api_contract.world


def send(world: World, path: str, who: str, content: bytes, name: str) -> TestResponse:
    data: dict[str, Any] = {"file": (io.BytesIO(content), name)}
    return world.call("POST", path, who, data=data, content_type="multipart/form-data")


def survey(world: World) -> Task:
    found = session().scalar(sa.select(Task).where(Task.plan_id == world.plan.id, Task.task_key == "employment-data"))
    assert found is not None
    return found


def test_a_partner_uploads_lists_downloads_and_deletes_a_task_file(world: World, evidence_dir: Path) -> None:
    task = survey(world)
    created = send(world, f"tasks/{task.id}/files", "partner", PDF, "Émargement.pdf")
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["name"] == "Émargement.pdf" and body["content_type"] == "application/pdf"
    assert body["size"] == len(PDF) and body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert body["task_id"] == task.id and body["stage_id"] == task.stage_id and body["can_delete"] is True
    assert body["uploaded_by"] == world.people["partner"].name

    listing = world.get(f"tasks/{task.id}/files", "committee").get_json()
    assert [item["id"] for item in listing["items"]] == [body["id"]]
    assert listing["items"][0]["can_delete"] is False and listing["can_add"] is True
    assert listing["max_bytes"] == 20_000_000

    download = world.get(body["download_url"], "committee")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%C3%89margement.pdf" in download.headers["Content-Disposition"]
    digest = base64.b64encode(hashlib.sha256(PDF).digest()).decode()
    assert download.headers["Repr-Digest"] == f"sha-256=:{digest}:"

    assert_error(world.call("DELETE", f"files/{body['id']}", "committee"), 403)
    assert world.call("DELETE", f"files/{body['id']}", "partner").status_code == 204
    assert world.get(f"tasks/{task.id}/files", "partner").get_json()["items"] == []
    assert stored_files(evidence_dir) == []
    kinds = session().scalars(sa.select(Event.kind).where(Event.kind.like("evidence_%")).order_by(Event.id))
    assert list(kinds) == ["evidence_added", "evidence_deleted"]


def test_gate_review_files_go_under_the_stage(world: World, evidence_dir: Path) -> None:
    task = survey(world)
    assert send(world, f"tasks/{task.id}/files", "partner", PDF, "a.pdf").status_code == 201
    created = send(world, f"stages/{task.stage_id}/files", "committee", PNG, "feuille.png")
    assert created.status_code == 201 and created.get_json()["task_id"] is None
    listing = world.get(f"stages/{task.stage_id}/files", "lead").get_json()
    assert [item["name"] for item in listing["items"]] == ["feuille.png", "a.pdf"]
    assert all(item["can_delete"] for item in listing["items"])  # the lead may delete any


def test_refused_uploads_name_the_file_field(app: Flask, world: World, evidence_dir: Path) -> None:
    task = survey(world)
    path = f"tasks/{task.id}/files"
    for content, name in ((ELF, "rapport.pdf"), (HTML, "rapport.pdf"), (b"", "vide.pdf"), (PDF, "../../x.pdf")):
        body = assert_error(send(world, path, "partner", content, name), 422, "file")
        assert body["refusal"] == "invalid_input"
    app.config["EVIDENCE_MAX_BYTES"] = 100
    body = assert_error(send(world, path, "partner", PDF, "grand.pdf"), 422, "file")
    assert body["errors"]["file"] == ["The file is too large: at most 0.0001 MB."]
    assert_error(world.call("POST", path, "partner", data={}, content_type="multipart/form-data"), 422, "file")
    assert_error(world.post(path, "partner", {"file": "not a file"}), 422, "file")
    assert session().scalar(sa.select(sa.func.count(EvidenceFile.id))) == 0 and stored_files(evidence_dir) == []
    app.config["EVIDENCE_MAX_FILES"], app.config["EVIDENCE_MAX_BYTES"] = 1, 1_000_000
    assert send(world, path, "partner", PDF, "un.pdf").status_code == 201
    body = assert_error(send(world, path, "partner", PDF, "deux.pdf"), 422, "file")
    assert body["errors"]["file"] == [
        "The most files allowed here (1) are already added: delete one before adding another."
    ]
    assert len(stored_files(evidence_dir)) == 1


def test_outsiders_get_404_for_every_file_operation(world: World, evidence_dir: Path) -> None:
    task = survey(world)
    file_id = send(world, f"tasks/{task.id}/files", "partner", PDF, "a.pdf").get_json()["id"]
    assert_error(world.get(f"tasks/{task.id}/files", "outsider"), 404)
    assert_error(world.get(f"stages/{task.stage_id}/files", "outsider"), 404)
    assert_error(send(world, f"tasks/{task.id}/files", "outsider", PDF, "b.pdf"), 404)
    assert_error(send(world, f"stages/{task.stage_id}/files", "outsider", PDF, "b.pdf"), 404)
    assert_error(world.get(f"files/{file_id}/content", "outsider"), 404)
    assert_error(world.call("DELETE", f"files/{file_id}", "outsider"), 404)
    assert_error(world.get(f"files/{file_id}/content", None), 401)
    assert world.get("files/2147483648/content", "partner").status_code == 404
    assert session().scalar(sa.select(sa.func.count(EvidenceFile.id))) == 1


def test_the_content_answer_is_documented_in_every_type_a_file_may_have(world: World, evidence_dir: Path) -> None:
    """A file is sent in the type found in its content (a PNG as ``image/png``, a CSV as ``text/csv``), and the
    API's description lists each allowed type for that answer: documented as ``application/octet-stream``
    alone, every picture or table downloaded broke the published contract."""
    task = survey(world)
    content = world.get("/api/openapi.json").get_json()["paths"]["/api/v1/files/{file_id}/content"]["get"]
    documented = set(content["responses"]["200"]["content"])
    assert documented == set(ALLOWED_TYPES)
    for data, name in ((PNG, "carte.png"), (CSV, "demandeurs.csv"), (PDF, "note.pdf")):
        file_id = send(world, f"tasks/{task.id}/files", "partner", data, name).get_json()["id"]
        answer = world.get(f"files/{file_id}/content", "partner")
        assert answer.status_code == 200 and answer.mimetype in documented, (name, answer.mimetype)
