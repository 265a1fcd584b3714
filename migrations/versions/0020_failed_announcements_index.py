"""Failed announcements indexed: the outbox page counts and lists the notices whose emails could not be
written, among every announcement ever recorded (done ones stay), so it reads only the failed few.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 18:00:00.000000
"""

import sqlalchemy as sa
from alembic import op


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


_FAILED = "failed_dt IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        'ix_gpect_announcements_failed',
        'gpect_announcements',
        ['failed_dt', 'id'],
        unique=False,
        sqlite_where=sa.text(_FAILED),
        postgresql_where=sa.text(_FAILED),
    )


def downgrade() -> None:
    op.drop_index('ix_gpect_announcements_failed', table_name='gpect_announcements')
