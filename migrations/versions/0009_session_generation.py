"""Session generation: a counter per person that every session cookie must match.

Signing out, changing one's password or being deactivated moves it on, ending every session of the
person server-side. Cookies opened before this revision carry no generation and are treated as signed
out once (people sign in again).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 10:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('gpect_people', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_generation', sa.Integer(), server_default=sa.text('0'), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('gpect_people', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
