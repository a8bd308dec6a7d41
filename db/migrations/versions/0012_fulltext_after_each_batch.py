"""the crawler indexes a batch of new notices for search in one statement after the batch

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""
from alembic import op

from db.fulltext import sqlite_notice_insert_ddl

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# the insert trigger as 0003/0004 created it (db/fulltext.py before this revision)
_PER_ROW_TRIGGER = """CREATE TRIGGER IF NOT EXISTS notices_fts_ai AFTER INSERT ON notices BEGIN
    INSERT INTO notices_fts(rowid, title, description, buyer_name, extra_text, awardees)
    VALUES (new.id, new.title, new.description, new.buyer_name, new.extra_text,
    new.awardees); END"""


def upgrade() -> None:
    # SQLite only: the per-row trigger stands aside while a row of fulltext_deferred exists
    # (inside the crawler's write transaction). PostgreSQL's GIN expression index is unchanged.
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER IF EXISTS notices_fts_ai")
    for ddl in sqlite_notice_insert_ddl():
        op.execute(ddl)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER IF EXISTS notices_fts_ai")
    op.execute("DROP TABLE IF EXISTS fulltext_deferred")
    op.execute(_PER_ROW_TRIGGER)
