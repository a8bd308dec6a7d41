"""catalogue_resources: the files a catalogue-discovered source reads, and their health

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalogue_resources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("dataset_id", sa.String(length=100), nullable=False),
        sa.Column("dataset_title", sa.Text(), nullable=False),
        sa.Column("resource_id", sa.String(length=100), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_resources")),
        sa.UniqueConstraint("source", "resource_id", name="uq_catalogue_resource"),
    )
    op.create_index(
        op.f("ix_catalogue_resources_source"), "catalogue_resources", ["source"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_catalogue_resources_source"), table_name="catalogue_resources")
    op.drop_table("catalogue_resources")
