"""The safe YAML reader: plain data, a line for every value, duplicates and object-building tags refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from gpect_workflow.definitions import DefinitionError, parse_definition, reader
from gpect_workflow.definitions.errors import format_path
from gpect_workflow.definitions.reader import Document, read_document

NESTED = """\
# line 1
stages:
  - key: first
    tasks:
      - key: a
        depends_on:
          - x
          - y
      - key: b
        depends_on: [p, q]
  - key: second
    tasks: []
"""


def _problems(document: Document) -> list[tuple[str, int | None, str]]:
    return [(format_path(problem.path), problem.line, problem.message) for problem in document.problems]


def test_a_duplicate_key_is_reported_with_both_lines_and_the_first_value_kept() -> None:
    text = "roles:\n  lead:\n    title: A\n  partner:\n    title: B\n  lead:\n    title: C\n"
    document = read_document(text, "f.yaml")
    assert _problems(document) == [("roles.lead", 6, "duplicate key 'lead' (first on line 2)")]
    assert document.data == {"roles": {"lead": {"title": "A"}, "partner": {"title": "B"}}}
    assert document.problems[0].file == "f.yaml"


def test_duplicate_keys_in_a_flow_mapping_are_reported_too() -> None:
    document = read_document("title: {fr: Un, en: One, fr: Deux}\n", "f.yaml")
    assert _problems(document) == [("title.fr", 1, "duplicate key 'fr' (first on line 1)")]


def test_every_nested_list_item_has_its_own_line() -> None:
    document = read_document(NESTED, "f.yaml")
    assert document.problems == []
    assert document.lines[("stages",)] == 2
    assert document.lines[("stages", 0)] == 3
    assert document.lines[("stages", 0, "tasks")] == 4
    assert document.lines[("stages", 0, "tasks", 0)] == 5
    assert document.lines[("stages", 0, "tasks", 0, "depends_on")] == 6
    assert document.lines[("stages", 0, "tasks", 0, "depends_on", 0)] == 7
    assert document.lines[("stages", 0, "tasks", 0, "depends_on", 1)] == 8
    assert document.lines[("stages", 0, "tasks", 1)] == 9
    assert document.lines[("stages", 0, "tasks", 1, "depends_on", 1)] == 10
    assert document.lines[("stages", 1, "key")] == 11
    assert document.lines[("stages", 1, "tasks")] == 12


def test_a_missing_path_takes_the_line_of_its_nearest_ancestor() -> None:
    document = read_document(NESTED, "f.yaml")
    assert document.line_of(("stages", 0, "tasks", 1, "owner")) == 9
    assert document.line_of(("stages", 1, "tasks", 0, "key")) == 12
    assert document.line_of(("nowhere",)) == 2  # the document's own line (its first key, after the comment)
    assert document.line_of(()) == 2


def test_scalars_are_plain_safe_values() -> None:
    text = (
        "yes_bool: true\nno_bool: false\nnumber: 3\ndecimal: 57.5\nnothing: null\nday: 2026-09-01\n"
        'quoted_day: "2026-09-01"\nhour: "08:30"\nsubdivision: "57"\nlist: [1, two]\n'
    )
    document = read_document(text, "f.yaml")
    assert document.problems == []
    assert document.data == {
        "yes_bool": True,
        "no_bool": False,
        "number": 3,
        "decimal": 57.5,
        "nothing": None,
        "day": date(2026, 9, 1),
        "quoted_day": "2026-09-01",
        "hour": "08:30",
        "subdivision": "57",
        "list": [1, "two"],
    }
    assert type(document.data["yes_bool"]) is bool and type(document.data["number"]) is int


def test_keys_must_be_plain_text() -> None:
    document = read_document("true: 1\n? [a, b]\n: 2\nname: 3\n12: 4\n", "f.yaml")
    assert _problems(document) == [
        ("<root>", 1, "keys must be plain text"),
        ("<root>", 2, "keys must be plain text"),
    ]
    assert document.data == {"name": 3, "12": 4}


def test_a_python_name_tag_is_refused_with_a_clear_problem() -> None:
    document = read_document("version: !!python/name:os.system\n", "f.yaml")
    assert document.data == {"version": None}
    (problem,) = document.problems
    assert (format_path(problem.path), problem.line) == ("version", 1)
    assert problem.message.startswith("invalid value: could not determine a constructor for the tag")
    assert "python/name:os.system" in problem.message


def test_an_unknown_local_tag_is_refused() -> None:
    document = read_document("send_hour: !Env HOUR\n", "f.yaml")
    assert [problem.message for problem in document.problems] == [
        "invalid value: could not determine a constructor for the tag '!Env'"
    ]


def test_a_python_object_apply_tag_is_not_executed_and_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "executed"
    document = read_document(f"version: !!python/object/apply:os.mkdir [{str(target)!r}]\n", "f.yaml")
    assert not target.exists()
    problems = _problems(document)
    assert problems, "a !!python/object/apply tag must be reported, not silently dropped"
    assert problems[0][:2] == ("version", 1)
    assert "python/object/apply:os.mkdir" in problems[0][2]


def test_a_python_object_tag_on_a_mapping_is_refused() -> None:
    text = "calendar: !!python/object:gpect_workflow.definitions.model.Calendar\n  country: FR\n"
    document = read_document(text, "f.yaml")
    problems = _problems(document)
    assert problems, "a !!python/object tag on a mapping must be reported, not silently dropped"
    assert problems[0][:2] == ("calendar", 1)
    assert "python/object:gpect_workflow.definitions.model.Calendar" in problems[0][2]


def test_a_definition_with_a_python_tag_does_not_load(minimal_text: str) -> None:
    text = minimal_text.replace("calendar:\n", "calendar: !!python/object/new:dict\n")
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text, "f.yaml")
    assert any("python/object/new:dict" in problem.message for problem in caught.value.problems), str(caught.value)


def test_a_self_referencing_alias_is_a_problem_not_a_crash() -> None:
    try:
        document = read_document("key: &loop [*loop]\n", "f.yaml")
    except RecursionError:  # pragma: no cover - the bug this test guards against
        pytest.fail("a recursive YAML alias crashed the reader with RecursionError instead of reporting a problem")
    assert document.problems, "a recursive alias must be reported"
    assert document.problems[0].line == 1


def test_several_documents_in_one_file_are_invalid_yaml() -> None:
    document = read_document("key: a\n---\nkey: b\n", "f.yaml")
    (problem,) = document.problems
    assert problem.message.startswith("invalid YAML: ")
    assert problem.line == 2
    assert document.data is None


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_an_empty_file_is_one_problem_on_line_one(text: str) -> None:
    document = read_document(text, "f.yaml")
    assert _problems(document) == [("<root>", 1, "the file is empty")]


SHIPPED = sorted((Path(__file__).resolve().parents[2] / "workflows").glob("*.yaml"))


def test_definitions_are_read_with_libyaml_where_pyyaml_has_it() -> None:
    """Reading a definition is paid once per process at its first page or scheduler pass; libyaml's loader
    does it about ten times faster than the pure-Python one."""
    assert yaml.__with_libyaml__, "PyYAML is installed without libyaml: definitions are read ten times slower"
    assert reader._FAST_LOADER is yaml.CSafeLoader


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_both_loaders_read_the_same_data_at_the_same_lines(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_text(encoding="utf-8")
    fast = read_document(text, path.name)
    monkeypatch.setattr(reader, "_FAST_LOADER", yaml.SafeLoader)
    plain = read_document(text, path.name)
    assert fast.problems == plain.problems == []
    assert fast.data == plain.data and fast.lines == plain.lines
    assert len(fast.lines) > 100


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("key: *nowhere\n", 1, "found undefined alias 'nowhere'"),
        ("stages: [1, 2\n", 2, "expected ',' or ']', but got '<stream end>'"),
        ("title: x\n\tstages: 1\n", 2, "found character '\\t' that cannot start any token"),
    ],
)
def test_a_syntax_error_names_what_was_found(text: str, line: int, reason: str) -> None:
    """libyaml says "found undefined alias" without the alias, "found character" without the character: on
    a syntax error the file is read again by the pure-Python loader, whose messages say which."""
    document = read_document(text, "broken.yaml")
    assert [(problem.line, problem.message) for problem in document.problems] == [(line, f"invalid YAML: {reason}")]
