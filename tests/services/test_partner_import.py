"""Importing people and organisations from CSV: reading files, checking rows, the preview, the import."""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from gpect_workflow.errors import PermissionDenied, ValidationError
from gpect_workflow.models import (
    Language,
    Organisation,
    OrganisationKind,
    OrganisationScope,
    Person,
    PersonRole,
    Territory,
)
from gpect_workflow.refusals import Refusal
from gpect_workflow.services.context import session
from gpect_workflow.services.partners.importing import applying, checking, reading
from gpect_workflow.services.partners.importing.applying import (
    ImportFailed,
    ImportMode,
    ImportRefused,
    PreviewOutdated,
    import_people,
    preview_import,
)
from gpect_workflow.services.partners.importing.checking import (
    DirectorySnapshot,
    OrganisationRef,
    PersonRef,
    TerritoryRef,
    plan_import,
)
from gpect_workflow.services.partners.importing.reading import CsvFile, ImportFileError, example_csv, read_csv
from gpect_workflow.services.partners.organisations import ensure_organisation, ensure_territory
from gpect_workflow.services.partners.people import create_person
from tests.refusing import field_words

DATA = Path(__file__).parent.parent / "data" / "partners"
HEADER = "organisation;kind;territory;name;email;role;language"
CHARTRES = TerritoryRef(1, "chartres-metropole", "Agglomération chartraine", "Centre-Val de Loire")
SNAPSHOT = DirectorySnapshot(
    territories=(CHARTRES, TerritoryRef(2, "lochois", "Lochois et Sud Touraine", "Centre-Val de Loire"))
)


