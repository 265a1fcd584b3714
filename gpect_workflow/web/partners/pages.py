"""The partners directory: organisations by territory and their people, their forms, and the CSV import.

Everyone signed in reads the directory (a partner sees only the people of their plans, as the services
decide); project leads and administrators add and change organisations and add people; administrators
change people. The import checks a whole file first and shows what each row will do; confirming imports
the valid rows in one transaction. Between the two steps the file travels in the page itself, signed
with the application's secret, so no server keeps state and nobody can slip in other content.
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
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as cookie
from flask_babel import gettext
from flask_login import current_user
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from ...errors import NotFound, PermissionDenied, ValidationError
from ...models import Language, OrganisationKind, Person, PersonRole
from ...services.access import can_create_role, can_edit_people, can_manage_directory
from ...services.paging import page_number
from ...services.partners.directory import (
    NO_TERRITORY,
    DirectoryFilters,
    directory_organisations,
    directory_people,
    get_organisation,
    list_territories,
    organisations_of_territory,
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
from ...services.partners.importing.vocabulary import COLUMNS, KIND_NAMES, REQUIRED_COLUMNS
from ...services.partners.organisations import create_organisation, update_organisation
from ...services.partners.people import create_person_as, get_person, update_person
from ...services.unit_of_work import after_rollback
from ...validation import TIMEZONE_MESSAGE, timezone_problem
from ..accounts.preferences import TIMEZONES
from ..auth import signed_in
from .labels import (
    ORGANISATION_KINDS,
    field_messages,
    import_message,
    kind_label,
    language_label,
    problem_message,
    role_label,
)

#: Where the summary of the last import waits for the page that shows it.
SUMMARY_KEY = "gpect_import_summary"
#: How long a preview may be confirmed.
PREVIEW_MAX_AGE = 2 * 3600
#: Characters per hidden field carrying the file (each form field stays under Flask's memory limit).
CHUNK = 200_000


def register(blueprint: Blueprint) -> None:
    """Add the directory, its forms and the import to the UI blueprint."""
    both = ["GET", "POST"]
    add = blueprint.add_url_rule
    add("/partners", "partners", partners)
    add("/partners/organisations/new", "partners_new_organisation", new_organisation, methods=both)
    add("/partners/organisations/<int:organisation_id>", "partners_organisation", organisation_page)
    add(
        "/partners/organisations/<int:organisation_id>/edit",
        "partners_edit_organisation",
        edit_organisation,
        methods=both,
    )
    add("/partners/people/new", "partners_new_person", new_person, methods=both)
    add("/partners/people/<int:person_id>/edit", "partners_edit_person", edit_person, methods=both)
    add("/partners/import", "partners_import", import_upload, methods=both)
    add("/partners/import/confirm", "partners_import_confirm", import_confirm, methods=["POST"])
    add("/partners/import/done", "partners_import_done", import_done)
    add("/partners/import/example.csv", "partners_import_example", import_example)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied("only project leads and administrators manage the partners directory")


def _render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    page = render_template(
        f"gpect_workflow/partners/{template}",
        kind_label=kind_label,
        role_label=role_label,
        language_label=language_label,
        kinds=list(ORGANISATION_KINDS),
        can_manage=can_manage_directory(current_user),
        can_edit_people=can_edit_people(current_user),
        **context,
    )
    return page, status


# --------------------------------------------------------------------------------------------------------------
# The directory
# --------------------------------------------------------------------------------------------------------------


@signed_in
def partners() -> Any:
    """The directory: organisations by territory and the people the reader may see, filtered and searched."""
    filters, args = _filters()
    per_page = current_app.config["PAGE_SIZE"]
    return _render(
        "index.html",
        args=args,
        organisations=directory_organisations(current_user, filters, page_number(request.args.get("page")), per_page),
        people=directory_people(current_user, filters, page_number(request.args.get("people_page")), per_page),
        territories=list_territories(),
    )


def _filters() -> tuple[DirectoryFilters, dict[str, str]]:
    """The filters of the query string (values that mean nothing are ignored) and the arguments kept in links."""
    search = (request.args.get("q") or "").strip()[:100]
    territory = request.args.get("territory") or ""
    territory_id = NO_TERRITORY if territory == "none" else int(territory) if territory.isdigit() else None
    kind = request.args.get("kind") or ""
    chosen = OrganisationKind(kind) if kind in ORGANISATION_KINDS else None
    args = {"q": search, "territory": territory if territory_id is not None else "", "kind": chosen or ""}
    return DirectoryFilters(search, territory_id, chosen), {key: value for key, value in args.items() if value}


@signed_in
def organisation_page(organisation_id: int) -> Any:
    """One organisation, its referent and the people of it the reader may see."""
    found = directory_organisations(current_user, DirectoryFilters(organisation_id=organisation_id), 1, 1)
    if not found.organisations:
        raise NotFound("no such organisation")
    organisation = found.organisations[0]
    filters = DirectoryFilters(organisation_id=organisation_id)
    page = page_number(request.args.get("page"))
    people = directory_people(current_user, filters, page, current_app.config["PAGE_SIZE"])
    return _render(
        "organisation.html",
        organisation=organisation,
        referent=found.referents.get(organisation.id),
        people_count=found.people_counts.get(organisation.id, 0),
        people=people,
    )


# --------------------------------------------------------------------------------------------------------------
# Organisation forms
# --------------------------------------------------------------------------------------------------------------


@signed_in
def new_organisation() -> Any:
    """Add an organisation (project leads and administrators)."""
    _require(can_manage_directory(current_user))
    if request.method == "GET":
        return _organisation_form(None, {"territory_id": request.args.get("territory", "")})
    form, errors, values = _organisation_input()
    if errors:
        return _organisation_form(None, form, errors)
    try:
        organisation = create_organisation(current_user, **values)
    except ValidationError as error:
        errors = field_messages(error.fields)
        return after_rollback(lambda: _organisation_form(None, form, errors))
    flash(gettext("The organisation %(name)s was added to the directory.", name=organisation.name))
    return redirect(url_for("gpect.partners_organisation", organisation_id=organisation.id))


@signed_in
def edit_organisation(organisation_id: int) -> Any:
    """Change an organisation's name, kind, territory or address (project leads and administrators)."""
    _require(can_manage_directory(current_user))
    organisation = get_organisation(current_user, organisation_id)
    if request.method == "GET":
        form = {
            "name": organisation.name,
            "kind": organisation.kind.value,
            "territory_id": str(organisation.territory_id or ""),
            "email": organisation.email or "",
        }
        return _organisation_form(organisation, form)
    form, errors, values = _organisation_input()
    if errors:
        return _organisation_form(organisation, form, errors)
    try:
        update_organisation(current_user, organisation_id, **values)
    except ValidationError as error:
        errors = field_messages(error.fields)
        return after_rollback(lambda: _organisation_form(get_organisation(current_user, organisation_id), form, errors))
    flash(gettext("The organisation was saved."))
    return redirect(url_for("gpect.partners_organisation", organisation_id=organisation_id))


