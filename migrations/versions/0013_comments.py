"""Comments on tasks and on gate reviews.

A comment belongs to a plan and is about a task, or about a stage's gate review (``stage_id`` alone); its
author may change or delete it for a short while. A deleted comment keeps its row, its text emptied, so the
timeline still shows that one was there.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 14:45:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('gpect_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('stage_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('task_id IS NOT NULL OR stage_id IS NOT NULL', name=op.f('ck_gpect_comments_task_or_stage')),
    sa.ForeignKeyConstraint(['author_id'], ['gpect_people.id'], name=op.f('fk_gpect_comments_author_id_gpect_people')),
    sa.ForeignKeyConstraint(['plan_id'], ['gpect_plans.id'], name=op.f('fk_gpect_comments_plan_id_gpect_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stage_id'], ['gpect_plan_stages.id'], name=op.f('fk_gpect_comments_stage_id_gpect_plan_stages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['gpect_tasks.id'], name=op.f('fk_gpect_comments_task_id_gpect_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gpect_comments'))
    )
    with op.batch_alter_table('gpect_comments', schema=None) as batch_op:
        batch_op.create_index('ix_gpect_comments_created', ['created_dt'], unique=False)
        batch_op.create_index(batch_op.f('ix_gpect_comments_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index('ix_gpect_comments_stage_created', ['stage_id', 'created_dt'], unique=False)
        batch_op.create_index('ix_gpect_comments_task_created', ['task_id', 'created_dt'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('gpect_comments', schema=None) as batch_op:
        batch_op.drop_index('ix_gpect_comments_task_created')
        batch_op.drop_index('ix_gpect_comments_stage_created')
        batch_op.drop_index(batch_op.f('ix_gpect_comments_plan_id'))
        batch_op.drop_index('ix_gpect_comments_created')

    op.drop_table('gpect_comments')
