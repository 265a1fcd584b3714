"""Search: full-text indexes of plans, tasks, organisations (and comments, where the table exists).

PostgreSQL: ``unaccent`` is created when it can be; ``gpect_search_unaccent(text)`` wraps it as an
IMMUTABLE function (``unaccent`` itself is only STABLE, and an index expression needs IMMUTABLE), or folds
the accents of Latin letters itself with ``translate`` when the extension is not installed.
``gpect_search_vector(text)`` is the words of a text without accents in the ``simple`` configuration:
texts mix French and English in one row, and a French or English stemmer would cut the other language's
words wrongly, so words are matched as prefixes instead, the same rule as SQLite's. GIN indexes are
built on that expression (one-off tasks only: a definition task stores no words).

SQLite: one external-content FTS5 table per searchable text (``unicode61 remove_diacritics 2``), its
rowid the row's id, filled from the rows already there and kept in step by triggers.

Beware on SQLite: a later migration that rebuilds one of these tables (``batch_alter_table``
``recreate``) drops its triggers; it must create them again (``create_sqlite_triggers``).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 15:00:00.000000
"""

import logging

import sqlalchemy as sa
from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')

#: Searchable texts: name -> (table, columns, condition on the row for it to be indexed (SQL, ``{row}``)).
TEXTS = {
    'plans': ('gpect_plans', ('name',), None),
    'organisations': ('gpect_organisations', ('name',), None),
    'tasks': ('gpect_tasks', ('title_fr', 'title_en', 'description'), '{row}.is_one_off'),
    'comments': ('gpect_comments', ('body',), '{row}.deleted_dt IS NULL'),
}

#: Latin letters with accents and their base letters, for ``translate`` when ``unaccent`` is missing.
ACCENTED = 'ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖòóôõöÙÚÛÜùúûüÝýÿ'
BASE = 'AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOoooooUUUUuuuuYyy'


def _has_table(name: str) -> bool:
    return sa.inspect(op.get_bind()).has_table(name)


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for name in TEXTS:
            op.execute(f'DROP INDEX IF EXISTS gpect_search_{name}')
        op.execute('DROP FUNCTION IF EXISTS gpect_search_vector(text)')
        op.execute('DROP FUNCTION IF EXISTS gpect_search_unaccent(text)')
        return  # ``unaccent`` stays: other databases objects may use it
    for name in TEXTS:
        drop_sqlite_triggers(name)
        op.execute(f'DROP TABLE IF EXISTS gpect_search_{name}')


# --- PostgreSQL -------------------------------------------------------------------------------------------


def _unaccent_schema() -> str | None:
    """The schema of the ``unaccent`` extension, created if it can be; ``None`` if it cannot."""
    bind = op.get_bind()
    available = bind.scalar(sa.text("SELECT count(*) FROM pg_available_extensions WHERE name = 'unaccent'"))
    if available:
        try:
            with bind.begin_nested():
                bind.execute(sa.text('CREATE EXTENSION IF NOT EXISTS unaccent'))
        except sa.exc.DBAPIError:
            log.warning('Cannot create the unaccent extension (it needs a privileged role): accents are folded '
                        'by translate() instead, Latin letters only.')
    schema = bind.scalar(sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'unaccent'"
    ))
    if schema is None and not available:
        log.warning('The unaccent extension is not installed on this server: accents are folded by '
                    'translate() instead, Latin letters only.')
    return schema


def _upgrade_postgresql() -> None:
    bind = op.get_bind()
    schema = bind.scalar(sa.text('SELECT current_schema()'))
    unaccent = _unaccent_schema()
    if unaccent is not None:
        body = f"SELECT {unaccent}.unaccent('{unaccent}.unaccent'::regdictionary, $1)"
    else:
        body = (f"SELECT replace(replace(replace(replace(translate($1, '{ACCENTED}', '{BASE}'), "
                "'œ', 'oe'), 'Œ', 'OE'), 'æ', 'ae'), 'Æ', 'AE')")
    op.execute(f'CREATE OR REPLACE FUNCTION {schema}.gpect_search_unaccent(text) RETURNS text '
               f'LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ {body} $$')
    op.execute(f'CREATE OR REPLACE FUNCTION {schema}.gpect_search_vector(text) RETURNS tsvector '
               f"LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT to_tsvector('pg_catalog.simple'::regconfig, "
               f"{schema}.gpect_search_unaccent(coalesce($1, ''))) $$")
    for name, (table, columns, condition) in TEXTS.items():
        if _has_table(table):
            create_postgresql_index(name, schema)


def create_postgresql_index(name: str, schema: str) -> None:
    """The GIN index of searchable text ``name``, on the expression ``engines.vector`` queries."""
    table, columns, condition = TEXTS[name]
    text = " || ' ' || ".join(f"coalesce({column}, '')" for column in columns)
    where = f" WHERE {condition.replace('{row}.', '')}" if condition else ''
    op.execute(f'CREATE INDEX IF NOT EXISTS gpect_search_{name} ON {table} '
               f'USING gin ({schema}.gpect_search_vector({text})){where}')


# --- SQLite -----------------------------------------------------------------------------------------------


def _upgrade_sqlite() -> None:
    for name, (table, columns, condition) in TEXTS.items():
        if not _has_table(table):
            continue
        listed = ', '.join(columns)
        op.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS gpect_search_{name} USING fts5({listed}, "
                   f"content='{table}', content_rowid='id', tokenize='unicode61 remove_diacritics 2')")
        where = f" WHERE {condition.format(row=table)}" if condition else ''
        op.execute(f'INSERT INTO gpect_search_{name} (rowid, {listed}) SELECT id, {listed} FROM {table}{where}')
        create_sqlite_triggers(name)


def create_sqlite_triggers(name: str) -> None:
    """The triggers that keep FTS5 table ``gpect_search_<name>`` in step with its rows: a row indexed is
    removed with its old words and added again with its new ones."""
    table, columns, condition = TEXTS[name]
    fts = f'gpect_search_{name}'
    listed = ', '.join(columns)
    new = ', '.join(f'new.{column}' for column in columns)
    old = ', '.join(f'old.{column}' for column in columns)
    when_new = f' WHERE {condition.format(row="new")}' if condition else ''
    when_old = f' WHERE {condition.format(row="old")}' if condition else ''
    add = f'INSERT INTO {fts} (rowid, {listed}) SELECT new.id, {new}{when_new};'
    remove = f"INSERT INTO {fts} ({fts}, rowid, {listed}) SELECT 'delete', old.id, {old}{when_old};"
    watched = ', '.join(columns + (('deleted_dt',) if name == 'comments' else ()))
    op.execute(f'CREATE TRIGGER IF NOT EXISTS {fts}_insert AFTER INSERT ON {table} BEGIN {add} END')
    op.execute(f'CREATE TRIGGER IF NOT EXISTS {fts}_delete AFTER DELETE ON {table} BEGIN {remove} END')
    op.execute(f'CREATE TRIGGER IF NOT EXISTS {fts}_update AFTER UPDATE OF {watched} ON {table} '
               f'BEGIN {remove} {add} END')


def drop_sqlite_triggers(name: str) -> None:
    """Drop the triggers of FTS5 table ``gpect_search_<name>``."""
    for event in ('insert', 'delete', 'update'):
        op.execute(f'DROP TRIGGER IF EXISTS gpect_search_{name}_{event}')
