"""One-off tasks: a task the lead adds to a running plan's stage, outside its definition.

Such a task has no definition entry to take its title from, so it keeps its own titles (French and/or
English) and description; ``is_one_off`` tells it from the definition's tasks, and its ``task_key`` is
generated (``oneoff-<n>``, unique in the plan). Existing tasks are the definition's.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 11:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('gpect_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_one_off', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('title_fr', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('title_en', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('description', sa.Text(), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM gpect_tasks WHERE is_one_off")
    with op.batch_alter_table('gpect_tasks', schema=None) as batch_op:
        batch_op.drop_column('description')
        batch_op.drop_column('title_en')
        batch_op.drop_column('title_fr')
        batch_op.drop_column('is_one_off')
