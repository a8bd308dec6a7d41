"""notices remember a digest of the record they were stored from, so an unchanged re-crawl
skips parsing it; the run's health reads the notices it wrote through an index

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 19:10:00
"""

from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ALTER TABLE on both servers: a batch (copy-and-move) would rebuild the largest
    # table and its full-text triggers for one nullable column
    op.add_column("notices", sa.Column("record_digest", sa.String(length=64), nullable=True))
    # the crawl asks for it a page of keys at a time: answered from the index alone, without
    # reading rows whose raw payload spans many pages
    op.create_index(
        "ix_notices_record_digest", "notices", ["source", "source_key", "record_digest"]
    )
    # db.health.field_fill: the notices a run wrote, without scanning every notice of the source
    op.create_index("ix_notices_source_updated", "notices", ["source", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_notices_source_updated", table_name="notices")
    op.drop_index("ix_notices_record_digest", table_name="notices")
    op.drop_column("notices", "record_digest")
