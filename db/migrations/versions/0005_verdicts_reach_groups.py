"""verdicts reach the groups: public notes, a group's selection and contact, read-only links

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "reviews", sa.Column("public_note", sa.Text(), nullable=False, server_default="")
    )
    op.add_column(
        "groups",
        sa.Column("selection", sa.String(length=20), nullable=False, server_default="flagged"),
    )
    op.add_column(
        "groups", sa.Column("contact", sa.String(length=320), nullable=False, server_default="")
    )
    op.create_table(
        "read_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_read_links_group_id_groups")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_read_links")),
    )
    op.create_index(op.f("ix_read_links_group_id"), "read_links", ["group_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_read_links_group_id"), table_name="read_links")
    op.drop_table("read_links")
    with op.batch_alter_table("groups") as batch:
        batch.drop_column("contact")
        batch.drop_column("selection")
    with op.batch_alter_table("reviews") as batch:
        batch.drop_column("public_note")
