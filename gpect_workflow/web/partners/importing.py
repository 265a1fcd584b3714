"""Importing people from a CSV file: the format and the upload, a preview of every row, then the import.

The import checks a whole file first and shows what each row will do; confirming imports the valid rows in
one transaction. Between the two steps the file travels in the page itself, signed with the application's
secret, so no server keeps state and nobody can slip in other content.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass, replace
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    request,
    url_for,
)
from flask import session as cookie
from flask_babel import gettext
from flask_login import current_user
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from ...services.access import can_edit_people, can_manage_directory
from ...services.csv_export import CSV_CONTENT_TYPE
from ...services.partners.directory import (
    list_territories,
)
from ...services.partners.importing.applying import (
    ImportFailed,
    ImportMode,
    ImportRefused,
    PreviewOutdated,
    import_people,
    preview_import,
)
from ...services.partners.importing.checking import ImportPreview
from ...services.partners.importing.reading import MAX_FILE_BYTES, MAX_ROWS, ImportFileError, example_csv
from ...services.partners.importing.vocabulary import (
    COLUMN_ALIASES,
    COLUMN_LABELS,
    COLUMNS,
    KIND_NAMES,
    REQUIRED_COLUMNS,
    accepted,
)
from ...services.unit_of_work import after_rollback
from ..auth import signed_in
from .directory import render, require
from .labels import (
    import_message,
    problem_message,
)

#: Where the summary of the last import waits for the page that shows it.
SUMMARY_KEY = "gpect_import_summary"

#: How long a preview may be confirmed.
PREVIEW_MAX_AGE = 2 * 3600

#: Characters per hidden field carrying the file (each form field stays under Flask's memory limit).
CHUNK = 200_000


def register(blueprint: Blueprint) -> None:
    """Add the CSV import to the UI blueprint."""
    add = blueprint.add_url_rule
    add("/partners/import", "partners_import", import_upload, methods=["GET", "POST"])
    add("/partners/import/confirm", "partners_import_confirm", import_confirm, methods=["POST"])
    add("/partners/import/done", "partners_import_done", import_done)
    add("/partners/import/example.csv", "partners_import_example", import_example)


@dataclass(frozen=True, slots=True)
class SignedUpload:
    """A file between its preview and its confirmation, as the preview page carries it."""

    person_id: int
    filename: str
    update_existing: bool
    digest: str
    data: bytes


def _signer() -> TimestampSigner:
    return TimestampSigner(current_app.secret_key, salt="gpect-partners-import")  # type: ignore[arg-type]


def sign_upload(upload: SignedUpload) -> list[str]:
    """The file and what the preview decided, compressed and signed, in chunks for hidden fields."""
    header = json.dumps([upload.person_id, upload.filename, upload.update_existing, upload.digest]).encode()
    blob = base64.urlsafe_b64encode(zlib.compress(header + b"\n" + upload.data, 9))
    token = _signer().sign(blob).decode("ascii")
    return [token[start : start + CHUNK] for start in range(0, len(token), CHUNK)]


def read_upload(chunks: list[str]) -> SignedUpload:
    """The file a preview page carried; ``BadSignature`` if it was changed, expired or is not ours."""
    blob = _signer().unsign("".join(chunks), max_age=PREVIEW_MAX_AGE)
    try:
        header, _, data = zlib.decompress(base64.urlsafe_b64decode(blob)).partition(b"\n")
        person_id, filename, update_existing, digest = json.loads(header)
    except (ValueError, zlib.error) as error:  # pragma: no cover - only our own signature gets this far
        raise BadSignature("unreadable upload") from error
    return SignedUpload(int(person_id), str(filename), bool(update_existing), str(digest), data)


@signed_in
def import_upload() -> Any:
    """Step 1: the format, the upload form, and, once a file is sent, the preview of every row."""
    require(can_manage_directory(current_user))
    if request.method == "GET":
        return _import_page()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _import_page(file_error=gettext("Choose a CSV file to import."))
    data = upload.stream.read(MAX_FILE_BYTES + 1)
    update_existing = request.form.get("update_existing") == "1" and can_edit_people(current_user)
    try:
        preview = preview_import(current_user, data, update_existing=update_existing)
    except ImportFileError as error:
        return _import_page(file_error=import_message(error.code, error.params))
    upload_ = SignedUpload(current_user.id, upload.filename[:200], update_existing, preview.digest, data)
    return _preview_page(preview, upload_)


@signed_in
def import_confirm() -> Any:
    """Step 2: import the previewed file's valid rows (or all rows or none) in one transaction."""
    require(can_manage_directory(current_user))
    try:
        upload = read_upload(request.form.getlist("upload"))
    except (BadSignature, SignatureExpired):
        upload = None
    if upload is None or upload.person_id != current_user.id:
        return _import_page(file_error=gettext("This preview has expired or is not valid: upload the file again."))
    mode = ImportMode.VALID_ROWS if request.form.get("mode") == ImportMode.VALID_ROWS else ImportMode.ALL_OR_NOTHING
    try:
        preview, result = import_people(
            current_user,
            upload.data,
            update_existing=upload.update_existing,
            mode=mode,
            expected_digest=upload.digest,
        )
    except PreviewOutdated as outdated:
        fresh = outdated.preview
        return after_rollback(lambda: _preview_page(fresh, replace(upload, digest=fresh.digest), "outdated", 409))
    except ImportRefused as refused:
        refused_preview = refused.preview
        return after_rollback(lambda: _preview_page(refused_preview, upload, "refused", 422))
    except ImportFailed as failed:
        line = failed.line
        return after_rollback(lambda: _failed_import_page(upload, line))
    cookie[SUMMARY_KEY] = {
        "filename": upload.filename,
        "organisations_created": result.organisations_created,
        "people_created": result.people_created,
        "people_updated": result.people_updated,
        "people_unchanged": result.people_unchanged,
        "rows_left_out": result.rows_left_out,
        "rows": len(preview.rows),
    }
    return redirect(url_for("gpect.partners_import_done"))