def csv_bytes(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\n".join((header, *lines)) + "\n").encode(encoding)


def plan(*lines: str, snapshot: DirectorySnapshot = SNAPSHOT, **options: Any) -> checking.ImportPreview:
    return plan_import(read_csv(csv_bytes(*lines)), snapshot, **options)


def codes(row: checking.RowPlan) -> list[tuple[str | None, str]]:
    return [(problem.column, problem.code) for problem in row.problems]


def actions(row: checking.RowPlan) -> list[str]:
    return [action.code for action in row.actions]


# --------------------------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------------------------


def test_utf8_with_bom_and_semicolons_as_french_excel_saves_them() -> None:
    read = read_csv((DATA / "utf8-bom-semicolon.csv").read_bytes())
    assert (read.encoding, read.separator) == ("utf-8-sig", ";")
    assert [row.line for row in read.rows] == [2, 3, 4, 5]
    first = read.rows[0].values
    assert first["organisation"] == "Maison de l'Emploi de l'agglomération chartraine"  # no BOM glued to it
    assert first["email"] == "claire.martin@mde-chartres.example.org" and first["role"] == "lead"


def test_utf8_without_bom_with_commas() -> None:
    read = read_csv(csv_bytes("Cosmetic Valley,cluster,,Léa Roux,lea@example.org,,", header=HEADER.replace(";", ",")))
    assert (read.encoding, read.separator) == ("utf-8", ",")
    assert read.rows[0].values["name"] == "Léa Roux"


def test_windows_1252_from_french_excel_with_french_column_names() -> None:
    read = read_csv((DATA / "windows-1252-french-excel.csv").read_bytes())
    assert (read.encoding, read.separator) == ("windows-1252", ";")
    assert [row.line for row in read.rows] == [2, 4], "the blank line is skipped, line numbers stay the file's"
    assert read.rows[0].values == {
        "organisation": "CCI Eure-et-Loir",
        "kind": "chambre",
        "scope": "",
        "territory": "chartres-metropole",
        "region": "",
        "name": "Zoé Dupré",
        "email": "zoe.dupre@cci28.example.org",
        "role": "partenaire",
        "language": "fr",
    }
    assert read.rows[1].values["organisation"] == "Lycée Jehan de Beauce; GRETA", "a quoted ; is part of the value"


def test_utf16_with_bom_and_tabs_as_excel_unicode_text() -> None:
    text = HEADER.replace(";", "\t") + "\r\nPôle emploi\tFrance Travail\t\tÉric Noël\teric@example.org\t\t\r\n"
    read = read_csv(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert (read.encoding, read.separator) == ("utf-16", "\t")
    assert read.rows[0].values["name"] == "Éric Noël"


def test_quoted_fields_doubled_quotes_line_breaks_and_extra_columns() -> None:
    read = read_csv((DATA / "comma-quoted.csv").read_bytes())
    assert read.separator == "," and read.ignored_columns == ("Notes",)
    assert [row.line for row in read.rows] == [2, 4, 6], "a value over two lines counts two lines"
    assert read.rows[0].values["name"] == "Martin, Claire"
    assert read.rows[0].values["organisation"] == "Maison de l'Emploi, Chartres"
    assert read.rows[0].values["language"] == "en" and read.rows[1].values["organisation"] == "Cosmetic Valley"
    assert read.rows[2].values["kind"] == "" and read.rows[2].values["role"] == "", "a missing column reads as empty"


@pytest.mark.parametrize(
    "header",
    [
        "Organisation;Kind;Territory;Name;Email;Role;Language",
        "ORGANISME;TYPE;TERRITOIRE;NOM;COURRIEL;RÔLE;LANGUE",
        " structure ; nature ; code territoire ; Nom complet ; E-mail ; profil ; lang ",
        "organization;type d'organisation;territoire;full name;adresse électronique;role;langue",
        "email*;name*;organisation*",
    ],
)
def test_header_variants(header: str) -> None:
    columns = [name.strip() for name in header.split(";")]
    values = {"email*": "a@example.org", "name*": "A", "organisation*": "O"}
    line = ";".join(values.get(column, f"v{index}") for index, column in enumerate(columns))
    read = read_csv(csv_bytes(line, header=header))
    assert read.ignored_columns == ()
    assert {column for column, value in read.rows[0].values.items() if value} >= {"organisation", "name", "email"}


def test_blank_lines_and_lines_of_separators_only_are_skipped() -> None:
    read = read_csv(csv_bytes("", "O;other;;A;a@example.org;;", ";;;;;;", "   ", "O;other;;B;b@example.org;;"))
    assert [row.line for row in read.rows] == [3, 6]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (b"\r\n\r\n  \r\n", "empty_file"),
        (HEADER.encode() + b"\n\n", "no_rows"),
        (b"name;email\nA;a@example.org\n", "missing_columns"),
        (b"organisation;name;email;courriel\nO;A;a@example.org;b@example.org\n", "duplicate_column"),
        (b"organisation;name;email\nO;\x81\x8d\x90;a@example.org\n", "bad_encoding"),
        (codecs.BOM_UTF8 + b"organisation;name;email\nO;\xe9;a@example.org\n", "bad_encoding"),
        (b"o\x00r\x00g\x00", "bad_encoding"),
        (b"organisation;name;email\n" + b"O;A;a@example.org\n" * 200_000, "too_large"),
    ],
)
def test_files_that_cannot_be_read_say_why(data: bytes, code: str) -> None:
    with pytest.raises(ImportFileError) as raised:
        read_csv(data)
    assert raised.value.code == code
    assert isinstance(raised.value, ValidationError) and raised.value.fields["file"]


def test_missing_columns_are_named() -> None:
    with pytest.raises(ImportFileError) as raised:
        read_csv(b"nom;organisation\nA;O\n")
    assert raised.value.refusal is Refusal.FILE_NOT_READABLE and raised.value.params == {"columns": "email"}
    assert field_words(raised.value) == {"file": ["Missing from the first line: email."]}


def test_too_many_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_ROWS", 2)
    with pytest.raises(ImportFileError) as raised:
        read_csv(csv_bytes(*(f"O;other;;P{i};p{i}@example.org;;" for i in range(3))))
    assert raised.value.code == "too_many_rows"
    assert len(read_csv(csv_bytes("O;other;;A;a@example.org;;", "O;other;;B;b@example.org;;")).rows) == 2


