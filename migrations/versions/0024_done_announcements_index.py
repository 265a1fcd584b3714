"""Done announcements indexed: the passes delete those done more than 30 days ago, the oldest first.

An announcement is done once its emails are in the outbox, and nothing reads it again; kept, the table grew
by a row for every change ever made. Each pass that renders announcements now deletes up to as many done
more than ``DONE_KEPT`` (30 days) ago as it may render (``notifications.announcements``), found by this
partial index of the done ones, so the deletion reads only what it deletes.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 07:30:00.000000
"""

import sqlalchemy as sa
from alembic import op


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

_DONE = 'done_dt IS NOT NULL'


def upgrade() -> None:
    op.create_index(
        'ix_gpect_announcements_done', 'gpect_announcements', ['done_dt'], unique=False,
        sqlite_where=sa.text(_DONE), postgresql_where=sa.text(_DONE),
    )


def downgrade() -> None:
    op.drop_index('ix_gpect_announcements_done', table_name='gpect_announcements')
