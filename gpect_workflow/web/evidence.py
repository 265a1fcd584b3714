"""Evidence files from the pages: add one to a task or a gate review, download it, delete it.

An upload is a multipart POST form with its CSRF token, one file at a time; a refused file shows the page
again (422) with the reason beside the file field, a plan that no longer changes answers 409. Downloads are
always attachments (``downloads.file_response``). Outsiders get 404 on every one of these addresses.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import format_decimal, gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from ..downloads import file_response
from ..errors import InvalidTransition, ValidationError
from ..services.evidence.content import megabytes
from ..services.evidence.files import add_gate_file, add_task_file, delete_file, open_file
from ..services.unit_of_work import after_rollback
from ..uploads import accepts_files
from ..vocabulary import N_
from .auth import signed_in
from .refusals import error_fields, refusal_text
from .stages import render_gate_review
from .tasks.page import render_task


def register(blueprint: Blueprint) -> None:
    """Add the evidence file routes to the UI blueprint."""
    blueprint.add_url_rule("/tasks/<id:task_id>/files", "task_file_upload", view_func=upload_to_task, methods=["POST"])
    blueprint.add_url_rule(
        "/stages/<id:stage_id>/files", "gate_file_upload", view_func=upload_to_gate, methods=["POST"]
    )
    blueprint.add_app_template_global(file_size, "file_size")
    blueprint.add_app_template_global(megabytes, "megabytes")
    blueprint.add_url_rule("/files/<id:file_id>", "evidence_file", view_func=download)
    blueprint.add_url_rule("/files/<id:file_id>/delete", "evidence_file_delete", view_func=delete, methods=["POST"])


@accepts_files
@signed_in(back_to="gpect.task_page")
def upload_to_task(task_id: int) -> Any:
    """Attach the file sent to the task, then go back to the task page."""
    upload = request.files.get("file")
    try:
        file = add_task_file(current_user, task_id, upload.filename if upload else None, _stream(upload))
    except (ValidationError, InvalidTransition) as error:
        status, again = _status(error), _form(error)
        return after_rollback(lambda: render_task(task_id, status=status, evidence_form=again))
    flash(_added(file.display_name, file.size_bytes), "success")
    return redirect(url_for("gpect.task_page", task_id=task_id, _anchor="evidence"))


@accepts_files
@signed_in(back_to="gpect.review_page")
def upload_to_gate(stage_id: int) -> Any:
    """Attach the file sent to the stage's gate review, then go back to the review."""
    upload = request.files.get("file")
    try:
        file = add_gate_file(current_user, stage_id, upload.filename if upload else None, _stream(upload))
    except (ValidationError, InvalidTransition) as error:
        status, again = _status(error), _form(error)
        return after_rollback(lambda: render_gate_review(stage_id, status, evidence_form=again))
    flash(_added(file.display_name, file.size_bytes), "success")
    return redirect(url_for("gpect.review_page", stage_id=stage_id, _anchor="gate-evidence"))


@signed_in
def download(file_id: int) -> Response:
    """The file, as an attachment, for the plan's people."""
    found = open_file(current_user, file_id)
    file = found.file
    return file_response(found.content, file.display_name, file.content_type, file.size_bytes, file.sha256)


@signed_in
def delete(file_id: int) -> Any:
    """Delete a file (its uploader or the plan lead), then go back to the page the form was on."""
    file = delete_file(current_user, file_id)
    flash(gettext("The file “%(name)s” is deleted.", name=file.display_name), "success")
    if request.form.get("return_to") == "review" or file.task_id is None:
        return redirect(url_for("gpect.review_page", stage_id=file.stage_id, _anchor="gate-evidence"))
    return redirect(url_for("gpect.task_page", task_id=file.task_id, _anchor="evidence"))


def _stream(upload: Any) -> Any:
    """The uploaded file's bytes (an empty stream when none was sent: the service says a file is needed)."""
    return upload.stream if upload is not None else io.BytesIO()


def _status(error: Exception) -> int:
    return 422 if isinstance(error, ValidationError) else 409


def _form(error: Exception) -> dict[str, Any]:
    """What the evidence form shows again: the reason beside the file field, or a message above it."""
    if isinstance(error, ValidationError):
        return {"errors": error_fields(error).get("file", []), "message": None}
    return {"errors": [], "message": refusal_text(error)}  # type: ignore[arg-type]


def _added(name: str, size: int) -> str:
    return gettext("The file “%(name)s” (%(size)s) is added.", name=name, size=file_size(size))


#: Units of sizes, in the reader's language (French writes octets: o, Ko, Mo, Go).
_UNITS = (N_("B"), N_("KB"), N_("MB"), N_("GB"))


def file_size(size: int) -> str:
    """A size as people read it, in decimal units: ``820 B``, ``14.2 KB`` / ``14,2 Ko``, ``20 MB``."""
    value, step = float(size), 0
    while value >= 1000 and step < len(_UNITS) - 1:
        value, step = value / 1000, step + 1
    return f"{format_decimal(value, format='0.#')}\u00a0{gettext(_UNITS[step])}"
