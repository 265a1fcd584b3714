"""Migration 0017 on a fresh database of its own: rows already there are found once it has run, the objects
that keep the indexes in step exist at head, and downgrading removes them."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from flask import Flask

from gpect_workflow.migration_config import alembic_config
from gpect_workflow.models import PersonRole
from gpect_workflow.services.context import session
from gpect_workflow.services.partners.people import create_person
from gpect_workflow.services.search import search

from .test_migrations import engine, fresh_url, migration_app  # noqa: F401 - the fixtures

SEARCHED = ("plans", "organisations", "tasks")


def search_objects(app: Flask) -> set[str]:
    """The names of the search tables, triggers (SQLite) or indexes and functions (PostgreSQL)."""
    with engine(app).connect() as connection:
        if connection.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE name LIKE 'gpect_search_%'"
        else:
            query = (
                "SELECT indexname FROM pg_indexes WHERE indexname LIKE 'gpect_search_%' "
                "UNION SELECT proname FROM pg_proc WHERE proname LIKE 'gpect_search_%'"
            )
        return set(connection.execute(sa.text(query)).scalars())


def test_rows_made_before_the_migration_are_found_after_it(migration_app: Flask) -> None:  # noqa: F811
    command.upgrade(alembic_config(), "0012")
    with engine(migration_app).begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO gpect_organisations (name, kind, scope, created_dt) "
                "VALUES ('Pépinière d''entreprises Éole', 'other', 'national', CURRENT_TIMESTAMP)"
            )
        )
    command.upgrade(alembic_config(), "head")
    admin = create_person("admin@example.org", PersonRole.ADMIN, "Ada")
    session().commit()
    found = search(admin, "pepiniere eole", "organisations")
    assert [hit.title.fr for hit in found.groups[0].items] == ["Pépinière d'entreprises Éole"]


def test_search_objects_exist_at_head_and_go_on_downgrade(migration_app: Flask) -> None:  # noqa: F811
    command.upgrade(alembic_config(), "head")
    made = search_objects(migration_app)
    if engine(migration_app).dialect.name == "sqlite":
        for name in SEARCHED:
            assert {
                f"gpect_search_{name}",
                *(f"gpect_search_{name}_{e}" for e in ("insert", "delete", "update")),
            } <= made
    else:
        assert {"gpect_search_unaccent", "gpect_search_vector", *(f"gpect_search_{name}" for name in SEARCHED)} <= made
    command.downgrade(alembic_config(), "0012")
    assert search_objects(migration_app) == set()
    command.upgrade(alembic_config(), "head")
    assert search_objects(migration_app) == made