def test_values_beyond_the_header_are_an_error_unless_blank() -> None:
    preview = plan("O;other;;A;a@example.org;;;extra", "O;other;;B;b@example.org;;;;")
    assert codes(preview.rows[0]) == [(None, "extra_values")]
    assert preview.rows[1].is_valid


def test_the_example_file_reads_without_a_single_problem() -> None:
    data = example_csv()
    assert data.startswith(codecs.BOM_UTF8) and b"\r\n" in data
    preview = plan_import(read_csv(data), SNAPSHOT)
    assert preview.invalid_count == 0 and len(preview.rows) == 8
    assert preview.count("organisation_create") == 7 and preview.count("person_create") == 8
    scopes = {row.values["organisation"]: (row.scope, row.territory_id, row.region) for row in preview.rows}
    assert scopes["Région Centre-Val de Loire"] == (OrganisationScope.REGION, None, "Centre-Val de Loire")
    assert scopes["France Travail Chartres"] == (OrganisationScope.TERRITORY, 1, None)


# --------------------------------------------------------------------------------------------------------------
# Checking rows
# --------------------------------------------------------------------------------------------------------------


def test_every_row_problem_is_reported_with_its_line_and_column() -> None:
    preview = plan_import(read_csv((DATA / "errors.csv").read_bytes()), SNAPSHOT)
    found = {row.line: codes(row) for row in preview.rows}
    assert found == {
        2: [],
        3: [("email", "bad_email")],
        4: [("kind", "unknown_kind")],
        5: [("territory", "unknown_territory")],
        6: [("kind", "kind_needed")],
        7: [("email", "duplicate_email")],
        8: [("organisation", "missing"), ("name", "missing")],
        9: [("role", "unknown_role")],
        10: [("language", "unknown_language")],
        11: [("kind", "kind_conflict")],
        12: [],
    }
    duplicate = preview.rows[5].problems[0]
    assert duplicate.params == {"line": 2} and duplicate.message == "This address is already on line 2 of the file."
    assert preview.rows[9].problems[0].params == {"line": 2}
    assert preview.invalid_count == 9 and [row.line for row in preview.valid_rows] == [2, 12]
    assert actions(preview.rows[0]) == ["organisation_create", "person_create"]
    assert actions(preview.rows[-1]) == ["organisation_in_file", "person_create"]
    assert preview.rows[-1].kind is OrganisationKind.YOUTH_SERVICE
    assert all(not row.actions for row in preview.rows if row.problems), "a row with problems does nothing"


def test_names_of_kinds_roles_and_languages_in_french_or_english() -> None:
    preview = plan(
        "A;Mission locale;;P1;p1@example.org;Chef de projet;Anglais",
        "B;PÔLE EMPLOI;;P2;p2@example.org;comité de pilotage;English",
        "C;organisme de formation;;P3;p3@example.org;Committee member;FR",
        "D;Employers' group;;P4;p4@example.org;;",
    )
    assert [row.kind for row in preview.rows] == [
        OrganisationKind.YOUTH_SERVICE,
        OrganisationKind.EMPLOYMENT_SERVICE,
        OrganisationKind.TRAINING_BODY,
        OrganisationKind.EMPLOYERS_GROUP,
    ]
    assert [row.role for row in preview.rows] == [
        PersonRole.LEAD,
        PersonRole.COMMITTEE,
        PersonRole.COMMITTEE,
        PersonRole.PARTNER,
    ]
    assert [row.language for row in preview.rows] == [Language.EN, Language.EN, Language.FR, Language.FR]


def test_the_labels_the_pages_show_are_accepted_in_files() -> None:
    from gpect_workflow.vocabulary import ORGANISATION_KINDS, PERSON_ROLES

    kinds = plan(
        *(f"O{index};{label};;P;k{index}@example.org;;" for index, label in enumerate(ORGANISATION_KINDS.values()))
    )
    assert [row.kind for row in kinds.rows] == list(ORGANISATION_KINDS)
    roles = plan(*(f"O;other;;P;r{index}@example.org;{label};" for index, label in enumerate(PERSON_ROLES.values())))
    assert [row.role for row in roles.rows] == list(PERSON_ROLES)


