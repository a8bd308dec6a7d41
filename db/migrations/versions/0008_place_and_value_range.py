"""notices: publication départements apart from the place of work, the low end of a value range

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    # plain ADD COLUMN (SQLite supports it for a column with a constant default)
    op.add_column(
        "notices",
        sa.Column(
            "publication_departements", json_type, nullable=False, server_default=sa.text("'[]'")
        ),
    )
    op.add_column("notices", sa.Column("estimated_value_low", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_column("estimated_value_low")
        batch_op.drop_column("publication_departements")
