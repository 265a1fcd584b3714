"""Private calendar feed: the per-person secret its address is derived from.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 15:02:11.208114
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('gpect_people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_feed_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('calendar_feed_created_dt', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('gpect_people', schema=None) as batch_op:
        batch_op.drop_column('calendar_feed_created_dt')
        batch_op.drop_column('calendar_feed_secret')
