"""Role members know their role's key: "the plans whose committee I sit on" and "do I hold the task's role"
are read from the members' index alone.

A committee member's plans were found by joining their memberships to the role assignments and keeping
those of a committee role: PostgreSQL read every assignment for it, a sequential scan of the 70,000
assignments of 10,000 plans (825 buffers of the committee page's 9-14 ms statement at 10,000 plans; 700,000
assignments at 100,000 plans). "My tasks" asked, for each task left to a role, whether the person holds that
role in the plan, through the same join. A member now keeps its role's key beside it, and the index
(person, plan, role key) answers both: the cost follows the person's memberships, not the plans stored. It
replaces the index (person, plan), which it still serves as a prefix.

The copy is kept by the database, whoever writes, as migration 0022 keeps a task's stage status: a trigger
gives a member added, moved to another role or given a key of its own its role's key, and another passes a
role's new key to its members. The app never writes it.

Beware on SQLite: a later migration that rebuilds ``gpect_role_assignment_members`` or
``gpect_role_assignments`` (``batch_alter_table`` ``recreate``) drops their triggers; it must create them
again (``create_sqlite_triggers``).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 07:00:00.000000
"""

import sqlalchemy as sa
from alembic import op


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

_MEMBERS = 'gpect_role_assignment_members'
_OF_ITS_ROLE = '(SELECT a.role_key FROM gpect_role_assignments a WHERE a.id = {member}.assignment_id)'
_OLD_INDEX = 'ix_gpect_role_assignment_members_person_plan'
_NEW_INDEX = 'ix_gpect_role_assignment_members_person_plan_role'
_SQLITE_TRIGGERS = (
    'gpect_role_assignments_key_to_members',
    'gpect_role_assignment_members_role_key_insert',
    'gpect_role_assignment_members_role_key_update',
)


def upgrade() -> None:
    op.add_column(_MEMBERS, sa.Column('role_key', sa.String(length=64), server_default='', nullable=False))
    op.execute(f'UPDATE {_MEMBERS} SET role_key = {_OF_ITS_ROLE.format(member=_MEMBERS)}')
    op.create_index(_NEW_INDEX, _MEMBERS, ['person_id', 'plan_id', 'role_key'], unique=False)
    op.drop_index(_OLD_INDEX, table_name=_MEMBERS)
    if op.get_bind().dialect.name == 'postgresql':
        create_postgresql_triggers()
    else:
        create_sqlite_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS gpect_role_assignments_key_to_members ON gpect_role_assignments')
        op.execute(f'DROP TRIGGER IF EXISTS gpect_role_assignment_members_role_key ON {_MEMBERS}')
        op.execute('DROP FUNCTION IF EXISTS gpect_role_key_to_members()')
        op.execute('DROP FUNCTION IF EXISTS gpect_member_role_key()')
    else:
        for trigger in _SQLITE_TRIGGERS:
            op.execute(f'DROP TRIGGER IF EXISTS {trigger}')
    op.create_index(_OLD_INDEX, _MEMBERS, ['person_id', 'plan_id'], unique=False)
    op.drop_index(_NEW_INDEX, table_name=_MEMBERS)
    # Not ``batch_alter_table``: SQLite drops the column in place (the index on it is gone first).
    op.drop_column(_MEMBERS, 'role_key')


def create_postgresql_triggers() -> None:
    """A role's new key goes to its members; a member added, moved or given a key of its own gets its role's
    (a BEFORE trigger, so the row is written once)."""
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION gpect_role_key_to_members() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE {_MEMBERS} SET role_key = NEW.role_key WHERE assignment_id = NEW.id;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER gpect_role_assignments_key_to_members
        AFTER UPDATE OF role_key ON gpect_role_assignments
        FOR EACH ROW WHEN (OLD.role_key IS DISTINCT FROM NEW.role_key)
        EXECUTE FUNCTION gpect_role_key_to_members()
        """
    )
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION gpect_member_role_key() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.role_key := coalesce({_OF_ITS_ROLE.format(member='NEW')}, '');
            RETURN NEW;
        END
        $$
        """
    )
    op.execute(
        f"""
        CREATE TRIGGER gpect_role_assignment_members_role_key
        BEFORE INSERT OR UPDATE OF assignment_id, role_key ON {_MEMBERS}
        FOR EACH ROW EXECUTE FUNCTION gpect_member_role_key()
        """
    )


def create_sqlite_triggers() -> None:
    """The same on SQLite, whose triggers cannot change the row being written: the row is corrected after."""
    of_new = _OF_ITS_ROLE.format(member='new')
    op.execute(
        'CREATE TRIGGER IF NOT EXISTS gpect_role_assignments_key_to_members AFTER UPDATE OF role_key '
        'ON gpect_role_assignments WHEN old.role_key IS NOT new.role_key '
        f'BEGIN UPDATE {_MEMBERS} SET role_key = new.role_key WHERE assignment_id = new.id; END'
    )
    op.execute(
        f'CREATE TRIGGER IF NOT EXISTS gpect_role_assignment_members_role_key_insert AFTER INSERT ON {_MEMBERS} '
        f'BEGIN UPDATE {_MEMBERS} SET role_key = coalesce({of_new}, \'\') '
        'WHERE assignment_id = new.assignment_id AND person_id = new.person_id; END'
    )
    op.execute(
        'CREATE TRIGGER IF NOT EXISTS gpect_role_assignment_members_role_key_update AFTER UPDATE OF assignment_id, '
        f'role_key ON {_MEMBERS} WHEN new.role_key IS NOT coalesce({of_new}, \'\') '
        f'BEGIN UPDATE {_MEMBERS} SET role_key = coalesce({of_new}, \'\') '
        'WHERE assignment_id = new.assignment_id AND person_id = new.person_id; END'
    )
