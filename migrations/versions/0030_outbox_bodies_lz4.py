"""Outbox bodies compressed with LZ4 (PostgreSQL, when the server has it).

A queued email keeps its text and HTML bodies (about 1.3 and 6.5 KB for a reminder) and its attachments (a
calendar file). PostgreSQL compresses a value above 2 KB before storing it, by default with its own
``pglz``. The send hour writes a thousand messages in one statement, and the sending pass reads them back:
with LZ4 the insert of a thousand reminders took 0.14 to 0.28 s against 0.20 to 0.38 s with ``pglz``, on
the same rows, alternately (``benchmarks/README.md``). Only values written from now on are compressed with
LZ4; those already stored stay as they are, and both are read alike.

A server built without LZ4 keeps ``pglz``: the migration changes nothing there. SQLite does not compress.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 22:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

_TABLE = 'gpect_outbox_messages'
_COLUMNS = ('body_text', 'body_html', 'attachments')


def _server_has_lz4() -> bool:
    """Whether this PostgreSQL server was built with LZ4 (``default_toast_compression`` then accepts it)."""
    query = sa.text("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
    return bool(op.get_bind().execute(query).scalar())


def _compress_with(method: str) -> None:
    changes = ', '.join(f'ALTER COLUMN {column} SET COMPRESSION {method}' for column in _COLUMNS)
    op.execute(f'ALTER TABLE {_TABLE} {changes}')


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql' and _server_has_lz4():
        _compress_with('lz4')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        _compress_with('DEFAULT')
