"""digest_sends: when each recipient of a group last accepted a digest

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_id", sa.String(length=300), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("jobs_reported", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_digest_sends_group_id_groups")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_sends")),
    )
    with op.batch_alter_table("digest_sends", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digest_sends_group_id"), ["group_id"], unique=False)


def downgrade() -> None:
    op.drop_table("digest_sends")
