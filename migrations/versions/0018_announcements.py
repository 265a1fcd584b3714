"""Announcements: a user's change records what it must tell people; the scheduler's pass renders the emails.

The request that opens a stage or decides at a gate no longer renders emails and calendar files in its
transaction: it inserts one small row, which a pass claims (token and expiry, like the outbox), turns
into outbox messages and marks done in one transaction. A pending announcement survives any crash.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 15:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gpect_announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("done_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["gpect_plans.id"],
            name=op.f("fk_gpect_announcements_plan_id_gpect_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gpect_announcements")),
    )
    with op.batch_alter_table("gpect_announcements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gpect_announcements_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(
            "ix_gpect_announcements_pending",
            ["id"],
            unique=False,
            sqlite_where=sa.text("done_dt IS NULL AND failed_dt IS NULL"),
            postgresql_where=sa.text("done_dt IS NULL AND failed_dt IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("gpect_announcements", schema=None) as batch_op:
        batch_op.drop_index("ix_gpect_announcements_pending")
        batch_op.drop_index(batch_op.f("ix_gpect_announcements_plan_id"))
    op.drop_table("gpect_announcements")
