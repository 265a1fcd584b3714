"""The shipped Alembic migrations, run for real on a fresh database of their own.

On SQLite the database is a temporary file; on PostgreSQL a dedicated database named after the pass's
one plus ``_migrations`` is created through the ``postgres`` database and dropped at the end. The
pass's shared test database is never touched.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

from gpect_workflow.migration_config import VERSION_TABLE, alembic_config
from gpect_workflow.models import Base
from gpect_workflow.models.base import TABLE_PREFIX
from gpect_workflow.services.search.engines import SEARCH_PREFIX
from gpect_workflow.state import EXTENSION_NAME

from .conftest import database_kind, make_app, postgres_url

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()
HOST_TABLE = "host_things"
#: The tables of the models, which the migrations must create and drop.
MODEL_TABLES = frozenset(Base.metadata.tables)


def test_models_declare_their_prefixed_tables() -> None:
    assert len(MODEL_TABLES) == 23
    assert HEAD == "0030"
    assert all(name.startswith(TABLE_PREFIX) for name in MODEL_TABLES)
    assert VERSION_TABLE.startswith(TABLE_PREFIX) and VERSION_TABLE not in MODEL_TABLES


# --- A fresh database per test ----------------------------------------------------------------------------------


def _admin_engine(url: sa.URL) -> sa.Engine:
    return sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


def _drop_database(admin: sa.Engine, name: str) -> None:
    quoted = admin.dialect.identifier_preparer.quote(name)
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


@pytest.fixture
def fresh_url(tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database that only this test uses."""
    if database_kind() == "sqlite":
        yield f"sqlite:///{tmp_path / 'gpect-migrations.sqlite3'}"
        return
    url = sa.make_url(postgres_url())
    assert url.database, "GPECT_TEST_POSTGRES_URL names no database"
    name = f"{url.database}_migrations"
    admin = _admin_engine(url)
    try:
        _drop_database(admin, name)
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {admin.dialect.identifier_preparer.quote(name)}")
        yield url.set(database=name).render_as_string(hide_password=False)
        _drop_database(admin, name)
    finally:
        admin.dispose()


@pytest.fixture
def migration_app(fresh_url: str) -> Iterator[Flask]:
    """An app on the fresh database, inside an app context; its engines disposed afterwards."""
    app = make_app(fresh_url)
    with app.app_context():
        try:
            yield app
        finally:
            app.extensions[EXTENSION_NAME].db.session.remove()
            app.extensions[EXTENSION_NAME].db.engine.dispose()


def engine(app: Flask) -> sa.Engine:
    return app.extensions[EXTENSION_NAME].db.engine  # type: ignore[no-any-return]


def table_names(app: Flask) -> set[str]:
    return set(sa.inspect(engine(app)).get_table_names())


def current_revisions(app: Flask) -> list[str]:
    with engine(app).connect() as connection:
        return list(connection.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """The filter of migrations/env.py: only GPECT tables are compared."""
    if (name or "").startswith(SEARCH_PREFIX):
        return False  # search's FTS5 tables and expression indexes, made by hand in migration 0017
    return type_ != "table" or (name or "").startswith(TABLE_PREFIX)


def differences(app: Flask) -> list[Any]:
    """What autogenerate would write, with a migration context configured as in migrations/env.py."""
    with engine(app).connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "target_metadata": Base.metadata,
                "version_table": VERSION_TABLE,
                "include_name": include_name,
                "render_as_batch": True,
                "compare_type": True,
            },
        )
        return list(compare_metadata(context, Base.metadata))


def create_host_table(app: Flask) -> None:
    with engine(app).begin() as connection:
        connection.execute(sa.text(f"CREATE TABLE {HOST_TABLE} (id INTEGER PRIMARY KEY, label VARCHAR(40))"))
        connection.execute(sa.text(f"INSERT INTO {HOST_TABLE} (id, label) VALUES (1, 'kept')"))


def assert_host_table_intact(app: Flask) -> None:
    assert HOST_TABLE in table_names(app)
    with engine(app).connect() as connection:
        assert connection.execute(sa.text(f"SELECT label FROM {HOST_TABLE}")).scalar_one() == "kept"


def mentions(diff: Any, table: str) -> bool:
    """Whether an autogenerate difference (a tuple, or a list of tuples for column changes) names ``table``."""
    items = diff if isinstance(diff, list) else [diff]
    return any(table in repr(item) for item in items)


# --- Upgrade, downgrade, upgrade ------------------------------------------------------------------------------


def test_upgrade_creates_every_table_at_head(migration_app: Flask) -> None:
    assert not {name for name in table_names(migration_app) if name.startswith(TABLE_PREFIX)}

    command.upgrade(alembic_config(), "head")

    tables = table_names(migration_app)
    ours = {name for name in tables if name.startswith(TABLE_PREFIX) and not name.startswith(SEARCH_PREFIX)}
    assert ours == MODEL_TABLES | {VERSION_TABLE}
    assert "alembic_version" not in tables, "GPECT keeps its own version table"
    assert current_revisions(migration_app) == [HEAD]


def test_downgrade_to_base_drops_every_table_and_upgrade_works_again(migration_app: Flask) -> None:
    command.upgrade(alembic_config(), "head")
    command.downgrade(alembic_config(), "base")

    left = {name for name in table_names(migration_app) if name.startswith(TABLE_PREFIX)}
    # Alembic keeps its (now empty) version table at base; every table of the models is gone.
    assert left <= {VERSION_TABLE}
    assert not left & MODEL_TABLES
    if left:
        assert current_revisions(migration_app) == []

    command.upgrade(alembic_config(), "head")
    assert table_names(migration_app) >= MODEL_TABLES
    assert current_revisions(migration_app) == [HEAD]
    assert differences(migration_app) == []


def test_upgrade_is_idempotent_at_head(migration_app: Flask) -> None:
    command.upgrade(alembic_config(), "head")
    command.upgrade(alembic_config(), "head")
    assert current_revisions(migration_app) == [HEAD]


def test_models_and_migrations_agree(migration_app: Flask) -> None:
    command.upgrade(alembic_config(), "head")
    assert differences(migration_app) == []