@signed_in
def import_done() -> Any:
    """What the last import did (shown once, after the redirect that follows it)."""
    require(can_manage_directory(current_user))
    summary = cookie.pop(SUMMARY_KEY, None)
    if not summary:
        return redirect(url_for("gpect.partners_import"))
    return render("import_done.html", summary=summary)


@signed_in
def import_example() -> Response:
    """An example file to start from: UTF-8 with a BOM and ``;`` between values, as French Excel opens it,
    its columns and values named in the page's language."""
    require(can_manage_directory(current_user))
    return Response(
        example_csv(gettext),
        content_type=CSV_CONTENT_TYPE,
        headers={"Content-Disposition": 'attachment; filename="gpect-partners-example.csv"'},
    )


def _failed_import_page(upload: SignedUpload, line: int) -> tuple[str, int]:
    """Saving a row failed (someone changed the directory at the same moment): the preview again, of the
    directory as it is now, the line that failed marked."""
    preview = preview_import(current_user, upload.data, update_existing=upload.update_existing)
    return _preview_page(preview, replace(upload, digest=preview.digest), "failed", 409, failed_line=line)


def _import_page(file_error: str | None = None) -> tuple[str, int]:
    return render(
        "import.html",
        422 if file_error else 200,
        file_error=file_error,
        columns=COLUMNS,
        column_labels={column: gettext(COLUMN_LABELS[column]) for column in COLUMNS},
        column_aliases=", ".join(alias for aliases in COLUMN_ALIASES.values() for alias in aliases),
        role_choices=accepted("role", gettext),
        language_choices=accepted("language", gettext),
        scope_choices=accepted("scope", gettext),
        required=REQUIRED_COLUMNS,
        max_megabytes=MAX_FILE_BYTES // 1_000_000,
        max_rows=MAX_ROWS,
        kind_names=KIND_NAMES,
        territories=list_territories(),
    )


def _preview_page(
    preview: ImportPreview, upload: SignedUpload, notice: str | None = None, status: int = 200, **context: Any
) -> tuple[str, int]:
    return render(
        "preview.html",
        status,
        preview=preview,
        filename=upload.filename,
        chunks=sign_upload(upload),
        notice=notice,
        import_message=import_message,
        problem_message=problem_message,
        **context,
    )
