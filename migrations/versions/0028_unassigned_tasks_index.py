"""Unassigned tasks indexed by plan and owner role: "the tasks left to a role I hold" read from my roles.

A task nobody is assigned to is the task of every member of its owner role. "My tasks", the dashboard and
its probe read those by walking every unassigned task of the database and checking each against the
person's memberships: at 100,000 plans with one task in ten unassigned (12,536 open, 12,816 finished in the
last 14 days), a committee member's "my tasks" took 24 and 26 ms for tasks none of which was theirs. With
this partial index of the unassigned tasks by (plan, owner role, status), PostgreSQL may instead look up,
for each plan and role the person holds, the unassigned tasks of that role: a partner with a few roles reads
a few index entries whatever the size of the database.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

_UNASSIGNED = 'assignee_id IS NULL'


def upgrade() -> None:
    op.create_index(
        'ix_gpect_tasks_unassigned_plan_role', 'gpect_tasks', ['plan_id', 'owner_role', 'status'], unique=False,
        sqlite_where=sa.text(_UNASSIGNED), postgresql_where=sa.text(_UNASSIGNED),
    )


def downgrade() -> None:
    op.drop_index('ix_gpect_tasks_unassigned_plan_role', table_name='gpect_tasks')
