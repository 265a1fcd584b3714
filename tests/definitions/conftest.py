"""Shared paths and helpers for the workflow-definition tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gpect_workflow.definitions import DefinitionError, WorkflowDefinition, parse_definition
from gpect_workflow.definitions.errors import Problem

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "tests" / "data"
WORKFLOWS_DIR = ROOT / "workflows"


@pytest.fixture
def data_dir() -> Path:
    """``tests/data``: the minimal valid definition and one bad file per kind of mistake."""
    return DATA_DIR


@pytest.fixture
def workflows_dir() -> Path:
    """``workflows/``: the definitions shipped with the product."""
    return WORKFLOWS_DIR


@pytest.fixture
def minimal_text() -> str:
    """The text of ``tests/data/valid-minimal.yaml``."""
    return (DATA_DIR / "valid-minimal.yaml").read_text(encoding="utf-8")


@pytest.fixture
def problems_of() -> Callable[[str], list[Problem]]:
    """Parse a definition text and return its problems (failing the test when it loads)."""

    def problems(text: str) -> list[Problem]:
        with pytest.raises(DefinitionError) as caught:
            parse_definition(text, "test.yaml")
        return caught.value.problems

    return problems


@pytest.fixture
def parse() -> Callable[[str], WorkflowDefinition]:
    """Parse a definition text that must be valid, showing every problem when it is not."""

    def parse_valid(text: str) -> WorkflowDefinition:
        try:
            return parse_definition(text, "test.yaml")
        except DefinitionError as error:  # pragma: no cover - only on failure
            pytest.fail(f"the definition should load:\n{error}")

    return parse_valid
