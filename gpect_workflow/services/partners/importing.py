"""Importing people and their organisations from a CSV file: read, check every row, preview, apply.

Reading and checking are pure functions: ``read_csv`` turns the bytes into rows (through the one CSV
reader, ``services.csv_files``: UTF-8, UTF-16 or Windows-1252; ``;``, ``,`` or tab), ``plan_import``
decides for each row what will happen, against a ``DirectorySnapshot`` of what the directory already
holds, and lists every problem with its line and column. ``preview_import`` does both for a person, and
``import_people`` applies the valid rows through the partner services (which check permissions again),
in the caller's transaction: the caller commits once, or rolls back and nothing is imported.

Problems and actions are codes with parameters; ``MESSAGES`` gives their English text, marked for
translation, so the web pages, the API or the CLI word them in their reader's language.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

import sqlalchemy as sa

from ...errors import PermissionDenied, StaleObject, ValidationError
from ...models import Language, Organisation, OrganisationKind, Person, PersonRole, Territory
from ...validation import normalise_email
from ..access import can_create_role, can_edit_people, can_manage_directory
from ..context import session
from ..csv_files import CsvFileError, read_table
from .directory import create_organisation, create_person_as, update_person


def N_(message: str) -> str:  # noqa: N802 - the marker the catalogue's extraction looks for
    """Mark ``message`` for translation; readers translate it when they show it."""
    return message


#: Largest file accepted, in bytes.
MAX_FILE_BYTES = 1_000_000
#: Most rows accepted in one file.
MAX_ROWS = 5_000
#: The columns, in the order of the example file.
COLUMNS = ("organisation", "kind", "territory", "name", "email", "role", "language")
#: Columns the first line must name.
REQUIRED_COLUMNS = ("organisation", "name", "email")
#: Longest organisation or person name (the database's limit).
MAX_NAME = 200

#: Other names a column may go by in the first line (compared without case, accents or punctuation).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "organisation": ("organization", "organisme", "structure", "nom de la structure", "organisation name"),
    "kind": ("type", "nature", "type de structure", "type d organisation", "organisation kind", "categorie"),
    "territory": ("territoire", "code territoire", "territory code"),
    "name": ("nom", "nom complet", "full name", "prenom nom", "nom prenom"),
    "email": ("e mail", "mail", "courriel", "adresse email", "adresse e mail", "adresse electronique", "email address"),
    "role": ("role dans l application", "profil", "application role"),
    "language": ("langue", "lang"),
}

#: The names each kind of organisation is recognised by, besides its code (French and English).
KIND_NAMES: dict[OrganisationKind, tuple[str, ...]] = {
    OrganisationKind.LOCAL_AUTHORITY: ("collectivité territoriale", "collectivité", "local authority"),
    OrganisationKind.EMPLOYMENT_HOUSE: (
        "maison de l'emploi",
        "mde",
        "employment house",
        "employment house (Maison de l'Emploi)",
    ),
    OrganisationKind.EMPLOYMENT_SERVICE: (
        "service public de l'emploi",
        "service public de l'emploi (France Travail)",
        "France Travail",
        "Pôle emploi",
        "employment service",
        "employment service (France Travail)",
    ),
    OrganisationKind.REGION: ("région", "conseil régional", "region"),
    OrganisationKind.STATE_SERVICE: ("service de l'État", "services de l'État", "state service", "DREETS", "DDETS"),
    OrganisationKind.CHAMBER: (
        "chambre consulaire",
        "chambre consulaire (commerce, métiers, agriculture)",
        "chambre",
        "CCI",
        "CMA",
        "chamber",
        "chamber of commerce",
        "chamber (commerce, trades, agriculture)",
    ),
    OrganisationKind.EMPLOYERS_GROUP: ("groupement d'employeurs", "employers' group", "employers group"),
    OrganisationKind.CLUSTER: ("pôle de compétitivité", "pôle de compétitivité ou cluster", "cluster", "grappe"),
    OrganisationKind.TRAINING_BODY: ("organisme de formation", "training body", "GRETA", "AFPA", "CFA"),
    OrganisationKind.COMPANY: ("entreprise", "société", "company"),
    OrganisationKind.YOUTH_SERVICE: ("mission locale", "youth service", "youth service (Mission locale)"),
    OrganisationKind.OTHER: ("autre", "other"),
}
ROLE_NAMES: dict[PersonRole, tuple[str, ...]] = {
    PersonRole.PARTNER: ("partenaire", "partner", "contact"),
    PersonRole.LEAD: ("chef de projet", "cheffe de projet", "project lead", "lead"),
    PersonRole.COMMITTEE: (
        "comité",
        "comité de pilotage",
        "membre du comité",
        "membre du comité de pilotage",
        "copil",
        "committee member",
    ),
    PersonRole.ADMIN: ("administrateur", "administratrice", "administrator", "admin"),
}
LANGUAGE_NAMES: dict[Language, tuple[str, ...]] = {
    Language.FR: ("français", "francais", "french", "fr-FR"),
    Language.EN: ("anglais", "english", "en-GB", "en-US"),
}

#: English wording of every problem, action and note code (``%(name)s`` are the code's parameters).
MESSAGES: dict[str, str] = {
    # The file as a whole
    "empty_file": N_("The file is empty."),
    "too_large": N_("The file is larger than %(limit)s MB: split it into several files."),
    "bad_encoding": N_(
        "The characters of the file could not be read. Save it as “CSV UTF-8” (or CSV from Excel in "
        "Windows-1252) and try again."
    ),
    "unreadable": N_("The file could not be read as CSV near line %(line)s."),
    "missing_columns": N_("Columns missing from the first line: %(columns)s."),
    "duplicate_column": N_("The column “%(column)s” appears twice in the first line."),
    "no_rows": N_("The file has a first line of column names but no rows."),
    "too_many_rows": N_("The file has more than %(limit)s rows: split it into several files."),
    # One row
    "missing": N_("A value is required."),
    "too_long": N_("At most %(limit)s characters."),
    "bad_email": N_("“%(value)s” is not an email address."),
    "duplicate_email": N_("This address is already on line %(line)s of the file."),
    "unknown_kind": N_("Unknown kind “%(value)s”: use one of the kinds listed on this page."),
    "kind_needed": N_("The organisation is not in the directory yet: give its kind so that it can be created."),
    "kind_conflict": N_("The same organisation has another kind on line %(line)s."),
    "unknown_territory": N_(
        "Unknown territory “%(value)s”: use the code or the name of a territory listed on this page."
    ),
    "ambiguous_territory": N_("Several territories are called “%(value)s”: use the territory's code."),
    "unknown_role": N_("Unknown role “%(value)s”: use partner, lead, committee or admin."),
    "admin_refused": N_("Only administrators may create administrators."),
    "unknown_language": N_("Unknown language “%(value)s”: use fr or en."),
    "extra_values": N_("This line has more values than the first line has columns."),
    # What will happen
    "organisation_create": N_("New organisation, created"),
    "organisation_existing": N_("Organisation already in the directory"),
    "organisation_in_file": N_("Organisation created on line %(line)s"),
    "person_create": N_("New person, created"),
    "person_update": N_("Already in the directory: updated (%(fields)s)"),
    "person_unchanged": N_("Already in the directory, unchanged"),
    "person_skip": N_("Already in the directory: left unchanged"),
    "kind_differs": N_("The directory's kind of this organisation is kept."),
    "role_kept": N_("The person's role in the directory is kept."),
}


class ImportMode(StrEnum):
    """What confirming does when some rows have errors."""

    #: Import the valid rows; rows with errors are left out.
    VALID_ROWS = "valid_rows"
    #: Import nothing unless every row is valid.
    ALL_OR_NOTHING = "all_or_nothing"


class ImportFileError(ValidationError):
    """The file as a whole cannot be read; ``code`` and ``params`` word the reason (see ``MESSAGES``)."""

    def __init__(self, code: str, **params: object) -> None:
        message = MESSAGES[code] % params if params else MESSAGES[code]
        super().__init__(message, {"file": [message]})
        self.code, self.params = code, params


class ImportRefused(ValidationError):
    """Nothing was imported: the person asked for all rows or none, and some rows have problems."""

    def __init__(self, preview: ImportPreview) -> None:
        super().__init__(
            "nothing imported: some rows have errors", {"file": [f"{preview.invalid_count} rows have errors"]}
        )
        self.preview = preview


class PreviewOutdated(StaleObject):
    """The directory changed since the preview, so the import would not do what the person saw."""

    def __init__(self, preview: ImportPreview) -> None:
        super().__init__("the directory changed since the preview; check the new preview")
        self.preview = preview


class ImportFailed(ValidationError):
    """Saving a row failed (someone changed the directory at the same moment); the caller rolls back."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}", {"file": [f"line {line}: {reason}"]})
        self.line, self.reason = line, reason


