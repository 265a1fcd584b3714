"""Previewing a partner import for a person, and importing its valid rows in the caller's unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa

from ....errors import PermissionDenied, StaleObject, ValidationError
from ....models import Organisation, Person, PersonRole, Territory
from ....refusals import Refusal
from ....validation import normalise_email
from ...access import can_create_role, can_edit_people, can_manage_directory
from ...context import session
from ..organisations import create_organisation
from ..people import create_person_as, update_person
from .checking import (
    DirectorySnapshot,
    ImportPreview,
    OrganisationKey,
    OrganisationRef,
    PersonRef,
    RowPlan,
    TerritoryRef,
    plan_import,
)
from .reading import CsvFile, read_csv
from .vocabulary import name_key


class ImportMode(StrEnum):
    """What confirming does when some rows have errors."""

    #: Import the valid rows; rows with errors are left out.
    VALID_ROWS = "valid_rows"
    #: Import nothing unless every row is valid.
    ALL_OR_NOTHING = "all_or_nothing"


class ImportRefused(ValidationError):
    """Nothing was imported: the person asked for all rows or none, and some rows have problems."""

    def __init__(self, preview: ImportPreview) -> None:
        super().__init__(Refusal.IMPORT_REFUSED, count=preview.invalid_count)
        self.preview = preview


class PreviewOutdated(StaleObject):
    """The directory changed since the preview, so the import would not do what the person saw."""

    def __init__(self, preview: ImportPreview) -> None:
        super().__init__(Refusal.DIRECTORY_CHANGED_SINCE_PREVIEW)
        self.preview = preview


class ImportFailed(ValidationError):
    """Saving a row failed (someone changed the directory at the same moment); the caller rolls back."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(Refusal.IMPORT_FAILED, line=line, reason=reason)
        self.line, self.reason = line, reason


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
        raise PermissionDenied(Refusal.DIRECTORY_MANAGERS_ONLY)
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
    created: dict[OrganisationKey, int] = {}
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


def _apply_organisation(actor: Person, row: RowPlan, created: dict[OrganisationKey, int]) -> int:
    if row.organisation_id is not None:
        return row.organisation_id
    if row.organisation_key in created:
        return created[row.organisation_key]
    assert row.kind is not None, "a valid row creating an organisation has a kind"
    organisation = create_organisation(
        actor,
        row.values["organisation"],
        row.kind,
        row.territory_id,
        scope=row.scope,
        region=row.region,
        allow_similar=True,  # matched by name and place; the preview lists every organisation it creates
    )
    created[row.organisation_key] = organisation.id
    return organisation.id


def _apply_person(actor: Person, row: RowPlan, organisation_id: int) -> None:
    if row.person_id is None:
        create_person_as(
            actor,
            row.email,
            row.role,
            row.values["name"],
            allow_similar=True,  # the preview lists every person it creates; the address is their key
            organisation_id=organisation_id,
            language=row.language,
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
        TerritoryRef(row.id, row.code, row.name, row.region)
        for row in session().execute(sa.select(Territory.id, Territory.code, Territory.name, Territory.region))
    )
    names = sorted({row.values["organisation"] for row in csv_file.rows if row.values["organisation"]})
    organisations: dict[OrganisationKey, OrganisationRef] = {}
    for chunk in _chunks(names):
        lowered = sorted({name.lower() for name in chunk} | {name_key(name) for name in chunk})
        query = sa.select(Organisation).where(
            sa.or_(Organisation.name.in_(chunk), sa.func.lower(Organisation.name).in_(lowered))
        )
        for found in session().scalars(query):
            ref = OrganisationRef(found.id, found.name, found.kind, found.territory_id)
            organisations.setdefault((name_key(found.name), found.territory_id, found.region), ref)
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
