"""Plans indexed by status and creation: an administrator's dashboard reads its first plans from the index.

The dashboard lists a person's plans active first, then on hold, scheduled, draft, completed and cancelled,
each the newest first, ten of them with their whole count. An administrator's are every plan: at 100,000
plans PostgreSQL sorted them all to keep ten, and counted them with a window over the sort (88 to 148 ms).
Each status's newest ten are now read from this index and the plans counted apart. It replaces the index
on ``status`` alone, which it still serves as a prefix (the plans list's filter by status).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 09:00:00.000000
"""

from alembic import op


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

_TABLE = 'gpect_plans'


def upgrade() -> None:
    op.create_index('ix_gpect_plans_status_created', _TABLE, ['status', 'created_dt', 'id'], unique=False)
    op.drop_index('ix_gpect_plans_status', table_name=_TABLE)


def downgrade() -> None:
    op.create_index('ix_gpect_plans_status', _TABLE, ['status'], unique=False)
    op.drop_index('ix_gpect_plans_status_created', table_name=_TABLE)
