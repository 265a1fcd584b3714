"""Evidence files: documents attached to tasks and to stages' gate reviews.

The bytes are kept by the evidence storage (a local folder or an S3-compatible bucket) under a random key;
the row keeps the shown name, the media type found in the content, the size and the SHA-256.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 14:45:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('gpect_evidence_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('storage_key', sa.String(length=100), nullable=False),
    sa.Column('display_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['gpect_plans.id'], name=op.f('fk_gpect_evidence_files_plan_id_gpect_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stage_id'], ['gpect_plan_stages.id'], name=op.f('fk_gpect_evidence_files_stage_id_gpect_plan_stages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['gpect_tasks.id'], name=op.f('fk_gpect_evidence_files_task_id_gpect_tasks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['gpect_people.id'], name=op.f('fk_gpect_evidence_files_uploaded_by_id_gpect_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gpect_evidence_files')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_gpect_evidence_files_storage_key'))
    )
    with op.batch_alter_table('gpect_evidence_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gpect_evidence_files_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index('ix_gpect_evidence_files_task_uploaded', ['task_id', 'uploaded_dt'], unique=False)
        batch_op.create_index('ix_gpect_evidence_files_stage_uploaded', ['stage_id', 'uploaded_dt'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('gpect_evidence_files', schema=None) as batch_op:
        batch_op.drop_index('ix_gpect_evidence_files_stage_uploaded')
        batch_op.drop_index('ix_gpect_evidence_files_task_uploaded')
        batch_op.drop_index(batch_op.f('ix_gpect_evidence_files_plan_id'))

    op.drop_table('gpect_evidence_files')