def _organisation_input() -> tuple[dict[str, str], dict[str, list[str]], dict[str, Any]]:
    """The form as typed, the errors found reading it, and the values for the service."""
    form = {key: (request.form.get(key) or "").strip() for key in ("name", "kind", "territory_id", "email")}
    errors: dict[str, list[str]] = {}
    if form["kind"] not in ORGANISATION_KINDS:
        errors["kind"] = [gettext("Choose a kind of organisation from the list.")]
    territory_id = int(form["territory_id"]) if form["territory_id"].isdigit() else None
    if form["territory_id"] and territory_id is None:
        errors["territory_id"] = [gettext("Unknown territory.")]
    values = {
        "name": form["name"],
        "kind": OrganisationKind(form["kind"]) if "kind" not in errors else None,
        "territory_id": territory_id,
        "email": form["email"] or None,
    }
    return form, errors, values


def _organisation_form(
    organisation: Any, form: dict[str, str], errors: dict[str, list[str]] | None = None
) -> tuple[str, int]:
    return _render(
        "organisation_form.html",
        422 if errors else 200,
        organisation=organisation,
        form=form,
        errors=errors or {},
        territories=list_territories(),
    )


# --------------------------------------------------------------------------------------------------------------
# Person forms
# --------------------------------------------------------------------------------------------------------------

_PERSON_FIELDS = ("email", "name", "role", "language", "timezone", "organisation_id", "is_referent", "is_active")


@signed_in
def new_person() -> Any:
    """Add a person (project leads and administrators; only administrators add administrators)."""
    _require(can_manage_directory(current_user))
    if request.method == "GET":
        organisation_id = request.args.get("organisation_id", "")
        form = {
            "role": PersonRole.PARTNER.value,
            "language": Language.FR.value,
            "timezone": current_app.config["DEFAULT_TIMEZONE"],
            "organisation_id": organisation_id,
        }
        return _person_form(None, form)
    form, errors, values = _person_input(creating=True)
    if errors:
        return _person_form(None, form, errors)
    values.pop("is_active")
    try:
        person = create_person_as(current_user, values.pop("email"), values.pop("role"), values.pop("name"), **values)
    except ValidationError as error:
        errors = field_messages(error.fields)
        return after_rollback(lambda: _person_form(None, form, errors))
    flash(gettext("%(name)s was added to the directory.", name=person.name))
    return _back_to(person)


@signed_in
def edit_person(person_id: int) -> Any:
    """Change a person's name, organisation, role, language, referent flag or access (administrators)."""
    _require(can_edit_people(current_user))
    person = get_person(person_id)
    if request.method == "GET":
        form = {
            "email": person.email,
            "name": person.name,
            "role": person.role.value,
            "language": person.language.value,
            "timezone": person.timezone,
            "organisation_id": str(person.organisation_id or ""),
            "is_referent": "1" if person.is_referent else "",
            "is_active": "1" if person.is_active else "",
        }
        # A time zone stored before the rule (or by hand) shows with the rule's message, ready to correct.
        stored_problem = {"timezone": [gettext(TIMEZONE_MESSAGE)]} if timezone_problem(person.timezone) else None
        return _person_form(person, form, stored_problem, status=200)
    form, errors, values = _person_input(creating=False)
    if errors:
        return _person_form(person, form, errors)
    values.pop("email")
    if values["timezone"] is None:
        values.pop("timezone")
    try:
        update_person(current_user, person_id, **values)
    except ValidationError as error:
        errors = field_messages(error.fields)
        return after_rollback(lambda: _person_form(get_person(person_id), form, errors))
    flash(gettext("The record of %(name)s was saved.", name=person.name))
    return _back_to(person)


