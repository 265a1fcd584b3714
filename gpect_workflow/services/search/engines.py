"""How each database finds words: PostgreSQL's full-text search, SQLite's FTS5 (both set up by migration 0017).

A searchable text has a name (``plans``, ``tasks``, ``task_titles``, ``organisations``, ``comments``). On
PostgreSQL it is an expression over the row's columns, ``gpect_search_vector(...)``: words without accents
(``unaccent``) in the ``simple`` configuration, the expression its GIN index is built on. On SQLite it is
an FTS5 table ``gpect_search_<name>`` (``unicode61 remove_diacritics 2``) whose rowid is the row's id, kept
in step with the row by triggers. Either way a search asks for ids that match and a rank for each, higher
better, folded into [0, 1) so ranks of one kind compare.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from .terms import Terms

#: The prefix of every search object the migration creates (tables, indexes, triggers, functions).
SEARCH_PREFIX = "gpect_search_"


def vector(columns: Sequence[Any]) -> ColumnElement[object]:
    """PostgreSQL: the words of ``columns`` run together, the very expression the migration's GIN indexes
    are built on (constants written out, not bound, so the planner recognises it)."""
    empty: ColumnElement[str] = sa.literal_column("''")
    space: ColumnElement[str] = sa.literal_column("' '")
    text: ColumnElement[object] = sa.func.coalesce(columns[0], empty)
    for column in columns[1:]:
        text = text.op("||")(space).op("||")(sa.func.coalesce(column, empty))
    return sa.func.gpect_search_vector(text)


def _tsquery(terms: Terms) -> ColumnElement[object]:
    return sa.func.to_tsquery(sa.literal_column("'pg_catalog.simple'::regconfig"), sa.literal(terms.tsquery()))


def matched(
    dialect: str,
    name: str,
    query: sa.Select[Any],
    row_id: Any,
    columns: Sequence[Any],
    terms: Terms,
) -> tuple[sa.Select[Any], ColumnElement[float]]:
    """``query`` narrowed to the rows whose searchable text ``name`` (over ``columns``) holds every word of
    ``terms``, and the rank of each (in [0, 1), higher better)."""
    if dialect == "postgresql":
        found = vector(columns)
        tsquery = _tsquery(terms)
        return query.where(found.op("@@")(tsquery)), sa.func.ts_rank(found, tsquery, 32)  # 32: rank / (rank + 1)
    fts = sa.table(SEARCH_PREFIX + name, sa.column("rowid"))
    score = -sa.func.bm25(sa.literal_column(fts.name))  # bm25 is lower for better matches
    ranks = (
        sa.select(fts.c.rowid.label("id"), (score / (score + 1)).label("rank"))
        .where(sa.literal_column(fts.name).match(terms.fts5()))
        .subquery(f"{name}_found")
    )
    return query.join(ranks, ranks.c.id == row_id), ranks.c.rank


def matches_columns(dialect: str, name: str, row_id: Any, columns: Sequence[Any], terms: Terms) -> ColumnElement[bool]:
    """Whether every word of ``terms`` is in ``columns`` only (a part of searchable text ``name``)."""
    if dialect == "postgresql":
        return vector(columns).op("@@")(_tsquery(terms))
    fts = sa.table(SEARCH_PREFIX + name, sa.column("rowid"))
    names = " ".join(str(column.key) for column in columns)
    inside = sa.select(fts.c.rowid).where(sa.literal_column(fts.name).match(f"{{{names}}} : ({terms.fts5()})"))
    found: ColumnElement[bool] = row_id.in_(inside)
    return found
