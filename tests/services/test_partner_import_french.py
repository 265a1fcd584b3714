"""The partner import in French as well as English: column names and values by their labels or codes."""

from __future__ import annotations

import pytest

from gpect_workflow.models import Language, OrganisationKind, PersonRole
from gpect_workflow.services.catalogue import french
from gpect_workflow.services.partners.importing import vocabulary
from gpect_workflow.services.partners.importing.checking import DirectorySnapshot, TerritoryRef, plan_import
from gpect_workflow.services.partners.importing.reading import example_csv, read_csv
from gpect_workflow.vocabulary import LANGUAGES, ORGANISATION_KINDS, PERSON_ROLES

SNAPSHOT = DirectorySnapshot(
    territories=(TerritoryRef(1, "chartres-metropole", "Agglomération chartraine", "Centre-Val de Loire"),)
)
ENGLISH = """organisation;kind;territory;name;email;role;language
MDE Chartres;employment_house;chartres-metropole;Claire Martin;claire@example.org;lead;fr
France Travail Chartres;employment_service;;Karim Benali;karim@example.org;partner;en
Région Centre;region;;Hélène Garnier;helene@example.org;committee;fr
"""
FRENCH = """Organisme;Type;Territoire;Nom;Courriel;Rôle;Langue
MDE Chartres;Maison de l'emploi;chartres-metropole;Claire Martin;claire@example.org;Chef de projet;Français
France Travail Chartres;Service public de l'emploi (France Travail);;Karim Benali;karim@example.org;Partenaire;English
Région Centre;Région;;Hélène Garnier;helene@example.org;Membre du comité de pilotage;Français
"""


def understood(data: bytes) -> list[tuple[object, ...]]:
    preview = plan_import(read_csv(data), SNAPSHOT)
    assert not preview.problems, [problem.message for problem in preview.problems]
    return [
        (row.values["organisation"], row.kind, row.territory_id, row.email, row.role, row.language)
        for row in preview.rows
    ]


def test_french_headers_and_labels_import_the_same_rows_as_english_codes() -> None:
    assert understood(FRENCH.encode()) == understood(ENGLISH.encode())
    assert understood(FRENCH.encode("windows-1252")) == understood(ENGLISH.encode())  # as French Excel saves it


def test_case_and_accents_do_not_matter() -> None:
    shouted = FRENCH.replace("Rôle", "ROLE").replace("Région;", "REGION;").replace("Chef de projet", "chef DE projet")
    bare = FRENCH.replace("comité", "comite").replace("Maison de l'emploi", "maison de l’EMPLOI")
    assert understood(shouted.encode()) == understood(bare.encode()) == understood(ENGLISH.encode())


@pytest.mark.parametrize(
    ("column", "labels"), [("kind", ORGANISATION_KINDS), ("role", PERSON_ROLES), ("language", LANGUAGES)]
)
def test_every_label_of_the_pages_in_french_and_english_and_every_code_is_accepted(
    column: str, labels: dict[str, str]
) -> None:
    names = vocabulary.choice_names(column)
    for code, label in labels.items():
        for word in (str(code), label, french(label), french(label).upper()):
            assert names[vocabulary.fold(word)] == code, word


def test_column_labels_in_french_and_english_are_accepted() -> None:
    names = vocabulary.column_names()
    for column, label in vocabulary.COLUMN_LABELS.items():
        assert names[vocabulary.fold(label)] == names[vocabulary.fold(french(label))] == names[column] == column


def test_a_relabelled_value_is_recognised_by_its_new_label(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(PERSON_ROLES, PersonRole.LEAD, "Plan coordinator")
    assert vocabulary.choice_names("role")["plan coordinator"] == PersonRole.LEAD


def test_an_unknown_label_is_refused_on_its_line_with_the_accepted_words() -> None:
    data = ENGLISH.replace("lead;fr", "chef;fr").replace("employment_service", "banque").replace(";en\n", ";klingon\n")
    preview = plan_import(read_csv(data.encode()), SNAPSHOT)
    problems = {(problem.line, problem.column): problem for problem in preview.problems}
    role = problems[(2, "role")]
    assert role.code == "unknown_role"
    assert role.message == (
        "Unknown role “chef”: use one of “Partner”, “Project lead”, “Committee member”, “Administrator” "
        "(or the codes partner, lead, committee, admin)."
    )
    in_french = vocabulary.wording(role.code, role.params, french)
    assert in_french == (
        "Rôle «\u00a0chef\u00a0» inconnu\u00a0: utilisez l'un de ces rôles\u00a0: «\u00a0Partenaire\u00a0», "
        "«\u00a0Chef de projet\u00a0», «\u00a0Membre du comité de pilotage\u00a0», «\u00a0Administrateur\u00a0» "
        "(ou les codes partner, lead, committee, admin)."
    )
    kind = vocabulary.wording(problems[(3, "kind")].code, problems[(3, "kind")].params, french)
    assert "«\u00a0Maison de l'Emploi\u00a0»" in kind and "employment_house" in kind and "«\u00a0banque\u00a0»" in kind
    language = vocabulary.wording(problems[(3, "language")].code, problems[(3, "language")].params, french)
    assert "«\u00a0Français\u00a0», «\u00a0English\u00a0» (ou les codes fr, en)" in language
    assert [row.is_valid for row in preview.rows] == [False, False, True]


def test_no_word_names_two_values() -> None:
    for column in vocabulary.CHOICES:
        vocabulary.choice_names(column)  # raises on a collision
    with pytest.raises(ValueError, match="names both"):
        vocabulary._unique({"partner": {"Partenaire"}, "lead": {"partenaire"}})


def test_the_example_in_french_names_columns_and_values_in_french_and_imports_like_the_english_one() -> None:
    in_french = example_csv(french).decode("utf-8-sig")
    assert in_french.splitlines()[0] == "organisme;type;portée;territoire;région;nom;courriel;rôle;langue"
    assert ";Toute la région;;Centre-Val de Loire;" in in_french and ";Territoire;chartres-metropole;" in in_french
    assert (
        ";Maison de l'Emploi;" in in_french and ";Chef de projet;" in in_french and "employment_house" not in in_french
    )
    english = example_csv().decode("utf-8-sig")
    assert english.splitlines()[0] == "organisation;kind;scope;territory;region;name;email;role;language"
    assert ";Project lead;" in english
    snapshot = SNAPSHOT
    rows = [plan_import(read_csv(data), snapshot).rows for data in (example_csv(french), example_csv())]
    assert [(row.kind, row.scope, row.region, row.role, row.language) for row in rows[0]] == [
        (row.kind, row.scope, row.region, row.role, row.language) for row in rows[1]
    ]
    assert all(row.is_valid for row in rows[0])
    assert rows[0][0].kind is OrganisationKind.EMPLOYMENT_HOUSE and rows[0][3].language is Language.EN
