"""Reminders cursor: a pass may leave reminders of a busy send hour for the next pass.

A pass renders at most ``REMINDERS_PER_PASS`` reminders; when more are due it keeps their window open
in this column and the next pass, a minute later, goes on with those not yet queued. Null means the
reminders are as far as ``covered_until_dt``, so the existing row needs no value.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 18:05:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('gpect_scheduler_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminders_covered_until_dt', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('gpect_scheduler_runs', schema=None) as batch_op:
        batch_op.drop_column('reminders_covered_until_dt')
