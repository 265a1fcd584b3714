"""Counting the SQL statements a page or a pass runs, to prove it does not grow with the data (no N+1)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from gpect_workflow.services.context import state


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """Collect the statements sent to the database inside the block (needs an app context)."""
    statements: list[str] = []
    engine = state().db.engine

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
