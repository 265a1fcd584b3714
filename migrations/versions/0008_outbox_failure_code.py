"""Outbox failure code: what kind of failure an email met, as a code each reader sees in their own language.

The sender stored its diagnosis as an English sentence in ``last_error``, which French administrators read
as is. It now stores a stable code (``failure_code``), which the outbox pages and the administrators'
notice name in the reader's language, and keeps only the technical detail (the relay's answer, the error)
in ``last_error``. Existing rows keep their text and get no code: they show as before.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-13 09:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('gpect_outbox_messages', sa.Column('failure_code', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('gpect_outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('failure_code')