def test_territories_by_code_or_name_and_ambiguous_names() -> None:
    twins = DirectorySnapshot(territories=(CHARTRES, TerritoryRef(2, "x", "Vallée"), TerritoryRef(3, "y", "Vallée")))
    preview = plan(
        "A;other;CHARTRES-METROPOLE;P1;p1@example.org;;",
        "A;other;agglomeration chartraine;P2;p2@example.org;;",
        "B;other;Vallée;P3;p3@example.org;;",
        "B;other;y;P4;p4@example.org;;",
        snapshot=twins,
    )
    assert [row.territory_id for row in preview.rows] == [1, 1, None, 3]
    assert codes(preview.rows[2]) == [("territory", "ambiguous_territory")]
    assert actions(preview.rows[1]) == ["organisation_in_file", "person_create"], "same name, same territory"


def test_only_administrators_may_import_administrators() -> None:
    line = "A;other;;Boss;boss@example.org;admin;"
    assert codes(plan(line).rows[0]) == [("role", "admin_refused")]
    assert plan(line, may_create_admins=True).rows[0].is_valid


def test_names_too_long_and_bad_addresses() -> None:
    preview = plan(
        f"{'O' * 201};other;;A;a@example.org;;",
        f"O;other;;{'N' * 201};b@example.org;;",
        "O;other;;C;c@@example.org;;",
        "O;other;;D;d@example..org;;",
        "O;other;;E;e@example.org.;;",
        "O;other;;F;f @example.org;;",
        "O;other;;G;  G.Valid@Example.ORG ;;",
    )
    assert [codes(row) for row in preview.rows] == [
        [("organisation", "too_long")],
        [("name", "too_long")],
        [("email", "bad_email")],
        [("email", "bad_email")],
        [("email", "bad_email")],
        [("email", "bad_email")],
        [],
    ]
    assert preview.rows[-1].email == "g.valid@example.org"


def test_rows_against_what_the_directory_holds() -> None:
    snapshot = DirectorySnapshot(
        territories=(CHARTRES,),
        organisations={
            ("france travail chartres", 1, None): OrganisationRef(
                10, "France Travail Chartres", OrganisationKind.EMPLOYMENT_SERVICE, 1
            )
        },
        people={
            "known@example.org": PersonRef(20, "Known Person", 10, Language.FR, PersonRole.PARTNER),
            "moved@example.org": PersonRef(21, "Moved Person", None, Language.FR, PersonRole.LEAD),
        },
    )
    lines = (
        "FRANCE TRAVAIL Chartres;company;chartres-metropole;Known Person;known@example.org;;",
        "France Travail Chartres;;chartres-metropole;Moved  Person;MOVED@example.org;partner;en",
        "France Travail Chartres;;;Elsewhere;elsewhere@example.org;;",
    )
    skipping = plan(*lines, snapshot=snapshot)
    first, second, third = skipping.rows
    assert actions(first) == ["organisation_existing", "person_skip"] and first.organisation_id == 10
    assert [note.code for note in first.notes] == ["kind_differs"]
    assert actions(second) == ["organisation_existing", "person_skip"] and [n.code for n in second.notes] == [
        "role_kept"
    ]
    assert codes(third) == [("kind", "kind_needed")], "same name on no territory is another organisation"

    updating = plan(*lines[:2], snapshot=snapshot, update_existing=True)
    assert actions(updating.rows[0]) == ["organisation_existing", "person_unchanged"]
    assert actions(updating.rows[1]) == ["organisation_existing", "person_update"]
    assert updating.rows[1].changes == ("name", "organisation", "language")
    assert updating.rows[1].actions[1].params == {"fields": "name, organisation, language"}
    assert skipping.digest != updating.digest != plan(*lines[:2], snapshot=SNAPSHOT).digest
    assert plan(*lines[:2], snapshot=snapshot).digest == plan(*lines[:2], snapshot=snapshot).digest


