"""The published JSON Schema is valid, committed, and states the same structure as the parser's schemas."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from marshmallow import Schema, fields

from gpect_workflow.definitions import DefinitionError, load_definition_file
from gpect_workflow.definitions.json_schema import workflow_json_schema
from gpect_workflow.definitions.schema import DefinitionSchema, WorkflowSchema

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "tests" / "data"
SHIPPED = sorted((ROOT / "workflows").glob("*.yaml"))
COMMITTED = ROOT / "docs" / "workflow-definition.schema.json"
BAD_FILES = sorted(DATA_DIR.glob("bad-*.yaml"))

#: Parser reasons that belong to the structure (keys, types, allowed values), not to rules across the document.
STRUCTURAL = re.compile(
    r"unknown key|is required|text is missing|must be one of|must be a whole number|must be true or false"
    r"|must be HH:MM|must be between|must be a finite number|a task needs exactly one of"
)
#: The bad files whose problems are all or partly structural: the JSON Schema must refuse each of them.
STRUCTURAL_FILES = {
    "bad-unknown-top-level-key.yaml",
    "bad-unknown-task-key.yaml",
    "bad-missing-required-key.yaml",
    "bad-missing-french-title.yaml",
    "bad-missing-english-title.yaml",
    "bad-unknown-lever.yaml",
    "bad-indicator-unit.yaml",
    "bad-indicator-target-huge.yaml",
    "bad-indicator-target-infinite.yaml",  # the schema's bounds refuse infinity as they refuse 10^30
    "bad-send-hour.yaml",
    "bad-rescheduling-stages.yaml",
    "bad-version-string.yaml",
    "bad-duration-zero.yaml",
    "bad-duration-string.yaml",
    "bad-no-due.yaml",
    "bad-two-dues.yaml",
    "bad-many.yaml",
    "bad-boolean-yes.yaml",  # `yes` is not a boolean for the JSON Schema (YAML 1.2) nor, per the docs, for the parser
}
#: Files that break only rules across the document, which the JSON Schema does not state (see docs).
CROSS_DOCUMENT_FILES = {
    "bad-unknown-role.yaml",
    "bad-missing-lead-role.yaml",
    "bad-committee-gate-without-committee-role.yaml",
    "bad-duplicate-stage-key.yaml",
    "bad-duplicate-task-key.yaml",
    "bad-duplicate-indicator-key.yaml",
    "bad-unknown-dependency.yaml",
    "bad-self-dependency.yaml",
    "bad-later-stage-dependency.yaml",
    "bad-dependency-cycle.yaml",
    "bad-due-days-beyond-stage.yaml",
    "bad-due-working-days-beyond-stage.yaml",
    "bad-plan-start-before-stage.yaml",
    "bad-plan-start-after-stage.yaml",
    "bad-indicator-stage.yaml",
    "bad-calendar-country.yaml",
    "bad-calendar-subdivision.yaml",
}


class EditorLoader(yaml.SafeLoader):
    """YAML as the editors' language server reads it (1.2 core schema): only true/false are booleans and
    dates stay text, so what the JSON Schema sees is what an editor would check."""


EditorLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag.rsplit(":", 1)[-1] not in ("bool", "timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
EditorLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _instance(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=EditorLoader)  # EditorLoader is a SafeLoader


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return workflow_json_schema()


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _parser_problems(path: Path) -> list[str]:
    try:
        load_definition_file(path)
    except DefinitionError as error:
        return [problem.message for problem in error.problems]
    return []


# --- the schema itself ------------------------------------------------------------------------------------


def test_the_schema_is_a_valid_draft_2020_12_schema(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert jsonschema.validators.validator_for(schema) is jsonschema.Draft202012Validator
    jsonschema.Draft202012Validator.check_schema(schema)
    json.dumps(schema)  # plain JSON data only


def test_every_reference_resolves(schema: dict[str, Any]) -> None:
    def refs(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    used = {ref.removeprefix("#/$defs/") for ref in refs(schema)}
    assert used == set(schema["$defs"])


def test_the_committed_schema_is_up_to_date(schema: dict[str, Any]) -> None:
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert committed == schema, (
        "docs/workflow-definition.schema.json is stale: run "
        "flask --app wsgi gpect workflows schema --output docs/workflow-definition.schema.json"
    )


@pytest.mark.parametrize("path", SHIPPED, ids=[path.stem for path in SHIPPED])
def test_every_shipped_definition_validates(path: Path, validator: jsonschema.Draft202012Validator) -> None:
    errors = [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(_instance(path))]
    assert errors == []


def test_the_minimal_file_is_accepted_by_both(validator: jsonschema.Draft202012Validator) -> None:
    path = DATA_DIR / "valid-minimal.yaml"
    assert _parser_problems(path) == []
    assert list(validator.iter_errors(_instance(path))) == []


# --- parity with the marshmallow schemas --------------------------------------------------------------------


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    return root["$defs"][ref.removeprefix("#/$defs/")] if ref else node


def _walk(schema: Schema, node: dict[str, Any], root: dict[str, Any], where: str, seen: set[str]) -> None:
    node = _resolve(node, root)
    seen.add(type(schema).__name__)
    names = {field.data_key or name for name, field in schema.fields.items()}
    required = {field.data_key or name for name, field in schema.fields.items() if field.required}
    assert node["type"] == "object", where
    assert node["additionalProperties"] is False, f"{where}: unknown keys must be refused"
    assert set(node["properties"]) == names, f"{where}: property names differ"
    assert set(node.get("required", [])) == required, f"{where}: required names differ"
    groups = [[option["required"] for option in rule["oneOf"]] for rule in node.get("allOf", [])]
    assert groups == [[[key] for key in group] for group in getattr(schema, "exactly_one_of", ())], where
    for name, field in schema.fields.items():
        _walk_field(field, node["properties"][field.data_key or name], root, f"{where}.{name}", seen)


def _walk_field(
    field: fields.Field[Any], node: dict[str, Any], root: dict[str, Any], where: str, seen: set[str]
) -> None:
    if isinstance(field, fields.Nested):
        assert isinstance(field.schema, Schema)
        _walk(field.schema, node, root, where, seen)
    elif isinstance(field, fields.List):
        assert node["type"] == "array", where
        _walk_field(field.inner, node["items"], root, f"{where}[]", seen)
    elif isinstance(field, fields.Dict):
        assert node["type"] == "object", where
        assert field.value_field is not None
        _walk_field(field.value_field, node["additionalProperties"], root, f"{where}{{}}", seen)
    else:
        assert "properties" not in _resolve(node, root), f"{where}: a scalar field is an object in the JSON Schema"


def _schema_classes(base: type) -> set[str]:
    """Names of the subclasses of ``base`` defined in the definitions' schema module."""
    found: set[str] = set()
    sub: type
    for sub in base.__subclasses__():
        if sub.__module__ == DefinitionSchema.__module__:
            found.add(sub.__name__)
        found |= _schema_classes(sub)
    return found