def test_migrated_schema_enforces_the_named_constraints(migration_app: Flask) -> None:
    """The constraints the models name are those the migration created (checked on the live database)."""
    command.upgrade(alembic_config(), "head")
    inspector = sa.inspect(engine(migration_app))
    checks = {check["name"] for check in inspector.get_check_constraints("gpect_tasks")}
    assert {"ck_gpect_tasks_weight_positive", "ck_gpect_tasks_task_status"} <= checks
    dependencies = {check["name"] for check in inspector.get_check_constraints("gpect_task_dependencies")}
    assert "ck_gpect_task_dependencies_not_self" in dependencies
    uniques = {unique["name"] for unique in inspector.get_unique_constraints("gpect_tasks")}
    assert "uq_gpect_tasks_plan_id_task_key" in uniques
    foreign_keys = {fk["name"]: fk for fk in inspector.get_foreign_keys("gpect_plans")}
    definition = foreign_keys["fk_gpect_plans_definition_gpect_definitions"]
    assert definition["referred_table"] == "gpect_definitions"
    assert definition["constrained_columns"] == ["definition_key", "definition_version"]
    assert definition["referred_columns"] == ["key", "version"]


# --- A host's own tables --------------------------------------------------------------------------------------


def test_migrations_leave_a_host_table_alone(migration_app: Flask) -> None:
    create_host_table(migration_app)

    command.upgrade(alembic_config(), "head")
    assert_host_table_intact(migration_app)
    proposed = differences(migration_app)
    assert not [diff for diff in proposed if mentions(diff, HOST_TABLE)], proposed
    assert proposed == []

    command.downgrade(alembic_config(), "base")
    assert_host_table_intact(migration_app)
    assert not MODEL_TABLES & table_names(migration_app)


def test_without_the_filter_autogenerate_would_drop_the_host_table(migration_app: Flask) -> None:
    """The comparison above is meaningful: unfiltered, autogenerate does see the host's table."""
    create_host_table(migration_app)
    command.upgrade(alembic_config(), "head")
    with engine(migration_app).connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"target_metadata": Base.metadata, "version_table": VERSION_TABLE}
        )
        proposed = compare_metadata(context, Base.metadata)
    assert [diff for diff in proposed if diff[0] == "remove_table" and diff[1].name == HOST_TABLE]


# --- Command lines --------------------------------------------------------------------------------------------


