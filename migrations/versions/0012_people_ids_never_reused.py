"""People's ids are never given again on SQLite: merging deletes a duplicate person, and an id handed to the
next person created would let the deleted one's signed email links and session cookie name them.

PostgreSQL sequences never go back, so only SQLite changes: its table is rebuilt with ``AUTOINCREMENT``,
which keeps the highest id ever used in ``sqlite_sequence`` instead of reusing the highest one left.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 12:00:00.000000
"""

from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.batch_alter_table(
        'gpect_people', recreate='always', table_kwargs={'sqlite_autoincrement': True}
    ) as batch_op:
        batch_op.alter_column('id')  # nothing changes but the table's AUTOINCREMENT


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.batch_alter_table(
        'gpect_people', recreate='always', table_kwargs={'sqlite_autoincrement': False}
    ) as batch_op:
        batch_op.alter_column('id')
