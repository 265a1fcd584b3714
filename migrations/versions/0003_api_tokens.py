"""Personal API tokens, stored hashed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 12:46:04.447452
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('gpect_api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_dt', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['gpect_people.id'], name=op.f('fk_gpect_api_tokens_person_id_gpect_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gpect_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_gpect_api_tokens_token_hash'))
    )
    with op.batch_alter_table('gpect_api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gpect_api_tokens_person_id'), ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('gpect_api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gpect_api_tokens_person_id'))

    op.drop_table('gpect_api_tokens')
