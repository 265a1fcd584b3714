"""A person's tasks read from the index alone: the assignee indexes carry the task's id and plan (PostgreSQL).

"My tasks" and the dashboard choose a person's page of tasks among all their open tasks (and those finished
in the last two weeks), counting them by section: the task's id, plan and dates are all they read of each
before the page is chosen. The indexes on (assignee, stage status, status, due date) and (assignee, status,
completed) gave the matching tasks, then PostgreSQL visited each one's row for its id and plan: 1,256 table
pages for the 2,572 open tasks of a lead of 2,400 plans. With the id and the plan (and, for the finished
ones, the due date) included in the indexes, an index-only scan reads them: the lead's "my tasks" statements
at 10,000 plans went from 23 and 8.5 ms to 15 and 5.5 ms. SQLite keeps the indexes as they were (it has no
``INCLUDE``; the embedded default serves a first run, not a region).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 18:00:00.000000
"""

from alembic import op


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

_TABLE = 'gpect_tasks'
_OPEN = ('ix_gpect_tasks_assignee_stage_status_due', ['assignee_id', 'stage_status', 'status', 'due_date'])
_DONE = ('ix_gpect_tasks_assignee_status_completed', ['assignee_id', 'status', 'completed_dt'])
_INCLUDED = {_OPEN[0]: ['plan_id', 'id'], _DONE[0]: ['plan_id', 'id', 'due_date']}


def _recreate(include: bool) -> None:
    for name, columns in (_OPEN, _DONE):
        op.drop_index(name, table_name=_TABLE)
        op.create_index(name, _TABLE, columns, unique=False, postgresql_include=_INCLUDED[name] if include else [])


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        _recreate(include=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        _recreate(include=False)
