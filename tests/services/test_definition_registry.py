"""Definition versions registered in the database: new, unchanged, changed without a version raise."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from gpect_workflow.definitions.errors import DefinitionError
from gpect_workflow.errors import DefinitionConflict, NotFound
from gpect_workflow.models import DefinitionRecord, Person, Plan
from gpect_workflow.services.context import session
from gpect_workflow.services.definitions import (
    RegistrationOutcome,
    all_definitions,
    definition_versions,
    definitions_of_records,
    get_definition,
    latest_definitions,
    latest_workflows,
    list_definition_records,
    register_definitions,
)
from gpect_workflow.state import EXTENSION_NAME
from tests.conftest import WORKFLOWS
from tests.plan_helpers import start_five_levers_plan
from tests.query_count import count_queries

GENERIC = WORKFLOWS / "gpect-five-levers.yaml"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy(GENERIC, tmp_path / GENERIC.name)
    return tmp_path


def test_registers_every_shipped_definition_then_nothing(app: Flask) -> None:
    first = register_definitions([WORKFLOWS])
    assert {r.outcome for r in first} == {RegistrationOutcome.REGISTERED}
    assert len(first) == len(list(WORKFLOWS.glob("*.yaml")))
    second = register_definitions([WORKFLOWS])
    assert {r.outcome for r in second} == {RegistrationOutcome.UNCHANGED}
    assert session().scalar(sa.select(sa.func.count()).select_from(DefinitionRecord)) == len(first)


def test_changed_file_without_version_raise_is_refused(app: Flask, folder: Path) -> None:
    register_definitions([folder])
    session().commit()
    path = folder / GENERIC.name
    path.write_text(path.read_text(encoding="utf-8").replace("duration_days: 90", "duration_days: 95", 1))
    with pytest.raises(
        DefinitionConflict, match=r"gpect-five-levers version 1 is already registered .* raise 'version'"
    ):
        register_definitions([folder])


def test_refusal_registers_nothing_from_the_batch(app: Flask, folder: Path) -> None:
    register_definitions([folder])
    session().commit()
    (folder / GENERIC.name).write_text(GENERIC.read_text(encoding="utf-8") + "\n# edited\n")
    other = WORKFLOWS / "gien-maintenance-training.yaml"
    shutil.copy(other, folder / other.name)
    with pytest.raises(DefinitionConflict):
        register_definitions([folder])
    session().rollback()
    keys = session().scalars(sa.select(DefinitionRecord.key)).all()
    assert keys == ["gpect-five-levers"]


def test_raised_version_registers_beside_the_old_one_and_plans_keep_theirs(
    app: Flask, folder: Path, dummy_lead: Person
) -> None:
    register_definitions([folder])
    plan = start_five_levers_plan(dummy_lead)
    session().commit()
    path = folder / GENERIC.name
    text = path.read_text(encoding="utf-8").replace("version: 1", "version: 2", 1)
    path.write_text(text.replace("duration_days: 90", "duration_days: 120", 1))
    outcomes = register_definitions([folder])
    assert [(r.version, r.outcome) for r in outcomes] == [(2, RegistrationOutcome.REGISTERED)]
    session().commit()
    assert [(r.key, r.version) for r in latest_definitions()] == [("gpect-five-levers", 2)]
    refreshed = session().get(Plan, plan.id)
    assert refreshed is not None and refreshed.definition_version == 1
    assert get_definition("gpect-five-levers", 1).stages[0].duration_days == 90
    assert get_definition("gpect-five-levers", 2).stages[0].duration_days == 120


def test_the_latest_versions_come_from_every_version_read_in_the_same_transaction(app: Flask, folder: Path) -> None:
    """The committee page reads every version (committee roles) and the latest ones (its filter): the second
    list is taken from the first, without a statement, and says what the database says."""
    register_definitions([WORKFLOWS])
    path = folder / GENERIC.name
    path.write_text(path.read_text(encoding="utf-8").replace("version: 1", "version: 2", 1))
    register_definitions([folder])
    session().commit()
    queried = [(record.key, record.version) for record in latest_definitions()]
    assert ("gpect-five-levers", 2) in queried and len(queried) == len(list(WORKFLOWS.glob("*.yaml")))
    assert ("gpect-five-levers", 1) in all_definitions()
    with count_queries() as statements:
        assert [(record.key, record.version) for record in latest_definitions()] == queried
    assert statements == []
    session().commit()
    with count_queries() as statements:
        latest_definitions()
    assert len(statements) == 1, "a new transaction reads them again"


def test_unknown_version_is_not_found(app: Flask) -> None:
    with pytest.raises(NotFound):
        get_definition("gpect-five-levers", 9)


def test_a_registered_version_is_read_once_per_process_whichever_way_it_is_asked(app: Flask) -> None:
    """A registered version never changes: after the first read, neither ``get_definition`` nor the lists'
    ``definition_versions`` (dashboard, my tasks, plans list) spend a statement on it; a version the process
    has not read yet costs one query, with the others already known left out of it."""
    register_definitions([WORKFLOWS])
    session().commit()
    pairs = {(record.key, record.version) for record in latest_definitions()}
    first, *others = sorted(pairs)
    app.extensions[EXTENSION_NAME].definitions.clear()  # as a new process
    with count_queries() as statements:
        assert get_definition(*first).key == first[0]
    assert len(statements) == 1
    with count_queries() as statements:
        assert set(definition_versions(pairs)) == pairs
    assert len(statements) == 1 and "IN" in str(statements[0]).upper()
    with count_queries() as statements:
        assert set(definition_versions(pairs)) == pairs and get_definition(*others[0]).key == others[0][0]
    assert statements == []
    assert definition_versions({("no-such-definition", 1)}) == {}


def test_the_lists_of_every_version_send_only_the_sources_the_process_has_not_parsed(app: Flask) -> None:
    """The pages that list every version (dashboard, plans list, committee, new plan) read them in one
    statement, which sends a version's source only when the process holds no parsed version with its content
    hash: a source made unreadable in the database after the process parsed it is never read again, while a
    new process, or one holding another content for that version (a database restored from elsewhere), reads
    and parses what the database holds."""
    register_definitions([WORKFLOWS])
    session().commit()
    cache = app.extensions[EXTENSION_NAME].definitions
    cache.clear()  # as a new process
    with count_queries() as statements:
        parsed = all_definitions()
    assert len(statements) == 1
    assert {pair: definition.content_hash for pair, definition in parsed.items()} == {
        (record.key, record.version): record.content_hash for record in session().scalars(sa.select(DefinitionRecord))
    }
    pair = ("gpect-five-levers", 1)
    good = cache[pair]
    session().execute(
        sa.update(DefinitionRecord)
        .where(DefinitionRecord.key == pair[0], DefinitionRecord.version == pair[1])
        .values(source="stages: [unreadable")
    )
    session().commit()
    session().expunge_all()
    for reader in (all_definitions, list_definition_records, latest_definitions, latest_workflows):
        with count_queries() as statements:
            reader()
        session().commit()
        assert len(statements) == 1, reader.__name__
    assert cache[pair] is good, "the source the process parsed is not read again"
    assert definitions_of_records(list_definition_records())[pair] is good

    cache[pair] = replace(good, content_hash="0" * 64)  # the process holds another content for this version
    session().commit()
    with pytest.raises(DefinitionError):
        all_definitions()
    session().rollback()
    cache.clear()
    with pytest.raises(DefinitionError):
        list_definition_records()
