"""Outbox fencing and retry window: a claim token per sending pass, and when temporary failures began.

A sender records each message's fate, renews its claim and checks it before each send by the token of
its pass, so a row whose claim expired and was taken by another sender is never sent or marked by the
first. Temporary failures (an absent relay, a 4xx answer) retry for ``OUTBOX_RETRY_FOR_HOURS`` counted
from the first one, instead of a fixed number of attempts. Existing rows need no value: a row being
sent under an old claim is taken again once that claim expires, as before.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 09:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('gpect_outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('retrying_since_dt', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            'ix_gpect_outbox_messages_claim_token',
            ['claim_token'],
            unique=False,
            sqlite_where=sa.text('claim_token IS NOT NULL'),
            postgresql_where=sa.text('claim_token IS NOT NULL'),
        )


def downgrade() -> None:
    with op.batch_alter_table('gpect_outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_gpect_outbox_messages_claim_token')
        batch_op.drop_column('retrying_since_dt')
        batch_op.drop_column('claim_token')
