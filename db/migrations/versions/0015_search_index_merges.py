"""SQLite's search index of notices merges eight segments at a time instead of four, so a bulk
load rewrites it less often

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 14:40:00
"""

from alembic import op

from db.fulltext import merge_notices_index_less_often

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        merge_notices_index_less_often(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("INSERT INTO notices_fts(notices_fts, rank) VALUES ('automerge', 4)")
