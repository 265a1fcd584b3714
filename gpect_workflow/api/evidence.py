"""Evidence files of tasks and gate reviews: list, upload (multipart), download, delete.

The same services and checks as the pages: a file's type is read from its content, its size is limited
(``EVIDENCE_MAX_BYTES``), outsiders get 404, and a download is an attachment with ``nosniff``, the stored
type and the SHA-256 as ETag and ``Repr-Digest``.
"""

from __future__ import annotations

from typing import Any

from flask import Response, url_for
from flask.views import MethodView

from ..downloads import file_response
from ..models import EvidenceFile, Person
from ..services.evidence.content import ALLOWED_TYPES
from ..services.evidence.files import (
    EvidenceLine,
    EvidenceList,
    add_gate_file,
    add_task_file,
    delete_file,
    gate_evidence,
    open_file,
    task_evidence,
)
from .auth import api_person
from .common import ApiBlueprint, errors
from .schemas.evidence import EvidenceFileSchema, EvidenceListSchema, EvidenceUploadSchema

URL_PREFIX = ""
blp = ApiBlueprint("gpect_api_evidence", __name__, description="Evidence files", authenticate=api_person)

_FILE_ANSWER = {
    "description": "The file, as an attachment, in the type found in its content",
    # The type found in the file's content when it was accepted: one of the allowed types, each documented.
    "content": {media: {"schema": {"type": "string", "format": "binary"}} for media in sorted(ALLOWED_TYPES)},
    "headers": {
        "ETag": {"description": "The SHA-256 of the content, quoted", "schema": {"type": "string"}},
        "Repr-Digest": {"description": "sha-256 of the content (RFC 9530)", "schema": {"type": "string"}},
        "Content-Disposition": {"description": "attachment, with the file's name", "schema": {"type": "string"}},
    },
}


def _item(line: EvidenceLine) -> dict[str, Any]:
    return {
        "file": line.file,
        "uploader": line.uploader,
        "can_delete": line.can_delete,
        "download_url": url_for("gpect_api_evidence.FileContent", file_id=line.file.id),
    }


def _listing(evidence: EvidenceList) -> dict[str, Any]:
    return {
        "items": [_item(line) for line in evidence.lines],
        "max_bytes": evidence.max_bytes,
        "can_add": evidence.can_add,
    }


def _added(file: EvidenceFile, person: Person) -> dict[str, Any]:
    return _item(EvidenceLine(file, person.name, None, None, can_delete=True))


@blp.route("/tasks/<int(max=2147483647):task_id>/files")
class TaskFiles(MethodView):
    #: Upload requests may carry a file of EVIDENCE_MAX_BYTES (``uploads``).
    ACCEPTS_FILES = True

    @blp.response(200, EvidenceListSchema)
    @errors(blp, 404)
    def get(self, task_id: int) -> Any:
        """The task's files, newest first."""
        return _listing(task_evidence(api_person(), task_id))

    @blp.arguments(EvidenceUploadSchema, location="files")
    @blp.response(201, EvidenceFileSchema)
    @errors(blp, 404, 409, 413, 422)
    def post(self, data: dict[str, Any], task_id: int) -> Any:
        """Attach a file to the task (multipart/form-data, field ``file``).

        Refused with 422 (``errors.file``) when it is empty, too large, of a type not accepted (read from the
        content: a program named ``.pdf`` is refused) or named with a path or control characters; 413 when
        the request itself is far over the limit; 409 when the plan is finished or cancelled.
        """
        person = api_person()
        upload = data["file"]
        return _added(add_task_file(person, task_id, upload.filename, upload.stream), person)


@blp.route("/stages/<int(max=2147483647):stage_id>/files")
class GateFiles(MethodView):
    ACCEPTS_FILES = True

    @blp.response(200, EvidenceListSchema)
    @errors(blp, 404)
    def get(self, stage_id: int) -> Any:
        """The files of the stage's gate review: its own, then its tasks', newest first."""
        return _listing(gate_evidence(api_person(), stage_id))

    @blp.arguments(EvidenceUploadSchema, location="files")
    @blp.response(201, EvidenceFileSchema)
    @errors(blp, 404, 409, 413, 422)
    def post(self, data: dict[str, Any], stage_id: int) -> Any:
        """Attach a file to the stage's gate review (multipart/form-data, field ``file``), with the same checks
        as a task's files."""
        person = api_person()
        upload = data["file"]
        return _added(add_gate_file(person, stage_id, upload.filename, upload.stream), person)


@blp.route("/files/<int(max=2147483647):file_id>")
class FileById(MethodView):
    @blp.response(204)
    @errors(blp, 403, 404, 409)
    def delete(self, file_id: int) -> Any:
        """Delete a file (the person who added it, the plan lead or an administrator); the journal keeps its
        name, size and SHA-256."""
        delete_file(api_person(), file_id)
        return Response(status=204)


@blp.route("/files/<int(max=2147483647):file_id>/content")
class FileContent(MethodView):
    @blp.doc(responses={200: _FILE_ANSWER})
    @errors(blp, 404)
    def get(self, file_id: int) -> Any:
        """The file's bytes, checked against its SHA-256 first."""
        found = open_file(api_person(), file_id)
        file = found.file
        return file_response(found.content, file.display_name, file.content_type, file.size_bytes, file.sha256)
