"""Single-use link record, scheduler progress, and the sender holding an outbox claim.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 12:23:40.385793
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('gpect_scheduler_runs',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('covered_until_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ran_dt', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_gpect_scheduler_runs'))
    )
    op.create_table('gpect_used_links',
    sa.Column('token_id', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('used_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['gpect_people.id'], name=op.f('fk_gpect_used_links_person_id_gpect_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_id', name=op.f('pk_gpect_used_links'))
    )
    with op.batch_alter_table('gpect_used_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gpect_used_links_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('gpect_outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=120), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('gpect_outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('claimed_by')

    with op.batch_alter_table('gpect_used_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gpect_used_links_person_id'))

    op.drop_table('gpect_used_links')
    op.drop_table('gpect_scheduler_runs')
