"""Scheduled plans: the plan status CHECK constraint accepts ``scheduled``.

A plan created before its start date waits as ``scheduled`` and the scheduler opens it on that day.
Statuses are a portable string enum (``VARCHAR(9)`` plus a named CHECK constraint), so only the
constraint changes; SQLite rebuilds the table for it (batch mode), PostgreSQL alters it in place.

Downgrade refuses while scheduled plans exist: before 0005 a plan is active from its creation, and
turning a scheduled plan into anything else would either open its first stage behind everyone's back
(no stage-opened email, no journal) or leave it stuck in a status nothing leads out of. Open or cancel
those plans first (the plan page's "Open now" or "Cancel the plan"), then downgrade.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 16:40:12.518734
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

OLD_STATUSES = ('draft', 'active', 'on_hold', 'completed', 'cancelled')
NEW_STATUSES = ('draft', 'scheduled', 'active', 'on_hold', 'completed', 'cancelled')
CONSTRAINT = 'ck_gpect_plans_plan_status'


def _replace_check(statuses: tuple[str, ...]) -> None:
    allowed = ', '.join(f"'{status}'" for status in statuses)
    with op.batch_alter_table('gpect_plans', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CONSTRAINT), type_='check')
        batch_op.create_check_constraint(op.f(CONSTRAINT), f'status IN ({allowed})')


def upgrade() -> None:
    _replace_check(NEW_STATUSES)


def downgrade() -> None:
    count = op.get_bind().execute(sa.text("SELECT count(*) FROM gpect_plans WHERE status = 'scheduled'")).scalar()
    if count:
        raise RuntimeError(
            f'{count} plan(s) are scheduled, a status revision 0004 does not know: open or cancel them first '
            '(plan page: "Open now" or "Cancel the plan"), then downgrade again'
        )
    _replace_check(OLD_STATUSES)
