"""The dashboard's tasks read from one index up to a date: the due date joins (assignee, stage status, status).

The dashboard lists a person's first overdue and soon-due tasks, with their counts. It read every open task
of theirs in open stages and checked each one's plan, to keep those due within the next two weeks: 2,572
tasks for a lead of 2,400 plans, of which 2,251 are due later (10-12 ms of the lead's dashboard at 10,000
plans). It now reads only the tasks due by the latest "today + horizon" of any zone, and with the due date
in the index it finds them there, without visiting the others (2 ms). The index replaces (assignee, stage
status, status), which it still serves as a prefix for the "my tasks" page.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 08:00:00.000000
"""

from alembic import op


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

_TABLE = 'gpect_tasks'
_OLD = 'ix_gpect_tasks_assignee_stage_status'
_NEW = 'ix_gpect_tasks_assignee_stage_status_due'


def upgrade() -> None:
    op.create_index(_NEW, _TABLE, ['assignee_id', 'stage_status', 'status', 'due_date'], unique=False)
    op.drop_index(_OLD, table_name=_TABLE)


def downgrade() -> None:
    op.create_index(_OLD, _TABLE, ['assignee_id', 'stage_status', 'status'], unique=False)
    op.drop_index(_NEW, table_name=_TABLE)
