"""PostgreSQL keeps each notice's and each document page's search document in a stored
generated column, indexed, instead of an index over the expression that recomputed it for every
row a search or ANALYZE looked at again

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 16:00:00
"""

from alembic import op

from db.fulltext import PG_SEARCH_COLUMN, PG_SEARCH_DOCUMENTS, create_fulltext

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_INDEXES = {"ix_notices_fulltext": "notices", "ix_document_pages_fulltext": "document_pages"}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # a database made by this version's migration 0003 already has the columns; one made
    # before has expression indexes under the same names, rebuilt here over the columns
    for index in _INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {index}")
    create_fulltext(bind)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for index, table in _INDEXES.items():
        op.execute(f"DROP INDEX IF EXISTS {index}")
        op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {PG_SEARCH_COLUMN}")
        op.execute(f"CREATE INDEX {index} ON {table} USING gin (({PG_SEARCH_DOCUMENTS[table]}))")
