"""Role members know their plan: "the plans I take part in" is read from one index.

Every list a partner, a lead or a committee member sees is narrowed to the plans they lead or take part in
(``access.visible_plans``). Taking part was found by joining a person's role memberships to the role
assignments: PostgreSQL hashed all 70,000 assignments of 10,000 plans for it, about 8 ms, on each of the
half-dozen statements of a dashboard (``benchmarks/explain_pages.py``). A member now keeps its assignment's
plan beside it, and the foreign key (assignment, plan) makes it that assignment's plan: the lookup is the
index ``(person_id, plan_id)`` alone. It replaces the index on ``person_id``.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 20:30:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.sql.elements import conv


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

_MEMBERS = 'gpect_role_assignment_members'
_ASSIGNMENTS = 'gpect_role_assignments'
_OLD_FK = conv('fk_gpect_role_assignment_members_assignment_id_gpect_role_assignments')
_NEW_FK = conv('fk_gpect_role_assignment_members_assignment_id_plan_id_gpect_role_assignments')
_ASSIGNMENT_AND_PLAN = conv('uq_gpect_role_assignments_id_plan_id')


def upgrade() -> None:
    with op.batch_alter_table(_ASSIGNMENTS) as batch:
        batch.create_unique_constraint(_ASSIGNMENT_AND_PLAN, ['id', 'plan_id'])
    with op.batch_alter_table(_MEMBERS) as batch:
        batch.add_column(sa.Column('plan_id', sa.Integer(), nullable=True))
    op.execute(
        f'UPDATE {_MEMBERS} SET plan_id = '
        f'(SELECT a.plan_id FROM {_ASSIGNMENTS} a WHERE a.id = {_MEMBERS}.assignment_id)'
    )
    with op.batch_alter_table(_MEMBERS) as batch:
        batch.alter_column('plan_id', existing_type=sa.Integer(), nullable=False)
        batch.drop_constraint(_OLD_FK, type_='foreignkey')
        batch.create_foreign_key(
            _NEW_FK, _ASSIGNMENTS, ['assignment_id', 'plan_id'], ['id', 'plan_id'], ondelete='CASCADE'
        )
        batch.drop_index(op.f('ix_gpect_role_assignment_members_person_id'))
        batch.create_index('ix_gpect_role_assignment_members_person_plan', ['person_id', 'plan_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table(_MEMBERS) as batch:
        batch.drop_index('ix_gpect_role_assignment_members_person_plan')
        batch.create_index(op.f('ix_gpect_role_assignment_members_person_id'), ['person_id'], unique=False)
        batch.drop_constraint(_NEW_FK, type_='foreignkey')
        batch.create_foreign_key(_OLD_FK, _ASSIGNMENTS, ['assignment_id'], ['id'], ondelete='CASCADE')
        batch.drop_column('plan_id')
    with op.batch_alter_table(_ASSIGNMENTS) as batch:
        batch.drop_constraint(_ASSIGNMENT_AND_PLAN, type_='unique')
