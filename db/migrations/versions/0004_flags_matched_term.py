"""flags keep the matched term and its offsets; the search reads awardees' names

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

from db.fulltext import create_fulltext, drop_fulltext

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("term", sa.Text()),
    ("term_start", sa.Integer()),
    ("term_end", sa.Integer()),
    ("snippet_start", sa.Integer()),
    ("snippet_end", sa.Integer()),
)


def upgrade() -> None:
    for name, type_ in _COLUMNS:
        op.add_column("flags", sa.Column(name, type_, nullable=True))
    # the notices' search document gains the awardees: rebuilt (db/fulltext.py)
    bind = op.get_bind()
    drop_fulltext(bind)
    create_fulltext(bind)


def downgrade() -> None:
    with op.batch_alter_table("flags") as batch:
        for name, _type in reversed(_COLUMNS):
            batch.drop_column(name)
    bind = op.get_bind()
    drop_fulltext(bind)
    create_fulltext(bind)