# --------------------------------------------------------------------------------------------------------------
# Reading the file
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One row of the file: its first line's number and its values by column (blanks trimmed)."""

    line: int
    values: Mapping[str, str]
    #: Non-blank values beyond the last column.
    has_extra_values: bool = False


@dataclass(frozen=True, slots=True)
class CsvFile:
    """The rows of a file and how it was read."""

    rows: tuple[CsvRow, ...]
    encoding: str
    separator: str
    #: Columns of the first line that are not ours; their values are ignored.
    ignored_columns: tuple[str, ...] = ()


def fold(text: str) -> str:
    """``text`` for comparisons: no case, no accents, punctuation and blanks as single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(char if char.isalnum() else " " for char in decomposed if not unicodedata.combining(char))
    return " ".join(letters.split())


def name_key(name: str) -> str:
    """An organisation's name as matched: without case, blanks collapsed (accents and punctuation count)."""
    return " ".join(name.casefold().split())


def read_csv(data: bytes) -> CsvFile:
    """The rows of an uploaded file, or ``ImportFileError`` saying why the file as a whole is unusable."""
    try:
        table = read_table(data, max_bytes=MAX_FILE_BYTES, max_rows=MAX_ROWS)
    except CsvFileError as error:
        params = {"limit": MAX_FILE_BYTES // 1_000_000} if error.code == "too_large" else error.params
        raise ImportFileError(error.code, **params) from error
    columns, ignored = _columns(table.header)
    rows = []
    for record in table.records:
        values = {
            column: record.values[index].strip() for index, column in columns.items() if index < len(record.values)
        }
        extra = any(value.strip() for value in record.values[len(table.header) :])
        rows.append(CsvRow(record.line, {column: values.get(column, "") for column in COLUMNS}, extra))
    if not rows:
        raise ImportFileError("no_rows")
    return CsvFile(tuple(rows), table.encoding, table.separator, ignored)


def _columns(header: list[str]) -> tuple[dict[int, str], tuple[str, ...]]:
    """Our column at each position of the first line, and the names we ignore."""
    known = {fold(alias): column for column, aliases in COLUMN_ALIASES.items() for alias in (column, *aliases)}
    columns: dict[int, str] = {}
    ignored = []
    for index, name in enumerate(header):
        column = known.get(fold(name))
        if column is None:
            if name.strip():
                ignored.append(name.strip())
        elif column in columns.values():
            raise ImportFileError("duplicate_column", column=name.strip())
        else:
            columns[index] = column
    missing = [column for column in REQUIRED_COLUMNS if column not in columns.values()]
    if missing:
        raise ImportFileError("missing_columns", columns=", ".join(missing))
    return columns, tuple(ignored)


# --------------------------------------------------------------------------------------------------------------
# Checking the rows against the directory
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TerritoryRef:
    id: int
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class OrganisationRef:
    id: int
    name: str
    kind: OrganisationKind
    territory_id: int | None


@dataclass(frozen=True, slots=True)
class PersonRef:
    id: int
    name: str
    organisation_id: int | None
    language: Language
    role: PersonRole


@dataclass(frozen=True, slots=True)
class DirectorySnapshot:
    """What the directory holds that the file's rows may refer to."""

    territories: tuple[TerritoryRef, ...] = ()
    #: Organisations by (``name_key`` of the name, territory id).
    organisations: Mapping[tuple[str, int | None], OrganisationRef] = field(default_factory=dict)
    #: People by address (lower-case).
    people: Mapping[str, PersonRef] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a row cannot be imported: its line, the column at fault (``None``: the row) and a code."""

    line: int
    column: str | None
    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The English wording."""
        return MESSAGES[self.code] % dict(self.params) if self.params else MESSAGES[self.code]


@dataclass(frozen=True, slots=True)
class Action:
    """What importing a row does (or a note about it): a code of ``MESSAGES`` and its parameters."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RowPlan:
    """A row, what was understood of it, and what importing it will do (nothing when it has problems)."""

    line: int
    values: Mapping[str, str]
    problems: tuple[Problem, ...] = ()
    actions: tuple[Action, ...] = ()
    notes: tuple[Action, ...] = ()
    email: str = ""
    kind: OrganisationKind | None = None
    territory_id: int | None = None
    role: PersonRole = PersonRole.PARTNER
    language: Language = Language.FR
    #: The organisation already in the directory, if any.
    organisation_id: int | None = None
    #: The person already in the directory, if any.
    person_id: int | None = None
    #: Fields of an existing person the import changes.
    changes: tuple[str, ...] = ()

    @property
    def is_valid(self) -> bool:
        return not self.problems

    @property
    def organisation_key(self) -> tuple[str, int | None]:
        return name_key(self.values["organisation"]), self.territory_id


@dataclass(frozen=True, slots=True)
class ImportPreview:
    """Every row of a file with what importing it will do or why it cannot be imported."""

    rows: tuple[RowPlan, ...]
    encoding: str
    separator: str
    ignored_columns: tuple[str, ...] = ()
    update_existing: bool = False

    @property
    def problems(self) -> list[Problem]:
        return [problem for row in self.rows for problem in row.problems]

    @property
    def valid_rows(self) -> list[RowPlan]:
        return [row for row in self.rows if row.is_valid]

    @property
    def invalid_count(self) -> int:
        return sum(1 for row in self.rows if not row.is_valid)

    def count(self, action: str) -> int:
        """How many valid rows do ``action`` (a code of ``MESSAGES``)."""
        return sum(1 for row in self.valid_rows for done in row.actions if done.code == action)

    @property
    def digest(self) -> str:
        """A fingerprint of what the import will do, to tell whether the directory changed since the preview."""
        plan = [
            [row.line, [[action.code, sorted(action.params.items())] for action in row.actions], row.is_valid]
            for row in self.rows
        ]
        return hashlib.sha256(json.dumps(plan, default=str).encode()).hexdigest()


def _lookup(names: Mapping[StrEnum, tuple[str, ...]]) -> dict[str, StrEnum]:
    return {fold(name): value for value, aliases in names.items() for name in (value.value, *aliases)}


_KINDS = _lookup(KIND_NAMES)
_ROLES = _lookup(ROLE_NAMES)
_LANGUAGES = _lookup(LANGUAGE_NAMES)


def plan_import(
    csv_file: CsvFile, snapshot: DirectorySnapshot, *, may_create_admins: bool = False, update_existing: bool = False
) -> ImportPreview:
    """Check every row and decide what it will do; rows refer to the directory or to earlier rows of the file."""
    territories = _territory_index(snapshot.territories)
    first_line_of: dict[str, int] = {}
    new_organisations: dict[tuple[str, int | None], RowPlan] = {}
    rows = []
    for row in csv_file.rows:
        plan = _check_row(row, territories, may_create_admins, first_line_of)
        plan = _organisation_step(plan, snapshot, new_organisations)
        plan = _person_step(plan, snapshot, update_existing)
        if plan.is_valid and plan.actions[0].code == "organisation_create":
            new_organisations[plan.organisation_key] = plan
        rows.append(plan)
    return ImportPreview(tuple(rows), csv_file.encoding, csv_file.separator, csv_file.ignored_columns, update_existing)


def _territory_index(territories: Iterable[TerritoryRef]) -> dict[str, list[TerritoryRef]]:
    index: dict[str, list[TerritoryRef]] = {}
    for territory in territories:
        index.setdefault(fold(territory.code), []).append(territory)
    for territory in territories:
        matches = index.setdefault(fold(territory.name), [])
        if territory not in matches:
            matches.append(territory)
    return index


Report = Callable[..., None]


def _check_row(
    row: CsvRow, territories: dict[str, list[TerritoryRef]], may_create_admins: bool, first_line_of: dict[str, int]
) -> RowPlan:
    """The row's values read and checked one by one, without looking at the directory's organisations or people."""
    values, problems = row.values, []

    def problem(column: str | None, code: str, **params: object) -> None:
        problems.append(Problem(row.line, column, code, params))

    if row.has_extra_values:
        problem(None, "extra_values")
    for column in ("organisation", "name"):
        if not values[column]:
            problem(column, "missing")
        elif len(values[column]) > MAX_NAME:
            problem(column, "too_long", limit=MAX_NAME)
    email = _email(values["email"], row.line, first_line_of, problem)
    kind = _choice(values["kind"], _KINDS, None, lambda: problem("kind", "unknown_kind", value=values["kind"]))
    role = _choice(
        values["role"], _ROLES, PersonRole.PARTNER, lambda: problem("role", "unknown_role", value=values["role"])
    )
    if role is PersonRole.ADMIN and not may_create_admins:
        problem("role", "admin_refused")
    language = _choice(
        values["language"],
        _LANGUAGES,
        Language.FR,
        lambda: problem("language", "unknown_language", value=values["language"]),
    )
    territory_id = None
    if values["territory"]:
        matches = territories.get(fold(values["territory"]), [])
        if len(matches) == 1:
            territory_id = matches[0].id
        else:
            problem("territory", "ambiguous_territory" if matches else "unknown_territory", value=values["territory"])
    return RowPlan(
        row.line,
        values,
        tuple(problems),
        email=email,
        kind=kind,  # type: ignore[arg-type]
        territory_id=territory_id,
        role=role or PersonRole.PARTNER,  # type: ignore[arg-type]
        language=language or Language.FR,  # type: ignore[arg-type]
    )


def _email(value: str, line: int, first_line_of: dict[str, int], report: Report) -> str:
    """The address as the directory stores it (the rule of every entry); a second row with the same address
    is a problem."""
    if not value:
        report("email", "missing")
        return ""
    try:
        email = normalise_email(value)
    except ValidationError:
        report("email", "bad_email", value=value)
        return ""
    if email in first_line_of:
        report("email", "duplicate_email", line=first_line_of[email])
    else:
        first_line_of[email] = line
    return email


def _choice(
    value: str, names: Mapping[str, StrEnum], default: StrEnum | None, unknown: Callable[[], None]
) -> StrEnum | None:
    """The value named by ``value`` (any of its names), ``default`` when blank; ``unknown`` is told otherwise."""
    if not value:
        return default
    found = names.get(fold(value))
    if found is None:
        unknown()
        return default
    return found


def _organisation_step(
    plan: RowPlan, snapshot: DirectorySnapshot, new_organisations: dict[tuple[str, int | None], RowPlan]
) -> RowPlan:
    """Which organisation the row's person joins: one of the directory, one an earlier row creates, or a new one."""
    if any(problem.column in ("organisation", "territory") for problem in plan.problems):
        return plan
    existing = snapshot.organisations.get(plan.organisation_key)
    if existing is not None:
        notes = (Action("kind_differs"),) if plan.kind is not None and plan.kind is not existing.kind else ()
        return _with(plan, actions=(Action("organisation_existing"),), notes=notes, organisation_id=existing.id)
    earlier = new_organisations.get(plan.organisation_key)
    if earlier is not None:
        if plan.kind is not None and plan.kind is not earlier.kind:
            return _with(
                plan, problems=(*plan.problems, Problem(plan.line, "kind", "kind_conflict", {"line": earlier.line}))
            )
        return _with(plan, actions=(Action("organisation_in_file", {"line": earlier.line}),), kind=earlier.kind)
    if plan.kind is None:
        if not any(problem.column == "kind" for problem in plan.problems):
            return _with(plan, problems=(*plan.problems, Problem(plan.line, "kind", "kind_needed")))
        return plan
    return _with(plan, actions=(Action("organisation_create"),))


def _person_step(plan: RowPlan, snapshot: DirectorySnapshot, update_existing: bool) -> RowPlan:
    """Whether the row creates its person, updates them (``update_existing``), or leaves them as they are."""
    if not plan.is_valid:
        return _with(plan, actions=())
    existing = snapshot.people.get(plan.email)
    if existing is None:
        return _with(plan, actions=(*plan.actions, Action("person_create")))
    notes = (*plan.notes, Action("role_kept")) if existing.role is not plan.role and plan.values["role"] else plan.notes
    if not update_existing:
        return _with(plan, actions=(*plan.actions, Action("person_skip")), notes=notes, person_id=existing.id)
    changes = tuple(
        name
        for name, changed in (
            ("name", plan.values["name"] != existing.name),
            ("organisation", plan.organisation_id is None or plan.organisation_id != existing.organisation_id),
            ("language", bool(plan.values["language"]) and plan.language is not existing.language),
        )
        if changed
    )
    action = Action("person_update", {"fields": ", ".join(changes)}) if changes else Action("person_unchanged")
    return _with(plan, actions=(*plan.actions, action), notes=notes, person_id=existing.id, changes=changes)


def _with(plan: RowPlan, **changes: object) -> RowPlan:
    return replace(plan, **changes)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------------------
# The services: preview and import for a person
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did."""

    organisations_created: int
    people_created: int
    people_updated: int
    people_unchanged: int
    rows_left_out: int


def preview_import(actor: Person, data: bytes, *, update_existing: bool = False) -> ImportPreview:
    """What importing ``data`` would do (leads and administrators; only administrators update people)."""
    if not can_manage_directory(actor):
        raise PermissionDenied("only administrators and project leads import into the partners directory")
    csv_file = read_csv(data)
    return plan_import(
        csv_file,
        directory_snapshot(csv_file),
        may_create_admins=can_create_role(actor, PersonRole.ADMIN),
        update_existing=update_existing and can_edit_people(actor),
    )


def import_people(
    actor: Person,
    data: bytes,
    *,
    update_existing: bool = False,
    mode: ImportMode = ImportMode.VALID_ROWS,
    expected_digest: str | None = None,
) -> tuple[ImportPreview, ImportResult]:
    """Import the valid rows of ``data`` (all rows, in ``ALL_OR_NOTHING`` mode) in the current transaction.

    The file is checked again against the directory as it is now. ``expected_digest`` (the preview's) makes
    the import refuse with ``StaleObject`` when what it would do changed since the person saw the preview;
    in ``ALL_OR_NOTHING`` mode a file with problems raises ``ValidationError``. On any error the caller rolls
    back: nothing of the file is kept.
    """
    preview = preview_import(actor, data, update_existing=update_existing)
    if expected_digest is not None and preview.digest != expected_digest:
        raise PreviewOutdated(preview)
    if mode is ImportMode.ALL_OR_NOTHING and preview.invalid_count:
        raise ImportRefused(preview)
    return preview, apply_import(actor, preview)


def apply_import(actor: Person, preview: ImportPreview) -> ImportResult:
    """Write the valid rows of ``preview`` through the partner services; the caller commits or rolls back."""
    created: dict[tuple[str, int | None], int] = {}
    for row in preview.valid_rows:
        try:
            organisation_id = _apply_organisation(actor, row, created)
            _apply_person(actor, row, organisation_id)
        except ValidationError as error:
            raise ImportFailed(row.line, "; ".join(_flat(error))) from error
        except sa.exc.IntegrityError as error:
            raise ImportFailed(row.line, "a record changed at the same moment") from error
    return ImportResult(
        organisations_created=preview.count("organisation_create"),
        people_created=preview.count("person_create"),
        people_updated=preview.count("person_update"),
        people_unchanged=preview.count("person_unchanged") + preview.count("person_skip"),
        rows_left_out=preview.invalid_count,
    )


def _apply_organisation(actor: Person, row: RowPlan, created: dict[tuple[str, int | None], int]) -> int:
    if row.organisation_id is not None:
        return row.organisation_id
    if row.organisation_key in created:
        return created[row.organisation_key]
    assert row.kind is not None, "a valid row creating an organisation has a kind"
    organisation = create_organisation(actor, row.values["organisation"], row.kind, row.territory_id)
    created[row.organisation_key] = organisation.id
    return organisation.id


def _apply_person(actor: Person, row: RowPlan, organisation_id: int) -> None:
    if row.person_id is None:
        create_person_as(
            actor, row.email, row.role, row.values["name"], organisation_id=organisation_id, language=row.language
        )
        return
    fields = {"name": row.values["name"], "organisation": organisation_id, "language": row.language}
    changes = {"organisation_id" if name == "organisation" else name: fields[name] for name in row.changes}
    if changes:
        update_person(actor, row.person_id, **changes)


def _flat(error: ValidationError) -> list[str]:
    return [message for messages in error.fields.values() for message in messages] or [str(error)]


def directory_snapshot(csv_file: CsvFile) -> DirectorySnapshot:
    """The territories, and the organisations and people the file's rows may refer to (a few queries)."""
    territories = tuple(
        TerritoryRef(row.id, row.code, row.name)
        for row in session().execute(sa.select(Territory.id, Territory.code, Territory.name))
    )
    names = sorted({row.values["organisation"] for row in csv_file.rows if row.values["organisation"]})
    organisations: dict[tuple[str, int | None], OrganisationRef] = {}
    for chunk in _chunks(names):
        lowered = sorted({name.lower() for name in chunk} | {name_key(name) for name in chunk})
        query = sa.select(Organisation).where(
            sa.or_(Organisation.name.in_(chunk), sa.func.lower(Organisation.name).in_(lowered))
        )
        for found in session().scalars(query):
            ref = OrganisationRef(found.id, found.name, found.kind, found.territory_id)
            organisations.setdefault((name_key(found.name), found.territory_id), ref)
    emails = sorted({email for row in csv_file.rows if (email := _stored_form(row.values["email"]))})
    people: dict[str, PersonRef] = {}
    for chunk in _chunks(emails):
        for person in session().scalars(sa.select(Person).where(Person.email.in_(chunk))):
            people[person.email] = PersonRef(
                person.id, person.name, person.organisation_id, person.language, person.role
            )
    return DirectorySnapshot(territories, organisations, people)


def _stored_form(value: str) -> str | None:
    """The address as the directory would hold it, to look its person up (``None`` when the rule refuses it)."""
    try:
        return normalise_email(value) if value else None
    except ValidationError:
        return None


def _chunks(values: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --------------------------------------------------------------------------------------------------------------
# The example file
# --------------------------------------------------------------------------------------------------------------

EXAMPLE_ROWS: tuple[tuple[str, ...], ...] = (
    COLUMNS,
    ("Maison de l'Emploi de l'agglomération chartraine", "employment_house", "chartres-metropole",
     "Claire Martin", "claire.martin@mde-chartres.example.org", "lead", "fr"),
    ("France Travail Chartres", "employment_service", "chartres-metropole",
     "Karim Benali", "karim.benali@francetravail.example.org", "partner", "fr"),
    ("France Travail Chartres", "", "chartres-metropole",
     "Julie Petit", "julie.petit@francetravail.example.org", "", ""),
    ("Région Centre-Val de Loire", "region", "",
     "Hélène Garnier", "helene.garnier@region.example.org", "committee", "fr"),
    ("Cosmetic Valley", "cluster", "chartres-metropole",
     "Sarah Jones", "sarah.jones@cosmetic-valley.example.org", "partner", "en"),
)  # fmt: skip


def example_csv() -> bytes:
    """An example file as French Excel opens it: UTF-8 with a BOM, values separated by ``;``."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(EXAMPLE_ROWS)
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
