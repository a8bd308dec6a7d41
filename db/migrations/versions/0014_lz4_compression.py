"""PostgreSQL compresses the large columns (raw payloads, descriptions, versions, pages) with
lz4 instead of pglz

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 13:40:00
"""

import logging

from alembic import op
from sqlalchemy import text
from sqlalchemy.engine import Connection

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)

#: the columns whose values pass TOAST's 2 KB threshold: a BOAMP notice's raw payload (11 KB
#: as JSON), its description (8 KB), its version's fields (10 KB), documents' pages. pglz cost
#: the server 377 µs a notice to compress them, lz4 168 µs, for 7 % more room (5 000 real
#: BOAMP notices); a first crawl into PostgreSQL is bound by the server's CPU.
LARGE_COLUMNS = {
    "notices": ("raw", "description", "extra_text"),
    "notice_versions": ("data",),
    "document_pages": ("text",),
}


def _lz4_available(bind: Connection) -> bool:
    """The server offers lz4: PostgreSQL 14 or later built with it (Debian's packages and the
    official images are). Older servers have no ``default_toast_compression`` at all."""
    offered = bind.execute(
        text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
    ).scalar()
    if offered and "lz4" in offered:
        return True
    log.warning("compression lz4=unavailable methods=%s", offered or "none")
    return False


def _set_compression(method: str) -> None:
    # SET COMPRESSION changes how values are compressed from now on; the stored ones stay as
    # they are (no table rewrite), and both kinds are read alike
    for table, columns in LARGE_COLUMNS.items():
        changes = ", ".join(f"ALTER COLUMN {column} SET COMPRESSION {method}" for column in columns)
        op.execute(f"ALTER TABLE {table} {changes}")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and _lz4_available(bind):
        _set_compression("lz4")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and _lz4_available(bind):
        _set_compression("default")