def _back_to(person: Person) -> Any:
    if person.organisation_id is not None:
        return redirect(url_for("gpect.partners_organisation", organisation_id=person.organisation_id))
    return redirect(url_for("gpect.partners"))


def _person_input(creating: bool) -> tuple[dict[str, str], dict[str, list[str]], dict[str, Any]]:
    """The form as typed, the errors found reading it, and the values for the service."""
    form = {key: (request.form.get(key) or "").strip() for key in _PERSON_FIELDS}
    errors: dict[str, list[str]] = {}
    if creating and not form["email"]:
        errors["email"] = [gettext("An email address is required.")]
    if form["role"] not in {role.value for role in PersonRole}:
        errors["role"] = [gettext("Choose a role from the list.")]
    if form["language"] not in {language.value for language in Language}:
        errors["language"] = [gettext("Choose a language from the list.")]
    if form["organisation_id"] and not form["organisation_id"].isdigit():
        errors["organisation_id"] = [gettext("Unknown organisation.")]
    if not creating and not form["name"]:
        errors["name"] = [gettext("Give a name of 1 to 200 characters.")]
    values: dict[str, Any] = {
        "email": form["email"],
        "name": form["name"] or None,
        "role": PersonRole(form["role"]) if "role" not in errors else None,
        "language": Language(form["language"]) if "language" not in errors else None,
        # Left empty: the default zone for a new person, unchanged for an existing one.
        "timezone": form["timezone"] or (current_app.config["DEFAULT_TIMEZONE"] if creating else None),
        "organisation_id": int(form["organisation_id"]) if form["organisation_id"].isdigit() else None,
        "is_referent": form["is_referent"] == "1",
        "is_active": form["is_active"] == "1",
    }
    return form, errors, values


def _person_form(
    person: Person | None, form: dict[str, str], errors: dict[str, list[str]] | None = None, status: int | None = None
) -> Any:
    """The person form; its organisation list shows one territory at a time (``?territory=``)."""
    chosen = _chosen_organisation(form.get("organisation_id", ""))
    territory = request.args.get("territory")
    if territory is None:
        territory = str(chosen.territory_id or "none") if chosen is not None else ""
    if territory != "none" and not territory.isdigit():
        territory = ""
    territory_id = int(territory) if territory.isdigit() else None
    choices = organisations_of_territory(territory_id) if territory else []
    if chosen is not None and chosen not in choices:
        choices = [chosen, *choices]
    roles = [role for role in PersonRole if person is not None or can_create_role(current_user, role)]
    return _render(
        "person_form.html",
        status or (422 if errors else 200),
        person=person,
        form=form,
        errors=errors or {},
        roles=roles,
        languages=list(Language),
        timezones=TIMEZONES,
        territories=list_territories(),
        territory=territory,
        choices=choices,
    )


def _chosen_organisation(value: str) -> Any:
    if not value.isdigit():
        return None
    try:
        return get_organisation(current_user, int(value))
    except NotFound:
        return None


# --------------------------------------------------------------------------------------------------------------
# CSV import
# --------------------------------------------------------------------------------------------------------------


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
    _require(can_manage_directory(current_user))
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
    _require(can_manage_directory(current_user))
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
    _require(can_manage_directory(current_user))
    summary = cookie.pop(SUMMARY_KEY, None)
    if not summary:
        return redirect(url_for("gpect.partners_import"))
    return _render("import_done.html", summary=summary)


@signed_in
def import_example() -> Response:
    """An example file to start from: UTF-8 with a BOM and ``;`` between values, as French Excel opens it."""
    _require(can_manage_directory(current_user))
    return Response(
        example_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="gpect-partners-example.csv"'},
    )


def _failed_import_page(upload: SignedUpload, line: int) -> tuple[str, int]:
    """Saving a row failed (someone changed the directory at the same moment): the preview again, of the
    directory as it is now, the line that failed marked."""
    preview = preview_import(current_user, upload.data, update_existing=upload.update_existing)
    return _preview_page(preview, replace(upload, digest=preview.digest), "failed", 409, failed_line=line)


def _import_page(file_error: str | None = None) -> tuple[str, int]:
    return _render(
        "import.html",
        422 if file_error else 200,
        file_error=file_error,
        columns=COLUMNS,
        required=REQUIRED_COLUMNS,
        max_megabytes=MAX_FILE_BYTES // 1_000_000,
        max_rows=MAX_ROWS,
        kind_names=KIND_NAMES,
        territories=list_territories(),
    )


def _preview_page(
    preview: ImportPreview, upload: SignedUpload, notice: str | None = None, status: int = 200, **context: Any
) -> tuple[str, int]:
    return _render(
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
