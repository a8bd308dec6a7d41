"""PostgreSQL compresses the large columns (raw payloads, descriptions, versions, pages) with
lz4 instead of pglz

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 13:40:00
"""

from alembic import op

from db.toast import lz4_offered

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

#: the columns whose values pass TOAST's 2 KB threshold: a BOAMP notice's raw payload (11 KB
#: as JSON), its description (8 KB), its version's fields (10 KB), documents' pages. pglz cost
#: the server 377 µs a notice to compress them, lz4 168 µs, for 7 % more room (5 000 real
#: BOAMP notices); a first crawl into PostgreSQL is bound by the server's CPU.
LARGE_COLUMNS = {
    "notices": ("raw", "description", "extra_text"),
    "notice_versions": ("data",),
    "document_pages": ("text",),
}


def _set_compression(method: str) -> None:
    # SET COMPRESSION changes how values are compressed from now on; the stored ones stay as
    # they are (no table rewrite), and both kinds are read alike
    for table, columns in LARGE_COLUMNS.items():
        changes = ", ".join(f"ALTER COLUMN {column} SET COMPRESSION {method}" for column in columns)
        op.execute(f"ALTER TABLE {table} {changes}")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and lz4_offered(bind):
        _set_compression("lz4")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and lz4_offered(bind):
        _set_compression("default")
