"""Indexes for the hot filters: plans listed newest first, stages looked up by status.

``EXPLAIN (ANALYZE, BUFFERS)`` at 100,000 plans on PostgreSQL (benchmarks/README.md): the send-hour
pass, the committee pages and the dashboard read the open stages and the gates awaiting a decision by
``gpect_plan_stages.status``, which scanned all 500,000 stages each time (the gates awaiting a decision,
the open stages open tasks are joined to, the working stages past their planned end); the plans list and
the dashboard sort plans by ``created_dt`` (newest first, then id) and sorted the whole table to show a page.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 15:00:00.000000
"""

import sqlalchemy as sa
from alembic import op


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


_WORKING = "status IN ('open', 'awaiting_decision')"


def upgrade() -> None:
    op.create_index('ix_gpect_plans_created', 'gpect_plans', ['created_dt', 'id'], unique=False)
    op.create_index('ix_gpect_plan_stages_status_plan', 'gpect_plan_stages', ['status', 'plan_id'], unique=False)
    op.create_index(
        'ix_gpect_plan_stages_working',
        'gpect_plan_stages',
        ['status', 'id', 'stage_key'],
        unique=False,
        sqlite_where=sa.text(_WORKING),
        postgresql_where=sa.text(_WORKING),
    )
    op.create_index(
        'ix_gpect_plan_stages_working_end',
        'gpect_plan_stages',
        ['planned_end_date'],
        unique=False,
        sqlite_where=sa.text(_WORKING),
        postgresql_where=sa.text(_WORKING),
    )


def downgrade() -> None:
    op.drop_index('ix_gpect_plan_stages_working_end', table_name='gpect_plan_stages')
    op.drop_index('ix_gpect_plan_stages_working', table_name='gpect_plan_stages')
    op.drop_index('ix_gpect_plan_stages_status_plan', table_name='gpect_plan_stages')
    op.drop_index('ix_gpect_plans_created', table_name='gpect_plans')