def test_property_and_required_names_match_at_every_level(schema: dict[str, Any]) -> None:
    seen: set[str] = set()
    _walk(WorkflowSchema(), schema, schema, "<root>", seen)
    assert seen == _schema_classes(DefinitionSchema), "every schema of the definition format is reached"
    assert {name.removesuffix("Schema") for name in seen - {"WorkflowSchema"}} == set(schema["$defs"])


def test_every_bad_file_is_classified() -> None:
    reading_and_shape = {
        "bad-yaml-syntax.yaml",
        "bad-empty.yaml",
        "bad-not-mapping.yaml",
        "bad-duplicate-yaml-key.yaml",
        "bad-no-stages.yaml",
        "bad-empty-stage.yaml",
    }
    assert STRUCTURAL_FILES | CROSS_DOCUMENT_FILES | reading_and_shape == {path.name for path in BAD_FILES}
    for name in CROSS_DOCUMENT_FILES:
        problems = _parser_problems(DATA_DIR / name)
        assert problems and not any(STRUCTURAL.search(message) for message in problems), name


@pytest.mark.parametrize("name", sorted(STRUCTURAL_FILES))
def test_the_json_schema_refuses_what_the_parser_refuses_for_structure(
    name: str, validator: jsonschema.Draft202012Validator
) -> None:
    path = DATA_DIR / name
    assert any(STRUCTURAL.search(message) for message in _parser_problems(path))
    assert not validator.is_valid(_instance(path)), f"{name} is refused by the parser but accepted by the JSON Schema"


@pytest.mark.parametrize("name", sorted(CROSS_DOCUMENT_FILES))
def test_the_json_schema_accepts_files_that_break_only_rules_across_the_document(
    name: str, validator: jsonschema.Draft202012Validator
) -> None:
    errors = [error.message for error in validator.iter_errors(_instance(DATA_DIR / name))]
    assert errors == []


EDITOR_CHECKABLE = [path for path in BAD_FILES if path.name not in ("bad-yaml-syntax.yaml", "bad-empty.yaml")]


@pytest.mark.parametrize("path", EDITOR_CHECKABLE, ids=[path.name for path in EDITOR_CHECKABLE])
def test_what_the_json_schema_refuses_the_parser_refuses_too(
    path: Path, validator: jsonschema.Draft202012Validator
) -> None:
    if validator.is_valid(_instance(path)):
        return
    assert _parser_problems(path), f"{path.name} is refused by the JSON Schema but loads"


def test_the_editor_loader_reads_yaml_1_2_without_changing_the_safe_loader() -> None:
    text = "a: yes\nb: true\nc: 2026-09-01\nd: 3\n"
    assert yaml.load(text, Loader=EditorLoader) == {"a": "yes", "b": True, "c": "2026-09-01", "d": 3}
    assert yaml.safe_load(text)["a"] is True
