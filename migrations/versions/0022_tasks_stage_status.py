"""Tasks know their stage's status: "my open tasks of open stages" is read from one index; plans' zones indexed.

A lead with 2,400 plans has about 11,000 open tasks, most of them in stages not open yet; the "my tasks"
page and the dashboard keep the 2,600 in open stages. PostgreSQL looked up the stage of each of the
11,000 to do it: 14 of the statement's 29 ms at 10,000 plans (``benchmarks/explain_pages.py``). A task now
holds a copy of its stage's status, and the index (assignee, stage status, status) finds the 2,600 alone.

The copy is kept by the database, whoever writes: a trigger copies a stage's status to its tasks when it
changes, and another gives a task its stage's status when it is added or moved, whatever it was given, so
the copy cannot disagree with the stage. The app never writes it.

The index of tasks by (assignee, status) gains the completion instant: "my tasks" lists a person's tasks
finished in the last two weeks from it, instead of reading all their finished tasks (10,519 for a lead of
2,400 plans, to keep 1,408).

Plans are indexed by time zone: the lists that take "today" in each plan's zone read the distinct zones
by skipping through that index (``services.zones.stored_plan_zones``), one probe per zone, instead of reading
every plan a lead sees (4 ms for 2,400 plans).

Beware on SQLite: a later migration that rebuilds ``gpect_tasks`` or ``gpect_plan_stages``
(``batch_alter_table`` ``recreate``) drops their triggers; it must create them again
(``create_sqlite_triggers``), as with migration 0017's.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 22:30:00.000000
"""

import sqlalchemy as sa
from alembic import op


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

#: The longest stage status, ``awaiting_decision``.
_LENGTH = 17
_OF_ITS_STAGE = '(SELECT s.status FROM gpect_plan_stages s WHERE s.id = {task}.stage_id)'


def upgrade() -> None:
    op.add_column(
        'gpect_tasks',
        sa.Column('stage_status', sa.Enum(
            'pending', 'open', 'awaiting_decision', 'closed', name='stage_status', native_enum=False,
            create_constraint=False, length=_LENGTH,
        ), server_default='pending', nullable=False),
    )
    op.execute(f"UPDATE gpect_tasks SET stage_status = {_OF_ITS_STAGE.format(task='gpect_tasks')}")
    op.create_index(
        'ix_gpect_tasks_assignee_stage_status', 'gpect_tasks', ['assignee_id', 'stage_status', 'status'], unique=False
    )
    op.create_index(op.f('ix_gpect_plans_timezone'), 'gpect_plans', ['timezone'], unique=False)
    op.create_index(
        'ix_gpect_tasks_assignee_status_completed', 'gpect_tasks', ['assignee_id', 'status', 'completed_dt'],
        unique=False,
    )
    op.drop_index('ix_gpect_tasks_assignee_status', table_name='gpect_tasks')
    if op.get_bind().dialect.name == 'postgresql':
        create_postgresql_triggers()
    else:
        create_sqlite_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS gpect_plan_stages_status_to_tasks ON gpect_plan_stages')
        op.execute('DROP TRIGGER IF EXISTS gpect_tasks_stage_status ON gpect_tasks')
        op.execute('DROP FUNCTION IF EXISTS gpect_stage_status_to_tasks()')
        op.execute('DROP FUNCTION IF EXISTS gpect_task_stage_status()')
    else:
        for trigger in ('gpect_plan_stages_status_to_tasks', 'gpect_tasks_stage_status_insert',
                        'gpect_tasks_stage_status_update'):
            op.execute(f'DROP TRIGGER IF EXISTS {trigger}')
    op.create_index('ix_gpect_tasks_assignee_status', 'gpect_tasks', ['assignee_id', 'status'], unique=False)
    op.drop_index('ix_gpect_tasks_assignee_status_completed', table_name='gpect_tasks')
    op.drop_index(op.f('ix_gpect_plans_timezone'), table_name='gpect_plans')
    op.drop_index('ix_gpect_tasks_assignee_stage_status', table_name='gpect_tasks')
    # Not ``batch_alter_table``: rebuilding the table on SQLite would drop migration 0017's search triggers.
    op.drop_column('gpect_tasks', 'stage_status')


def create_postgresql_triggers() -> None:
    """A stage's new status goes to its tasks; a task added, moved or given a status of its own gets its
    stage's (a BEFORE trigger, so the row is written once)."""
    op.execute(
        """
        CREATE OR REPLACE FUNCTION gpect_stage_status_to_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE gpect_tasks SET stage_status = NEW.status WHERE stage_id = NEW.id;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER gpect_plan_stages_status_to_tasks
        AFTER UPDATE OF status ON gpect_plan_stages
        FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
        EXECUTE FUNCTION gpect_stage_status_to_tasks()
        """
    )
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION gpect_task_stage_status() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.stage_status := {_OF_ITS_STAGE.format(task='NEW')};
            RETURN NEW;
        END
        $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER gpect_tasks_stage_status
        BEFORE INSERT OR UPDATE OF stage_id, stage_status ON gpect_tasks
        FOR EACH ROW EXECUTE FUNCTION gpect_task_stage_status()
        """
    )


def create_sqlite_triggers() -> None:
    """The same on SQLite, whose triggers cannot change the row being written: the row is corrected after."""
    of_new = _OF_ITS_STAGE.format(task='new')
    op.execute(
        'CREATE TRIGGER IF NOT EXISTS gpect_plan_stages_status_to_tasks AFTER UPDATE OF status ON gpect_plan_stages '
        'WHEN old.status IS NOT new.status '
        'BEGIN UPDATE gpect_tasks SET stage_status = new.status WHERE stage_id = new.id; END'
    )
    op.execute(
        'CREATE TRIGGER IF NOT EXISTS gpect_tasks_stage_status_insert AFTER INSERT ON gpect_tasks '
        f'BEGIN UPDATE gpect_tasks SET stage_status = {of_new} WHERE id = new.id; END'
    )
    op.execute(
        'CREATE TRIGGER IF NOT EXISTS gpect_tasks_stage_status_update AFTER UPDATE OF stage_id, stage_status '
        f'ON gpect_tasks WHEN new.stage_status IS NOT {of_new} '
        f'BEGIN UPDATE gpect_tasks SET stage_status = {of_new} WHERE id = new.id; END'
    )
