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


# --- Comments --------------------------------------------------------------------------------------------------------


def comment(connection: sa.Connection, id_: int, plan_id: int, body: str, deleted: bool = False) -> None:
    connection.execute(
        sa.text(
            "INSERT INTO gpect_comments (id, plan_id, stage_id, author_id, body, created_dt, deleted_dt, version) "
            "VALUES (:id, :plan, (SELECT MIN(id) FROM gpect_plan_stages WHERE plan_id = :plan),"
            " (SELECT MIN(id) FROM gpect_people), :body, CURRENT_TIMESTAMP,"
            " CASE WHEN :deleted THEN CURRENT_TIMESTAMP END, 1)"
        ),
        {"id": id_, "plan": plan_id, "body": body, "deleted": deleted},
    )


def test_comments_are_searched_where_their_table_exists(migration_app: Flask) -> None:  # noqa: F811
    """The comments source on a database that has ``gpect_comments`` before migration 0017 (migration 0013
    made it): a comment written before is found, one deleted never is, edits and
    deletions follow, and only comments of the reader's plans are found."""
    from gpect_workflow.services.definitions import register_definitions
    from gpect_workflow.services.partners.organisations import ensure_territory
    from gpect_workflow.services.search.comments import CommentSource
    from gpect_workflow.services.search.terms import parse_terms
    from tests.conftest import WORKFLOWS
    from tests.search_support import build_world

    command.upgrade(alembic_config(), "head")
    register_definitions([WORKFLOWS])
    territory = ensure_territory("chartres-metropole", "Agglomération chartraine", "28", "Centre-Val de Loire")
    lead = create_person("lead@example.org", PersonRole.LEAD, "Claire")
    world = build_world(territory, lead, 2)
    first, second = (plan.id for plan in world.plans)
    with engine(migration_app).begin() as connection:
        comment(connection, 1, first, "Compte rendu de la réunion avec la Région")
    session().commit()
    # Back to before search (0016: comments exist, not yet their index), then up: 0017 indexes what is there.
    command.downgrade(alembic_config(), "0016")
    command.upgrade(alembic_config(), "head")
    with engine(migration_app).begin() as connection:
        comment(connection, 2, first, "Région : la salle est réservée", deleted=True)
        comment(connection, 3, second, "La Région confirme sa venue")
        comment(connection, 4, first, "Rien à voir")
        connection.execute(sa.text("UPDATE gpect_comments SET body = 'Région ajoutée' WHERE id = 4"))
    dialect = engine(migration_app).dialect.name

    def found(person: object, text: str) -> set[int]:
        query = CommentSource().matching(person, parse_terms(text), dialect)  # type: ignore[arg-type]
        return {row.id for row in session().execute(query)}

    assert found(world.lead, "region") == {1, 3, 4}
    assert found(world.partners[0], "REGION") == {1, 4}
    assert found(world.partners[1], "région") == {3}
    assert found(world.outsider, "région") == set()
    assert found(world.lead, "reservee") == set()
    with engine(migration_app).begin() as connection:
        connection.execute(sa.text("UPDATE gpect_comments SET deleted_dt = CURRENT_TIMESTAMP WHERE id = 1"))
        connection.execute(sa.text("DELETE FROM gpect_comments WHERE id = 3"))
    assert found(world.lead, "region") == {4}
    ranked = CommentSource().matching(world.lead, parse_terms("region"), dialect).subquery()
    (hit,) = CommentSource().hits(ranked, 0, 10)
    assert hit.excerpt is not None and hit.excerpt.fr == "Région ajoutée" and hit.plan_id == first
