"""Delay requests: a partner asks the lead to move a task's deadline to a date, with a reason; the lead
accepts (the deadline moves) or refuses with a reason, or the partner withdraws. At most one request per
task is pending (a partial unique index, on SQLite and PostgreSQL alike).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 15:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_table(
        'gpect_delay_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('requester_id', sa.Integer(), nullable=False),
        sa.Column('current_due_date', sa.Date(), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column(
            'status',
            sa.Enum(
                'pending', 'accepted', 'refused', 'withdrawn', 'closed',
                name=op.f('ck_gpect_delay_requests_delay_status'), native_enum=False, create_constraint=True, length=9,
            ),
            nullable=False,
        ),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.Column('answer_reason', sa.Text(), nullable=True),
        sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answered_dt', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['answered_by_id'], ['gpect_people.id'], name=op.f('fk_gpect_delay_requests_answered_by_id_gpect_people')
        ),
        sa.ForeignKeyConstraint(
            ['plan_id'], ['gpect_plans.id'], name=op.f('fk_gpect_delay_requests_plan_id_gpect_plans'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['requester_id'], ['gpect_people.id'], name=op.f('fk_gpect_delay_requests_requester_id_gpect_people')
        ),
        sa.ForeignKeyConstraint(
            ['task_id'], ['gpect_tasks.id'], name=op.f('fk_gpect_delay_requests_task_id_gpect_tasks'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_gpect_delay_requests')),
    )
    op.create_index(
        'ix_gpect_delay_requests_one_pending', 'gpect_delay_requests', ['task_id'], unique=True,
        sqlite_where=PENDING, postgresql_where=PENDING,
    )
    op.create_index('ix_gpect_delay_requests_plan_status', 'gpect_delay_requests', ['plan_id', 'status'])


def downgrade() -> None:
    op.drop_index('ix_gpect_delay_requests_plan_status', table_name='gpect_delay_requests')
    op.drop_index('ix_gpect_delay_requests_one_pending', table_name='gpect_delay_requests')
    op.drop_table('gpect_delay_requests')
