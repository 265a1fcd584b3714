"""The notification inbox: one entry per email a person is sent (administrative emails aside), read or not.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 15:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('gpect_inbox_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('link_path', sa.String(length=300), nullable=True),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('visible_from_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_dt', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['gpect_people.id'], name=op.f('fk_gpect_inbox_entries_person_id_gpect_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['gpect_plans.id'], name=op.f('fk_gpect_inbox_entries_plan_id_gpect_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['gpect_tasks.id'], name=op.f('fk_gpect_inbox_entries_task_id_gpect_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gpect_inbox_entries'))
    )
    with op.batch_alter_table('gpect_inbox_entries', schema=None) as batch_op:
        batch_op.create_index('ix_gpect_inbox_entries_person_visible', ['person_id', 'visible_from_dt', 'id'], unique=False)
        batch_op.create_index(
            'ix_gpect_inbox_entries_unread',
            ['person_id', 'visible_from_dt'],
            unique=False,
            sqlite_where=sa.text('read_dt IS NULL'),
            postgresql_where=sa.text('read_dt IS NULL'),
        )


def downgrade() -> None:
    with op.batch_alter_table('gpect_inbox_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_gpect_inbox_entries_unread')
        batch_op.drop_index('ix_gpect_inbox_entries_person_visible')
    op.drop_table('gpect_inbox_entries')