def test_flask_gpect_db_upgrade_reaches_head(migration_app: Flask) -> None:
    result = migration_app.test_cli_runner().invoke(args=["gpect", "db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert current_revisions(migration_app) == [HEAD]
    assert table_names(migration_app) >= MODEL_TABLES


def test_flask_gpect_db_downgrade_to_base(migration_app: Flask) -> None:
    runner = migration_app.test_cli_runner()
    assert runner.invoke(args=["gpect", "db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["gpect", "db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    assert not MODEL_TABLES & table_names(migration_app)


def test_flask_db_upgrade_reaches_head(migration_app: Flask) -> None:
    result = migration_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert current_revisions(migration_app) == [HEAD]
    assert table_names(migration_app) >= MODEL_TABLES
    assert "alembic_version" not in table_names(migration_app)
    assert differences(migration_app) == []


# --- 0004: the calendar feed secret --------------------------------------------------------------------------


REFERENT_INDEX = "uq_gpect_people_organisation_referent"


def _columns(app: Flask, table: str) -> set[str]:
    return {column["name"] for column in sa.inspect(engine(app)).get_columns(table)}


def _referent_index(app: Flask) -> dict[str, Any]:
    (index,) = [i for i in sa.inspect(engine(app)).get_indexes("gpect_people") if i["name"] == REFERENT_INDEX]
    return index


def test_0004_adds_and_removes_the_calendar_columns_keeping_people_and_their_index(migration_app: Flask) -> None:
    """Up to 0004 and back keeps every person (SQLite rebuilds the table) and the partial referent index."""
    command.upgrade(alembic_config(), "0003")
    assert "calendar_feed_secret" not in _columns(migration_app, "gpect_people")
    with engine(migration_app).begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO gpect_people (id, email, name, role, language, timezone, reminder_mode, is_referent,"
                " is_active, created_dt) VALUES (7, 'a@example.org', 'A', 'partner', 'fr', 'Europe/Paris',"
                " 'immediate', false, true, '2026-11-30 08:00:00+00:00')"
            )
        )

    command.upgrade(alembic_config(), "0004")
    assert {"calendar_feed_secret", "calendar_feed_created_dt"} <= _columns(migration_app, "gpect_people")
    with engine(migration_app).begin() as connection:
        connection.execute(sa.text("UPDATE gpect_people SET calendar_feed_secret = 'secret' WHERE id = 7"))

    command.downgrade(alembic_config(), "0003")
    assert not {"calendar_feed_secret", "calendar_feed_created_dt"} & _columns(migration_app, "gpect_people")
    with engine(migration_app).connect() as connection:
        email = connection.execute(sa.text("SELECT email FROM gpect_people WHERE id = 7")).scalar_one()
    assert email == "a@example.org"
    index = _referent_index(migration_app)
    assert index["unique"] and index["column_names"] == ["organisation_id"]
    options = index.get("dialect_options", {})
    assert "is_referent" in str(options.get("postgresql_where") or options.get("sqlite_where")), "still partial"

    command.upgrade(alembic_config(), "head")
    assert current_revisions(migration_app) == [HEAD]
    assert differences(migration_app) == []


# --- 0005: scheduled plans ------------------------------------------------------------------------------------


def _insert(app: Flask, statement: str, **values: Any) -> None:
    with engine(app).begin() as connection:
        connection.execute(sa.text(statement), values)


def _add_definition_territory_organisation_and_lead(app: Flask) -> None:
    """A definition ``k`` v1, territory 1, organisation 1 and the lead, person 7: what a plan needs."""
    _insert(
        app,
        "INSERT INTO gpect_definitions (id, key, version, content_hash, title_fr, title_en, source, source_file,"
        " registered_dt) VALUES (1, 'k', 1, 'h', 'T', 'T', '', 'k.yaml', '2026-11-30 08:00:00+00:00')",
    )
    _insert(app, "INSERT INTO gpect_territories (id, code, name) VALUES (1, 't', 'Territoire')")
    _insert(
        app,
        "INSERT INTO gpect_organisations (id, name, kind, scope, territory_id, created_dt)"
        " VALUES (1, 'Org', 'other', 'territory', 1, '2026-11-30 08:00:00+00:00')",
    )
    _insert(
        app,
        "INSERT INTO gpect_people (id, email, name, role, language, timezone, reminder_mode, is_referent,"
        " is_active, created_dt) VALUES (7, 'lead@example.org', 'Lead', 'lead', 'fr',"
        " 'Europe/Paris', 'immediate', false, true, '2026-11-30 08:00:00+00:00')",
    )


def _add_plan(app: Flask, plan_id: int, status: str) -> None:
    _insert(
        app,
        "INSERT INTO gpect_plans (id, name, definition_key, definition_version, territory_id, lead_id, timezone,"
        " start_date, status, version, created_dt, updated_dt) VALUES (:id, :name, 'k', 1, 1, 7, 'Europe/Paris',"
        " '2026-12-01', :status, 1, '2026-11-30 08:00:00+00:00', '2026-11-30 08:00:00+00:00')",
        id=plan_id,
        name=f"Plan {plan_id}",
        status=status,
    )


def _plan_statuses(app: Flask) -> dict[int, str]:
    with engine(app).connect() as connection:
        rows = connection.execute(sa.text("SELECT id, status FROM gpect_plans ORDER BY id"))
        return {plan_id: status for plan_id, status in rows}


def test_0005_accepts_scheduled_plans_and_downgrades_only_without_them(migration_app: Flask) -> None:
    """Up to 0005 the plan status CHECK accepts ``scheduled`` and keeps every plan (SQLite rebuilds the
    table); the downgrade refuses while a plan is scheduled, then restores the old constraint."""
    command.upgrade(alembic_config(), "0004")
    _insert(
        migration_app,
        "INSERT INTO gpect_definitions (id, key, version, content_hash, title_fr, title_en, source, source_file,"
        " registered_dt) VALUES (1, 'k', 1, 'h', 'T', 'T', '', 'k.yaml', '2026-11-30 08:00:00+00:00')",
    )
    _insert(migration_app, "INSERT INTO gpect_territories (id, code, name) VALUES (1, 't', 'Territoire')")
    _insert(
        migration_app,
        "INSERT INTO gpect_people (id, email, name, role, language, timezone, reminder_mode, is_referent,"
        " is_active, created_dt) VALUES (7, 'lead@example.org', 'Lead', 'lead', 'fr', 'Europe/Paris',"
        " 'immediate', false, true, '2026-11-30 08:00:00+00:00')",
    )
    _add_plan(migration_app, 1, "active")
    _add_plan(migration_app, 2, "on_hold")
    with pytest.raises(sa.exc.IntegrityError):
        _add_plan(migration_app, 3, "scheduled")

    command.upgrade(alembic_config(), "0005")
    _add_plan(migration_app, 3, "scheduled")
    with pytest.raises(sa.exc.IntegrityError):
        _add_plan(migration_app, 4, "sleeping")
    assert _plan_statuses(migration_app) == {1: "active", 2: "on_hold", 3: "scheduled"}
    checks = {check["name"] for check in sa.inspect(engine(migration_app)).get_check_constraints("gpect_plans")}
    assert "ck_gpect_plans_plan_status" in checks

    with pytest.raises(RuntimeError, match=r"1 plan\(s\) are scheduled.*open or cancel them first"):
        command.downgrade(alembic_config(), "0004")
    assert current_revisions(migration_app) == ["0005"]
    assert _plan_statuses(migration_app) == {1: "active", 2: "on_hold", 3: "scheduled"}

    _insert(migration_app, "UPDATE gpect_plans SET status = 'cancelled' WHERE id = 3")
    command.downgrade(alembic_config(), "0004")
    assert current_revisions(migration_app) == ["0004"]
    assert _plan_statuses(migration_app) == {1: "active", 2: "on_hold", 3: "cancelled"}
    with pytest.raises(sa.exc.IntegrityError):
        _add_plan(migration_app, 4, "scheduled")

    command.upgrade(alembic_config(), "head")
    assert current_revisions(migration_app) == [HEAD]
    assert differences(migration_app) == []


# --- 0006: the reminders cursor -------------------------------------------------------------------------------


def test_0006_adds_and_removes_the_reminders_cursor_keeping_the_tick_row(migration_app: Flask) -> None:
    """Up to 0006 the tick's row gains a null reminders cursor; back to 0005 it loses it, keeping the row."""
    command.upgrade(alembic_config(), "0005")
    _insert(
        migration_app,
        "INSERT INTO gpect_scheduler_runs (name, covered_until_dt, ran_dt)"
        " VALUES ('tick', '2026-11-30 08:00:00+00:00', '2026-11-30 08:00:00+00:00')",
    )
    assert "reminders_covered_until_dt" not in _columns(migration_app, "gpect_scheduler_runs")

    command.upgrade(alembic_config(), "0006")
    with engine(migration_app).connect() as connection:
        row = connection.execute(sa.text("SELECT name, reminders_covered_until_dt FROM gpect_scheduler_runs")).one()
    assert tuple(row) == ("tick", None)

    command.downgrade(alembic_config(), "0005")
    assert "reminders_covered_until_dt" not in _columns(migration_app, "gpect_scheduler_runs")
    with engine(migration_app).connect() as connection:
        assert connection.execute(sa.text("SELECT name FROM gpect_scheduler_runs")).scalars().all() == ["tick"]
    command.upgrade(alembic_config(), "head")
    assert current_revisions(migration_app) == [HEAD]


# --- 0007: outbox fencing and retry window ---------------------------------------------------------------------


def test_0007_adds_and_removes_the_claim_token_and_retry_start_keeping_messages(migration_app: Flask) -> None:
    """Up to 0007 messages gain a null claim token and retry start (and the token's index); back to 0006 they
    lose them, keeping every message."""
    command.upgrade(alembic_config(), "0006")
    _insert(
        migration_app,
        "INSERT INTO gpect_outbox_messages (idempotency_key, kind, recipient_email, subject, body_text, status,"
        " attempts, next_attempt_dt, created_dt, claimed_until_dt, claimed_by)"
        " VALUES ('k1', 'reminder', 'a@example.org', 'S', 'B', 'sending', 0, '2026-11-30 08:00:00+00:00',"
        " '2026-11-30 08:00:00+00:00', '2026-11-30 08:05:00+00:00', 'host:1')",
    )
    command.upgrade(alembic_config(), "0007")
    with engine(migration_app).connect() as connection:
        row = connection.execute(
            sa.text("SELECT idempotency_key, status, claim_token, retrying_since_dt FROM gpect_outbox_messages")
        ).one()
    assert tuple(row) == ("k1", "sending", None, None)
    indexes = {index["name"] for index in sa.inspect(engine(migration_app)).get_indexes("gpect_outbox_messages")}
    assert "ix_gpect_outbox_messages_claim_token" in indexes

    command.downgrade(alembic_config(), "0006")
    assert not {"claim_token", "retrying_since_dt"} & _columns(migration_app, "gpect_outbox_messages")
    with engine(migration_app).connect() as connection:
        keys = connection.execute(sa.text("SELECT idempotency_key FROM gpect_outbox_messages")).scalars().all()
    assert keys == ["k1"]
    command.upgrade(alembic_config(), "head")
    assert current_revisions(migration_app) == [HEAD]
    assert differences(migration_app) == []


# --- 0008: the outbox failure code -----------------------------------------------------------------------------


def test_0008_adds_and_removes_the_failure_code_keeping_messages_and_their_error(migration_app: Flask) -> None:
    """Up to 0008 a failed message keeps its stored text and gains no code; back to 0007 the code goes and
    the message stays, its text with it."""
    command.upgrade(alembic_config(), "0007")
    _insert(
        migration_app,
        "INSERT INTO gpect_outbox_messages (idempotency_key, kind, recipient_email, subject, body_text, status,"
        " attempts, next_attempt_dt, created_dt, last_error)"
        " VALUES ('k1', 'reminder', 'a@example.org', 'S', 'B', 'failed', 1, '2026-11-30 08:00:00+00:00',"
        " '2026-11-30 08:00:00+00:00', '550 5.1.1 user unknown')",
    )
    command.upgrade(alembic_config(), "0008")
    with engine(migration_app).connect() as connection:
        row = connection.execute(sa.text("SELECT failure_code, last_error FROM gpect_outbox_messages")).one()
    assert tuple(row) == (None, "550 5.1.1 user unknown")
    _insert(migration_app, "UPDATE gpect_outbox_messages SET failure_code = 'relay_refused_recipient'")

    command.downgrade(alembic_config(), "0007")
    assert "failure_code" not in _columns(migration_app, "gpect_outbox_messages")
    with engine(migration_app).connect() as connection:
        row = connection.execute(sa.text("SELECT idempotency_key, last_error FROM gpect_outbox_messages")).one()
    assert tuple(row) == ("k1", "550 5.1.1 user unknown")
    command.upgrade(alembic_config(), "head")
    assert current_revisions(migration_app) == [HEAD]
    assert differences(migration_app) == []


# --- 0009: session generation ----------------------------------------------------------------------------------


def test_0009_gives_every_person_generation_zero_and_removes_it_keeping_people(migration_app: Flask) -> None:
    """Up to 0009 existing people gain session generation 0 (their bare-id cookies sign in again); back down
    they lose the column, keeping every person."""
    command.upgrade(alembic_config(), "0008")
    _insert(
        migration_app,
        "INSERT INTO gpect_people (email, name, role, language, timezone, reminder_mode, is_referent, is_active,"
        " created_dt) VALUES ('a@example.org', 'A', 'lead', 'fr', 'Europe/Paris', 'immediate', false, true,"
        " '2026-11-30 08:00:00+00:00')",
    )
    command.upgrade(alembic_config(), "0009")
    with engine(migration_app).connect() as connection:
        row = connection.execute(sa.text("SELECT email, session_generation FROM gpect_people")).one()
    assert tuple(row) == ("a@example.org", 0)

    command.downgrade(alembic_config(), "0008")
    assert "session_generation" not in _columns(migration_app, "gpect_people")
    with engine(migration_app).connect() as connection:
        assert connection.execute(sa.text("SELECT email FROM gpect_people")).scalars().all() == ["a@example.org"]
    command.upgrade(alembic_config(), "head")
    assert current_revisions(migration_app) == [HEAD]


# --- 0010: organisation scope ----------------------------------------------------------------------------------


def test_0010_files_organisations_by_scope_and_back(migration_app: Flask) -> None:
    """Up to 0010 an organisation on a territory keeps it and one on none becomes national; names are unique
    within a scope (two national bodies of one name are refused, which the old key let through); back down the
    columns go and every organisation stays."""
    command.upgrade(alembic_config(), "0009")
    _insert(
        migration_app, "INSERT INTO gpect_territories (code, name, region) VALUES ('t', 'T', 'Centre-Val de Loire')"
    )
    created = "'2026-11-30 08:00:00+00:00'"
    _insert(
        migration_app,
        "INSERT INTO gpect_organisations (name, kind, territory_id, created_dt) VALUES"
        f" ('Local', 'company', 1, {created}), ('National', 'other', NULL, {created})",
    )
    command.upgrade(alembic_config(), "0010")
    with engine(migration_app).connect() as connection:
        rows = connection.execute(
            sa.text("SELECT name, scope, territory_id, region FROM gpect_organisations ORDER BY name")
        )
        assert [tuple(row) for row in rows] == [("Local", "territory", 1, None), ("National", "national", None, None)]
    with pytest.raises(sa.exc.IntegrityError):
        _insert(
            migration_app,
            "INSERT INTO gpect_organisations (name, kind, scope, created_dt)"
            f" VALUES ('National', 'other', 'national', {created})",
        )
    with pytest.raises(sa.exc.IntegrityError):  # a region-wide body names its region
        _insert(
            migration_app,
            "INSERT INTO gpect_organisations (name, kind, scope, created_dt)"
            f" VALUES ('R', 'region', 'region', {created})",
        )
    _insert(
        migration_app,
        "INSERT INTO gpect_organisations (name, kind, scope, region, created_dt)"
        f" VALUES ('Local', 'region', 'region', 'Centre-Val de Loire', {created})",
    )

    command.downgrade(alembic_config(), "0009")
    assert {"scope", "region"}.isdisjoint(_columns(migration_app, "gpect_organisations"))
    with engine(migration_app).connect() as connection:
        names = connection.execute(sa.text("SELECT name FROM gpect_organisations ORDER BY name")).scalars().all()
    assert names == ["Local", "Local", "National"]


# --- 0011: one-off tasks ----------------------------------------------------------------------------------------


def test_0011_adds_the_one_off_task_columns_and_removes_them(migration_app: Flask) -> None:
    """Up to 0011 tasks gain ``is_one_off`` (false for existing ones), their own titles and description; the
    models agree with the migrations; back down the columns go."""
    command.upgrade(alembic_config(), "head")
    assert {"is_one_off", "title_fr", "title_en", "description"} <= set(_columns(migration_app, "gpect_tasks"))
    assert differences(migration_app) == []
    command.downgrade(alembic_config(), "0010")
    assert not {"is_one_off", "title_fr", "title_en", "description"} & set(_columns(migration_app, "gpect_tasks"))
    command.upgrade(alembic_config(), "head")
    assert current_revisions(migration_app) == [HEAD]


# --- 0012: people's ids never reused -----------------------------------------------------------------------------


def test_0012_never_gives_a_deleted_person_s_id_again(migration_app: Flask) -> None:
    """Merging deletes the duplicate person; the next person created must not take their id, or the deleted
    one's signed links and cookies would name them. The referent index survives the rebuild."""
    command.upgrade(alembic_config(), "head")
    created = "'2026-11-30 08:00:00+00:00'"
    insert = (
        "INSERT INTO gpect_people (email, name, role, language, timezone, reminder_mode, is_referent, is_active,"
        " session_generation, created_dt) VALUES ('{0}@example.org', '{0}', 'partner', 'fr', 'Europe/Paris',"
        " 'immediate', false, true, 0, " + created + ")"
    )
    _insert(migration_app, insert.format("first"))
    _insert(migration_app, insert.format("duplicate"))
    with engine(migration_app).begin() as connection:
        deleted = connection.execute(sa.text("SELECT max(id) FROM gpect_people")).scalar_one()
        connection.execute(sa.text("DELETE FROM gpect_people WHERE id = :id"), {"id": deleted})
    _insert(migration_app, insert.format("newcomer"))
    with engine(migration_app).connect() as connection:
        newcomer = connection.execute(
            sa.text("SELECT id FROM gpect_people WHERE email = 'newcomer@example.org'")
        ).scalar_one()
    assert newcomer > deleted
    assert differences(migration_app) == []
    indexes = {index["name"] for index in sa.inspect(engine(migration_app)).get_indexes("gpect_people")}
    assert "uq_gpect_people_organisation_referent" in indexes
    command.downgrade(alembic_config(), "0011")
    command.upgrade(alembic_config(), "head")


# --- 0019: indexes for the hot filters ---------------------------------------------------------------------------


HOT_INDEXES = {
    "ix_gpect_plans_created": ("gpect_plans", ["created_dt", "id"]),
    "ix_gpect_plan_stages_status_plan": ("gpect_plan_stages", ["status", "plan_id"]),
    "ix_gpect_plan_stages_working": ("gpect_plan_stages", ["status", "id", "stage_key"]),
    "ix_gpect_plan_stages_working_end": ("gpect_plan_stages", ["planned_end_date"]),
}
FAILED_ANNOUNCEMENTS_INDEX = ("gpect_announcements", "ix_gpect_announcements_failed", ["failed_dt", "id"])


def _indexes(app: Flask, table: str) -> dict[str, list[str]]:
    return {index["name"]: index["column_names"] for index in sa.inspect(engine(app)).get_indexes(table)}


def test_0019_indexes_plans_by_creation_and_stages_by_status(migration_app: Flask) -> None:
    """Up to 0019 plans are indexed newest-first and stages by status, the working ones also by id and by
    planned end (the models say the same); back down they go, and up again."""
    command.upgrade(alembic_config(), "head")
    for name, (table, columns) in HOT_INDEXES.items():
        assert _indexes(migration_app, table).get(name) == columns, name
    assert differences(migration_app) == []
    command.downgrade(alembic_config(), "0012")
    for name, (table, _) in HOT_INDEXES.items():
        assert name not in _indexes(migration_app, table)
    command.upgrade(alembic_config(), "head")
    assert current_revisions(migration_app) == [HEAD]
    assert differences(migration_app) == []


def test_0020_indexes_the_failed_announcements(migration_app: Flask) -> None:
    """Up to 0020 the failed announcements the outbox page lists have their partial index; back down it goes."""
    table, name, columns = FAILED_ANNOUNCEMENTS_INDEX
    command.upgrade(alembic_config(), "head")
    assert _indexes(migration_app, table).get(name) == columns
    assert differences(migration_app) == []
    command.downgrade(alembic_config(), "0019")
    assert name not in _indexes(migration_app, table)
    command.upgrade(alembic_config(), "head")
    assert current_revisions(migration_app) == [HEAD]


def test_0024_indexes_the_done_announcements(migration_app: Flask) -> None:
    """Up to 0024 the done announcements the passes delete have their partial index; back down it goes, the
    announcements stay."""
    command.upgrade(alembic_config(), "head")
    assert _indexes(migration_app, "gpect_announcements").get("ix_gpect_announcements_done") == ["done_dt"]
    assert differences(migration_app) == []
    command.downgrade(alembic_config(), "0023")
    assert "ix_gpect_announcements_done" not in _indexes(migration_app, "gpect_announcements")
    assert "ix_gpect_announcements_failed" in _indexes(migration_app, "gpect_announcements")
    command.upgrade(alembic_config(), "head")
    assert current_revisions(migration_app) == [HEAD]


def test_0025_puts_the_due_date_in_the_index_of_a_person_s_open_tasks(migration_app: Flask) -> None:
    """Up to 0025 the index the dashboard reads a person's tasks due by a date from ends with the due date, and
    replaces the one without it; back down the former comes back."""
    command.upgrade(alembic_config(), "head")
    indexes = _indexes(migration_app, "gpect_tasks")
    assert indexes["ix_gpect_tasks_assignee_stage_status_due"] == ["assignee_id", "stage_status", "status", "due_date"]
    assert "ix_gpect_tasks_assignee_stage_status" not in indexes
    command.downgrade(alembic_config(), "0024")
    indexes = _indexes(migration_app, "gpect_tasks")
    assert indexes["ix_gpect_tasks_assignee_stage_status"] == ["assignee_id", "stage_status", "status"]
    assert "ix_gpect_tasks_assignee_stage_status_due" not in indexes
    command.upgrade(alembic_config(), "head")
    assert current_revisions(migration_app) == [HEAD]
    assert differences(migration_app) == []


def test_0026_indexes_plans_by_name(migration_app: Flask) -> None:
    """Up to 0026 plans have their index by name (the committee page's order); back down it goes."""
    command.upgrade(alembic_config(), "head")
    assert _indexes(migration_app, "gpect_plans")["ix_gpect_plans_name"] == ["name", "id"]
    command.downgrade(alembic_config(), "0025")
    assert "ix_gpect_plans_name" not in _indexes(migration_app, "gpect_plans")
    command.upgrade(alembic_config(), "head")
    assert current_revisions(migration_app) == [HEAD]
    assert differences(migration_app) == []


def test_0027_indexes_plans_by_status_then_creation(migration_app: Flask) -> None:
    """Up to 0027 the index by status carries the creation instant (an administrator's dashboard reads each
    status's newest plans from it) and replaces the one by status alone; back down the former comes back."""
    command.upgrade(alembic_config(), "head")
    indexes = _indexes(migration_app, "gpect_plans")
    assert indexes["ix_gpect_plans_status_created"] == ["status", "created_dt", "id"]
    assert "ix_gpect_plans_status" not in indexes
    command.downgrade(alembic_config(), "0026")
    indexes = _indexes(migration_app, "gpect_plans")
    assert indexes["ix_gpect_plans_status"] == ["status"] and "ix_gpect_plans_status_created" not in indexes
    command.upgrade(alembic_config(), "head")
    assert current_revisions(migration_app) == [HEAD]
    assert differences(migration_app) == []


def test_0028_indexes_the_unassigned_tasks_by_plan_and_owner_role(migration_app: Flask) -> None:
    """Up to 0028 the unassigned tasks, and they alone, are indexed by (plan, owner role, status): "my tasks"
    looks up those left to my roles from my memberships; back down the index goes, the tasks stay."""
    command.upgrade(alembic_config(), "head")
    (index,) = [
        index
        for index in sa.inspect(engine(migration_app)).get_indexes("gpect_tasks")
        if index["name"] == "ix_gpect_tasks_unassigned_plan_role"
    ]
    assert index["column_names"] == ["plan_id", "owner_role", "status"]
    where = {key: str(value) for key, value in index.get("dialect_options", {}).items() if key.endswith("_where")}
    assert [condition.replace("(", "").replace(")", "") for condition in where.values()] == ["assignee_id IS NULL"]
    assert differences(migration_app) == []
    command.downgrade(alembic_config(), "0027")
    assert "ix_gpect_tasks_unassigned_plan_role" not in _indexes(migration_app, "gpect_tasks")
    assert "ix_gpect_tasks_assignee_stage_status_due" in _indexes(migration_app, "gpect_tasks")
    command.upgrade(alembic_config(), "head")
    assert current_revisions(migration_app) == [HEAD]


def _included_columns(app: Flask, name: str) -> list[str]:
    """The columns an index carries beside its key (PostgreSQL's ``INCLUDE``), as the catalogue lists them."""
    query = sa.text(
        "SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
        " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey[i.indnkeyatts:])"
        " WHERE c.relname = :name ORDER BY array_position(i.indkey::int2[], a.attnum)"
    )
    with engine(app).connect() as connection:
        return list(connection.execute(query, {"name": name}).scalars())


def test_0029_lets_a_person_s_tasks_be_chosen_from_the_assignee_indexes_alone(migration_app: Flask) -> None:
    """Up to 0029, on PostgreSQL, the assignee indexes carry the task's id and plan (and the finished tasks'
    index its due date) beside their keys, which stay as they were; back down they carry nothing more. SQLite
    keeps them unchanged both ways. The models agree at the head on both."""
    open_index, done_index = "ix_gpect_tasks_assignee_stage_status_due", "ix_gpect_tasks_assignee_status_completed"
    command.upgrade(alembic_config(), "head")
    indexes = {index["name"]: index for index in sa.inspect(engine(migration_app)).get_indexes("gpect_tasks")}
    assert indexes[open_index]["column_names"] == ["assignee_id", "stage_status", "status", "due_date"]
    assert indexes[done_index]["column_names"] == ["assignee_id", "status", "completed_dt"]
    postgres = database_kind() == "postgres"
    if postgres:
        assert _included_columns(migration_app, open_index) == ["plan_id", "id"]
        assert _included_columns(migration_app, done_index) == ["plan_id", "id", "due_date"]
    assert differences(migration_app) == []
    command.downgrade(alembic_config(), "0028")
    assert {open_index, done_index} <= set(_indexes(migration_app, "gpect_tasks"))
    if postgres:
        assert _included_columns(migration_app, open_index) == []
        assert _included_columns(migration_app, done_index) == []
    command.upgrade(alembic_config(), "head")
    assert current_revisions(migration_app) == [HEAD]


def _compression(app: Flask, table: str, columns: tuple[str, ...]) -> dict[str, str]:
    """How PostgreSQL compresses each column's new values (``l`` for LZ4, ``p`` for pglz, empty: the server's
    default), as the catalogue says."""
    query = sa.text(
        "SELECT attname, attcompression FROM pg_attribute"
        " WHERE attrelid = CAST(:table AS regclass) AND attname IN :columns"
    ).bindparams(sa.bindparam("columns", expanding=True))
    with engine(app).connect() as connection:
        rows = connection.execute(query, {"table": table, "columns": list(columns)})
        return {name: method for name, method in rows}


def test_0030_compresses_the_outbox_bodies_with_lz4_on_postgresql(migration_app: Flask) -> None:
    """Up to 0030, on PostgreSQL, the outbox's bodies and attachments are compressed with LZ4: a reminder's
    HTML body queued then is stored so; back down, with the server's default again. SQLite is untouched."""
    columns = ("body_text", "body_html", "attachments")
    command.upgrade(alembic_config(), "head")
    assert differences(migration_app) == []
    if database_kind() != "postgres":
        return
    assert _compression(migration_app, "gpect_outbox_messages", columns) == dict.fromkeys(columns, "l")
    body = "".join(f"<p>Rappel {number} : la tâche arrive à échéance.</p>" for number in range(200))
    _insert(
        migration_app,
        "INSERT INTO gpect_outbox_messages (idempotency_key, kind, recipient_email, subject, body_text, body_html,"
        " status, attempts, next_attempt_dt, created_dt) VALUES ('k', 'reminder', 'a@example.org', 'Rappel', :body,"
        " :body, 'pending', 0, '2026-11-30 08:00:00+00:00', '2026-11-30 08:00:00+00:00')",
        body=body,
    )
    with engine(migration_app).connect() as connection:
        stored = connection.execute(
            sa.text("SELECT pg_column_compression(body_html), body_html FROM gpect_outbox_messages")
        ).one()
    assert stored == ("lz4", body)
    command.downgrade(alembic_config(), "0029")
    assert _compression(migration_app, "gpect_outbox_messages", columns) == dict.fromkeys(columns, "")
    with engine(migration_app).connect() as connection:
        assert connection.execute(sa.text("SELECT body_html FROM gpect_outbox_messages")).scalar() == body
    command.upgrade(alembic_config(), "head")
    assert current_revisions(migration_app) == [HEAD]


# --- 0021: members know their plan ------------------------------------------------------------------------------


def test_0021_gives_each_member_its_assignment_s_plan_and_takes_it_back(migration_app: Flask) -> None:
    """Up to 0021 the members already there get their assignment's plan, a member naming another plan than
    its assignment's is refused, and a plan's deletion still takes its members; back down the column goes
    and the members stay; up to the head the models agree."""
    command.upgrade(alembic_config(), "0020")
    _add_definition_territory_organisation_and_lead(migration_app)
    for plan_id in (1, 2):
        _add_plan(migration_app, plan_id, "active")
        _insert(
            migration_app,
            "INSERT INTO gpect_role_assignments (id, plan_id, role_key, organisation_id) VALUES (:id, :plan, 'r', 1)",
            id=10 + plan_id,
            plan=plan_id,
        )
        _insert(
            migration_app,
            "INSERT INTO gpect_role_assignment_members (assignment_id, person_id) VALUES (:id, 7)",
            id=10 + plan_id,
        )

    command.upgrade(alembic_config(), "0021")
    with engine(migration_app).connect() as connection:
        rows = connection.execute(
            sa.text("SELECT assignment_id, plan_id, person_id FROM gpect_role_assignment_members ORDER BY 1")
        )
        assert [tuple(row) for row in rows] == [(11, 1, 7), (12, 2, 7)]
    assert _indexes(migration_app, "gpect_role_assignment_members") == {
        "ix_gpect_role_assignment_members_person_plan": ["person_id", "plan_id"]
    }
    with pytest.raises(sa.exc.IntegrityError):
        _insert(
            migration_app,
            "INSERT INTO gpect_role_assignment_members (assignment_id, plan_id, person_id) VALUES (11, 2, 8)",
        )
    _insert(migration_app, "DELETE FROM gpect_plans WHERE id = 2")
    with engine(migration_app).connect() as connection:
        kept = connection.execute(sa.text("SELECT assignment_id FROM gpect_role_assignment_members")).scalars().all()
    assert kept == [11]

    command.downgrade(alembic_config(), "0020")
    assert "plan_id" not in _columns(migration_app, "gpect_role_assignment_members")
    with engine(migration_app).connect() as connection:
        rows = connection.execute(sa.text("SELECT assignment_id, person_id FROM gpect_role_assignment_members"))
        assert [tuple(row) for row in rows] == [(11, 7)]
    command.upgrade(alembic_config(), "head")
    assert current_revisions(migration_app) == [HEAD]
    assert differences(migration_app) == []


# --- 0022: tasks know their stage's status -----------------------------------------------------------------------


def _add_stage(app: Flask, stage_id: int, position: int, status: str) -> None:
    _insert(
        app,
        "INSERT INTO gpect_plan_stages (id, plan_id, stage_key, position, lever, gate, status, planned_start_date,"
        " planned_end_date) VALUES (:id, 1, :key, :position, 'observe', 'auto', :status, '2026-12-01', '2026-12-31')",
        id=stage_id,
        key=f"stage{stage_id}",
        position=position,
        status=status,
    )


def _add_task(app: Flask, task_id: int, stage_id: int, **given: str) -> None:
    columns = "".join(f", {column}" for column in given)
    values = "".join(f", :{column}" for column in given)
    _insert(
        app,
        "INSERT INTO gpect_tasks (id, plan_id, stage_id, task_key, owner_role, assignee_id, due_date, status, weight,"
        f" is_required, version, updated_dt{columns}) VALUES (:id, 1, :stage, :key, 'r', 7, '2026-12-15', 'todo', 1,"
        f" true, 1, '2026-11-30 08:00:00+00:00'{values})",
        id=task_id,
        stage=stage_id,
        key=f"task{task_id}",
        **given,
    )


def _stage_statuses_of_tasks(app: Flask) -> dict[int, str]:
    with engine(app).connect() as connection:
        rows = connection.execute(sa.text("SELECT id, stage_status FROM gpect_tasks ORDER BY id"))
        return {task_id: status for task_id, status in rows}


def _triggers(app: Flask) -> set[str]:
    if database_kind() == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    with engine(app).connect() as connection:
        return set(connection.execute(sa.text(query)).scalars())


def test_0022_gives_tasks_their_stage_s_status_and_keeps_it_whoever_writes(migration_app: Flask) -> None:
    """Up to 0022 the tasks already there get their stage's status, which then follows the stage's changes,
    and a task added, moved or given another value gets its stage's whatever it was given; the index the
    "my tasks" lists read is there and the models agree. Back down the column and the triggers go, the
    search triggers stay (SQLite's table is not rebuilt), and up again."""
    command.upgrade(alembic_config(), "0021")
    _add_definition_territory_organisation_and_lead(migration_app)
    _add_plan(migration_app, 1, "active")
    _add_stage(migration_app, 11, 0, "open")
    _add_stage(migration_app, 12, 1, "pending")
    _add_task(migration_app, 101, 11)
    _add_task(migration_app, 102, 12)
    before = _triggers(migration_app)

    command.upgrade(alembic_config(), "0022")
    assert _stage_statuses_of_tasks(migration_app) == {101: "open", 102: "pending"}
    assert _indexes(migration_app, "gpect_tasks")["ix_gpect_tasks_assignee_stage_status"] == [
        "assignee_id",
        "stage_status",
        "status",
    ]
    assert _indexes(migration_app, "gpect_plans")["ix_gpect_plans_timezone"] == ["timezone"]
    by_assignee = _indexes(migration_app, "gpect_tasks")
    assert by_assignee["ix_gpect_tasks_assignee_status_completed"] == ["assignee_id", "status", "completed_dt"]
    assert "ix_gpect_tasks_assignee_status" not in by_assignee

    _insert(migration_app, "UPDATE gpect_plan_stages SET status = 'awaiting_decision' WHERE id = 11")
    _insert(migration_app, "UPDATE gpect_plan_stages SET status = 'open' WHERE id = 12")
    assert _stage_statuses_of_tasks(migration_app) == {101: "awaiting_decision", 102: "open"}
    _insert(migration_app, "UPDATE gpect_plan_stages SET status = 'closed' WHERE id = 11")
    _add_task(migration_app, 103, 12, stage_status="closed")  # whatever it is given
    _add_task(migration_app, 104, 11)
    assert _stage_statuses_of_tasks(migration_app) == {101: "closed", 102: "open", 103: "open", 104: "closed"}
    _insert(migration_app, "UPDATE gpect_tasks SET stage_status = 'pending' WHERE id = 102")
    _insert(migration_app, "UPDATE gpect_tasks SET stage_id = 12 WHERE id = 104")
    _insert(migration_app, "UPDATE gpect_tasks SET status = 'done' WHERE id = 101")
    assert _stage_statuses_of_tasks(migration_app) == {101: "closed", 102: "open", 103: "open", 104: "open"}

    command.downgrade(alembic_config(), "0021")
    assert "stage_status" not in _columns(migration_app, "gpect_tasks")
    assert "ix_gpect_plans_timezone" not in _indexes(migration_app, "gpect_plans")
    assert _indexes(migration_app, "gpect_tasks")["ix_gpect_tasks_assignee_status"] == ["assignee_id", "status"]
    assert _triggers(migration_app) == before
    _insert(migration_app, "UPDATE gpect_plan_stages SET status = 'closed' WHERE id = 12")
    command.upgrade(alembic_config(), "head")
    assert _stage_statuses_of_tasks(migration_app) == {101: "closed", 102: "closed", 103: "closed", 104: "closed"}
    assert current_revisions(migration_app) == [HEAD]


# --- 0023: members know their role's key ------------------------------------------------------------------------


def _member_role_keys(app: Flask) -> dict[tuple[int, int], str]:
    with engine(app).connect() as connection:
        rows = connection.execute(
            sa.text("SELECT assignment_id, person_id, role_key FROM gpect_role_assignment_members")
        )
        return {(assignment, person): key for assignment, person, key in rows}


def test_0023_gives_members_their_role_s_key_and_keeps_it_whoever_writes(migration_app: Flask) -> None:
    """Up to 0023 the members already there get their role's key, which then follows the role's renaming, and
    a member added, moved to another role or given a key of its own gets its role's whatever it was given; the
    index (person, plan, role key) replaces (person, plan) and the models agree. Back down the column, the
    index and the triggers go, the members stay, and up again."""
    command.upgrade(alembic_config(), "0022")
    _add_definition_territory_organisation_and_lead(migration_app)
    _add_plan(migration_app, 1, "active")
    for assignment, role in ((11, "observatory"), (12, "steering_committee"), (13, "region")):
        _insert(
            migration_app,
            "INSERT INTO gpect_role_assignments (id, plan_id, role_key, organisation_id) VALUES (:id, 1, :role, 1)",
            id=assignment,
            role=role,
        )
    _insert(
        migration_app, "INSERT INTO gpect_role_assignment_members (assignment_id, plan_id, person_id) VALUES (11, 1, 7)"
    )
    _insert(
        migration_app, "INSERT INTO gpect_role_assignment_members (assignment_id, plan_id, person_id) VALUES (12, 1, 7)"
    )
    before = _triggers(migration_app)

    command.upgrade(alembic_config(), "0023")
    assert _member_role_keys(migration_app) == {(11, 7): "observatory", (12, 7): "steering_committee"}
    indexes = _indexes(migration_app, "gpect_role_assignment_members")
    assert indexes == {"ix_gpect_role_assignment_members_person_plan_role": ["person_id", "plan_id", "role_key"]}

    _insert(
        migration_app,
        "INSERT INTO gpect_role_assignment_members (assignment_id, plan_id, person_id, role_key)"
        " VALUES (13, 1, 7, 'steering_committee')",  # whatever it is given
    )
    assert _member_role_keys(migration_app)[13, 7] == "region"
    _insert(
        migration_app,
        "UPDATE gpect_role_assignment_members SET role_key = 'steering_committee' WHERE assignment_id = 11",
    )
    _insert(migration_app, "UPDATE gpect_role_assignments SET role_key = 'committee' WHERE id = 12")
    assert _member_role_keys(migration_app) == {(11, 7): "observatory", (12, 7): "committee", (13, 7): "region"}
    _insert(migration_app, "DELETE FROM gpect_role_assignment_members WHERE assignment_id = 13")
    _insert(migration_app, "UPDATE gpect_role_assignment_members SET assignment_id = 13 WHERE assignment_id = 11")
    assert _member_role_keys(migration_app) == {(13, 7): "region", (12, 7): "committee"}

    command.downgrade(alembic_config(), "0022")
    assert "role_key" not in _columns(migration_app, "gpect_role_assignment_members")
    assert _indexes(migration_app, "gpect_role_assignment_members") == {
        "ix_gpect_role_assignment_members_person_plan": ["person_id", "plan_id"]
    }
    assert _triggers(migration_app) == before
    _insert(migration_app, "UPDATE gpect_role_assignments SET role_key = 'steering_committee' WHERE id = 12")
    command.upgrade(alembic_config(), "head")
    assert _member_role_keys(migration_app) == {(13, 7): "region", (12, 7): "steering_committee"}
    assert current_revisions(migration_app) == [HEAD]
    assert differences(migration_app) == []


# --- 0013: comments ------------------------------------------------------------------------------------------------


def test_0013_adds_the_comments_table_and_removes_it(migration_app: Flask) -> None:
    """Up to 0013 comments get their table (a comment names a task or a stage: the check refuses neither);
    the models agree with the migrations; back down the table goes."""
    command.upgrade(alembic_config(), "head")
    assert "gpect_comments" in table_names(migration_app)
    assert differences(migration_app) == []
    with engine(migration_app).connect() as connection, pytest.raises(sa.exc.IntegrityError):
        connection.execute(
            sa.text(
                "INSERT INTO gpect_comments (plan_id, author_id, body, created_dt, version)"
                " VALUES (1, 1, 'x', '2026-11-30 08:00:00+00:00', 1)"
            )
        )
    command.downgrade(alembic_config(), "0012")
    assert "gpect_comments" not in table_names(migration_app)
    command.upgrade(alembic_config(), "head")
    assert current_revisions(migration_app) == [HEAD]
