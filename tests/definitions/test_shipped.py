"""The definitions shipped in ``workflows/`` load, are bilingual and carry what the product relies on."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from gpect_workflow.definitions import WorkflowDefinition, content_hash, load_definition_file, parse_definition
from gpect_workflow.definitions.model import Gate, Lever, Text

WORKFLOWS_DIR = Path(__file__).resolve().parents[2] / "workflows"
SHIPPED = sorted(WORKFLOWS_DIR.glob("*.yaml"))
EXPECTED_FILES = {
    "chartres-cosmetics-training",
    "gien-maintenance-training",
    "gpect-five-levers",
    "indre-ambition-industrie",
    "lochois-business-survey",
}


@pytest.fixture(scope="module", params=SHIPPED, ids=[path.stem for path in SHIPPED])
def shipped(request: pytest.FixtureRequest) -> tuple[Path, WorkflowDefinition]:
    path: Path = request.param
    return path, load_definition_file(path)


def _texts(definition: WorkflowDefinition) -> Iterator[tuple[str, Text | None, bool]]:
    """(where, text, required) for every title and description of a definition."""
    yield "title", definition.title, True
    yield "description", definition.description, False
    for role in definition.roles:
        yield f"roles.{role.key}.title", role.title, True
        yield f"roles.{role.key}.description", role.description, False
    for stage in definition.stages:
        yield f"stages.{stage.key}.title", stage.title, True
        yield f"stages.{stage.key}.description", stage.description, False
        for task in stage.tasks:
            yield f"tasks.{task.key}.title", task.title, True
            yield f"tasks.{task.key}.description", task.description, False
    for indicator in definition.indicators:
        yield f"indicators.{indicator.key}.title", indicator.title, True


def test_the_expected_definitions_are_shipped() -> None:
    assert {path.stem for path in SHIPPED} == EXPECTED_FILES


def test_every_shipped_definition_loads(shipped: tuple[Path, WorkflowDefinition]) -> None:
    path, definition = shipped
    assert definition.source == path.read_text(encoding="utf-8")
    assert definition.version >= 1
    assert definition.stages and definition.tasks()


def test_the_key_is_the_file_name(shipped: tuple[Path, WorkflowDefinition]) -> None:
    path, definition = shipped
    assert definition.key == path.stem


def test_every_text_is_in_french_and_english(shipped: tuple[Path, WorkflowDefinition]) -> None:
    _, definition = shipped
    checked = 0
    for where, text, required in _texts(definition):
        if text is None:
            assert not required, f"{where} is missing"
            continue
        assert text.fr.strip() and text.en.strip(), where
        assert text.get("fr") == text.fr and text.get("en") == text.en
        checked += 1
    assert checked >= 1 + len(definition.roles) + len(definition.stages) + len(definition.tasks())


def test_the_two_languages_really_differ(shipped: tuple[Path, WorkflowDefinition]) -> None:
    # A copy-pasted text would show the same words twice; the definition title and stage titles are translated.
    _, definition = shipped
    assert definition.title.fr != definition.title.en
    for stage in definition.stages:
        assert stage.title.fr != stage.title.en, stage.key


def test_each_has_a_committee_gate_decided_by_a_committee_role(shipped: tuple[Path, WorkflowDefinition]) -> None:
    _, definition = shipped
    assert any(stage.gate is Gate.COMMITTEE for stage in definition.stages)
    assert definition.committee_roles
    assert definition.role("lead").key == "lead"


def test_each_has_indicators_on_its_own_stages(shipped: tuple[Path, WorkflowDefinition]) -> None:
    _, definition = shipped
    assert definition.indicators
    stage_keys = {stage.key for stage in definition.stages}
    for indicator in definition.indicators:
        assert indicator.stage is None or indicator.stage in stage_keys
        if indicator.unit == "percent" and indicator.target is not None:
            assert 0 <= indicator.target <= 100, indicator.key


def test_every_owner_and_dependency_is_declared(shipped: tuple[Path, WorkflowDefinition]) -> None:
    _, definition = shipped
    role_keys = {role.key for role in definition.roles}
    task_keys = [task.key for task in definition.tasks()]
    assert len(task_keys) == len(set(task_keys))
    for task in definition.tasks():
        assert task.owner in role_keys
        assert set(task.depends_on) <= set(task_keys)


def test_the_generic_definition_works_the_five_levers() -> None:
    definition = load_definition_file(WORKFLOWS_DIR / "gpect-five-levers.yaml")
    assert {stage.lever for stage in definition.stages} == set(Lever)


def test_chartres_targets_fourteen_trainees_and_57_percent_into_work() -> None:
    definition = load_definition_file(WORKFLOWS_DIR / "chartres-cosmetics-training.yaml")
    indicators = {indicator.key: indicator for indicator in definition.indicators}
    trained = indicators["job-seekers-trained"]
    assert trained.target == 14
    assert trained.unit in ("count", "people")
    access = indicators["employment-access-rate"]
    assert access.target == 57
    assert access.unit == "percent"
    assert access.direction == "increase"


def test_the_content_hash_fingerprints_the_text() -> None:
    text = (WORKFLOWS_DIR / "chartres-cosmetics-training.yaml").read_text(encoding="utf-8")
    original = parse_definition(text, "chartres.yaml")
    assert original.content_hash == hashlib.sha256(text.encode("utf-8")).hexdigest() == content_hash(text)
    assert parse_definition(text, "elsewhere.yaml").content_hash == original.content_hash

    with_comment = parse_definition(text + "# a comment changes the content too\n", "chartres.yaml")
    assert with_comment.content_hash != original.content_hash
    assert with_comment.stages == original.stages  # same meaning, different content

    retargeted = parse_definition(text.replace("target: 14", "target: 15"), "chartres.yaml")
    assert retargeted.content_hash not in (original.content_hash, with_comment.content_hash)


def test_the_shipped_files_have_distinct_keys_and_hashes() -> None:
    definitions = [load_definition_file(path) for path in SHIPPED]
    assert len({definition.key for definition in definitions}) == len(definitions)
    assert len({definition.content_hash for definition in definitions}) == len(definitions)
