"""Alembic environment of the GPECT tables.

It runs inside a Flask app context (``flask db`` or ``flask gpect db``), takes the engine from the
GPECT extension (the host's database object or our own), compares only GPECT tables, and keeps its own
version table so that it never touches a host application's migrations.
"""

from __future__ import annotations

import logging
from logging.config import fileConfig
from typing import Any

from alembic import context
from flask import current_app
from sqlalchemy import Connection

from gpect_workflow.migration_config import VERSION_TABLE
from gpect_workflow.models import Base
from gpect_workflow.models.base import TABLE_PREFIX
from gpect_workflow.services.search.engines import SEARCH_PREFIX
from gpect_workflow.state import EXTENSION_NAME

config = context.config
if config.config_file_name is not None and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Only GPECT tables are compared: a host's tables are none of our business."""
    if (name or "").startswith(SEARCH_PREFIX):
        return False  # search's FTS5 tables and expression indexes, made by hand in migration 0017
    return type_ != "table" or (name or "").startswith(TABLE_PREFIX)


def run_migrations() -> None:
    engine = current_app.extensions[EXTENSION_NAME].db.engine
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations rebuild tables; SQLite's foreign-key checks must be off meanwhile.
            _foreign_keys(connection, on=False)
        try:
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                version_table=VERSION_TABLE,
                include_name=include_name,
                render_as_batch=True,
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if sqlite:
                _restore_foreign_keys(connection)


def _foreign_keys(connection: Connection, *, on: bool) -> None:
    """Set SQLite's ``foreign_keys`` pragma; it only takes effect outside a transaction, hence the commit."""
    connection.commit()
    connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    connection.commit()


def _restore_foreign_keys(connection: Connection) -> None:
    """Foreign keys back on before the connection returns to the pool: the app's next request may get this very
    connection, and the ``connect`` settings of ``extension.py`` only run on new connections. A connection
    that cannot be restored (a migration failed mid-transaction, say) is discarded instead of pooled."""
    try:
        connection.rollback()
        _foreign_keys(connection, on=True)
        restored = connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    except Exception:
        restored = False
    if not restored:
        connection.invalidate()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_migrations()