# --------------------------------------------------------------------------------------------------------------
# The services, on the database
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture
def directory(app: Any) -> dict[str, Any]:
    chartres = ensure_territory("chartres-metropole", "Agglomération chartraine", "28", "Centre-Val de Loire")
    mde = ensure_organisation("Maison de l'Emploi", OrganisationKind.EMPLOYMENT_HOUSE, chartres)
    people = {
        role: create_person(f"{role.value}@example.org", role, role.value.title(), organisation=mde)
        for role in PersonRole
    }
    session().commit()
    return {"territory": chartres, "organisation": mde, **{role.value: person for role, person in people.items()}}


def rows_of(model: type) -> int:
    return int(session().scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def test_partners_and_committee_members_may_not_import(directory: dict[str, Any]) -> None:
    for who in ("partner", "committee"):
        with pytest.raises(PermissionDenied):
            preview_import(directory[who], example_csv())
        with pytest.raises(PermissionDenied):
            import_people(directory[who], example_csv())


def test_import_creates_organisations_and_people(directory: dict[str, Any]) -> None:
    data = (DATA / "utf8-bom-semicolon.csv").read_bytes()
    preview, result = import_people(
        directory["lead"], data, expected_digest=preview_import(directory["lead"], data).digest
    )
    session().commit()
    assert (result.organisations_created, result.people_created, result.rows_left_out) == (3, 4, 0)
    assert preview.invalid_count == 0
    organisations = {o.name: o for o in session().scalars(sa.select(Organisation))}
    france_travail = organisations["France Travail Chartres"]
    assert france_travail.kind is OrganisationKind.EMPLOYMENT_SERVICE
    assert france_travail.territory_id == directory["territory"].id
    region = organisations["Région Centre-Val de Loire"]
    assert region.kind is OrganisationKind.REGION and region.territory_id is None
    people = {p.email: p for p in session().scalars(sa.select(Person))}
    claire = people["claire.martin@mde-chartres.example.org"]
    assert (claire.name, claire.role, claire.language) == ("Claire Martin", PersonRole.LEAD, Language.FR)
    assert claire.organisation.name == "Maison de l'Emploi de l'agglomération chartraine"
    assert people["julie.petit@francetravail.example.org"].organisation_id == france_travail.id
    assert people["helene.garnier@region.example.org"].role is PersonRole.COMMITTEE
    assert people["karim.benali@francetravail.example.org"].password_hash is None, "partners sign in by link"

    again, second = import_people(directory["lead"], data)
    assert (second.organisations_created, second.people_created, second.people_unchanged) == (0, 0, 4)
    assert [action.code for action in again.rows[0].actions] == ["organisation_existing", "person_skip"]


def test_organisations_of_the_directory_are_found_whatever_the_case_and_blanks(directory: dict[str, Any]) -> None:
    data = csv_bytes(
        "MAISON DE L'EMPLOI;;chartres-metropole;A;a@example.org;;",
        "maison  de l'emploi ;;Agglomération chartraine;B;b@example.org;;",
        "Maison de l'Emploi;;;C;c@example.org;;",
    )
    preview = preview_import(directory["lead"], data)
    mde = directory["organisation"].id
    assert [row.organisation_id for row in preview.rows] == [mde, mde, None]
    assert codes(preview.rows[2]) == [("kind", "kind_needed")], "on no territory it is another organisation"
    import_people(directory["lead"], data)
    session().commit()
    assert rows_of(Organisation) == 1
    assert {p.email for p in session().scalars(sa.select(Person).where(Person.organisation_id == mde))} >= {
        "a@example.org",
        "b@example.org",
    }


def test_only_administrators_update_existing_people(directory: dict[str, Any]) -> None:
    data = csv_bytes("Maison de l'Emploi;;chartres-metropole;Renamed Partner;partner@example.org;;en")
    preview = preview_import(directory["lead"], data, update_existing=True)
    assert not preview.update_existing and preview.rows[0].actions[-1].code == "person_skip"
    _, result = import_people(directory["admin"], data, update_existing=True)
    session().commit()
    assert result.people_updated == 1
    partner = session().get(Person, directory["partner"].id)
    assert partner is not None and (partner.name, partner.language) == ("Renamed Partner", Language.EN)
    assert partner.role is PersonRole.PARTNER


def test_valid_rows_are_imported_and_rows_with_errors_left_out(directory: dict[str, Any]) -> None:
    data = (DATA / "errors.csv").read_bytes()
    people_before = rows_of(Person)
    _, result = import_people(directory["lead"], data, mode=ImportMode.VALID_ROWS)
    session().commit()
    assert (result.organisations_created, result.people_created, result.rows_left_out) == (1, 2, 9)
    assert rows_of(Person) == people_before + 2
    emails = set(session().scalars(sa.select(Person.email)))
    assert {"ok.person@example.org", "valid.too@example.org"} <= emails and "bad.role@example.org" not in emails


def test_all_or_nothing_imports_nothing_when_a_row_has_an_error(directory: dict[str, Any]) -> None:
    counts = rows_of(Organisation), rows_of(Person)
    with pytest.raises(ImportRefused) as refused:
        import_people(directory["lead"], (DATA / "errors.csv").read_bytes(), mode=ImportMode.ALL_OR_NOTHING)
    session().rollback()
    assert refused.value.preview.invalid_count == 9
    assert (rows_of(Organisation), rows_of(Person)) == counts


def test_a_directory_changed_since_the_preview_is_refused(directory: dict[str, Any]) -> None:
    data = csv_bytes("Nouvelle structure;company;chartres-metropole;New Person;new@example.org;;")
    digest = preview_import(directory["lead"], data).digest
    create_person("new@example.org", PersonRole.PARTNER, "Added meanwhile")
    session().commit()
    with pytest.raises(PreviewOutdated) as outdated:
        import_people(directory["lead"], data, expected_digest=digest)
    session().rollback()
    assert outdated.value.preview.rows[0].actions[-1].code == "person_skip"
    assert rows_of(Organisation) == 1, "nothing of the file was written"


def test_a_failure_in_the_middle_leaves_nothing(directory: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Someone takes an address of the file between the check and the write: the whole file is dropped."""
    data = (DATA / "utf8-bom-semicolon.csv").read_bytes()
    counts = rows_of(Organisation), rows_of(Person)
    real_snapshot = applying.directory_snapshot

    def snapshot_then_concurrent_signup(csv_file: CsvFile) -> DirectorySnapshot:
        snapshot = real_snapshot(csv_file)
        create_person("julie.petit@francetravail.example.org", PersonRole.PARTNER, "Signed up meanwhile")
        return snapshot

    monkeypatch.setattr(applying, "directory_snapshot", snapshot_then_concurrent_signup)
    with pytest.raises(ImportFailed) as failed:
        import_people(directory["lead"], data)
    assert failed.value.line == 4 and "already has an account" in failed.value.reason
    session().rollback()
    assert (rows_of(Organisation), rows_of(Person)) == counts
    assert session().scalar(sa.select(Person).where(Person.email.like("claire.martin%"))) is None


def test_a_database_error_in_the_middle_leaves_nothing(
    directory: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = (DATA / "utf8-bom-semicolon.csv").read_bytes()
    counts = rows_of(Organisation), rows_of(Person), rows_of(Territory)
    calls: list[str] = []
    real_create = applying.create_person_as

    def failing_third(actor: Person, email: str, *args: Any, **kwargs: Any) -> Person:
        calls.append(email)
        if len(calls) == 3:
            session().add(
                Organisation(
                    name="Maison de l'Emploi",
                    kind=OrganisationKind.OTHER,
                    territory_id=directory["territory"].id,
                    created_dt=directory["organisation"].created_dt,
                )
            )
            session().flush()  # breaks the (name, territory) unique key
        return real_create(actor, email, *args, **kwargs)

    monkeypatch.setattr(applying, "create_person_as", failing_third)
    with pytest.raises(ImportFailed) as failed:
        import_people(directory["admin"], data)
    assert failed.value.line == 4
    session().rollback()
    assert (rows_of(Organisation), rows_of(Person), rows_of(Territory)) == counts
