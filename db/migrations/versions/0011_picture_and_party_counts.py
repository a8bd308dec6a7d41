"""counts for the map and party pages; the party index covers notice ids

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 14:20:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.party_counts import recount_parties
from db.picture_counts import recount

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "picture_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=True),
        sa.Column("departement", sa.String(length=3), nullable=False),
        sa.Column("commune_insee", sa.String(length=10), nullable=True),
        sa.Column("notices", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=True),
        sa.Column("first_notices", sa.Integer(), nullable=False),
        sa.Column("first_amount", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_picture_counts")),
    )
    op.create_index(
        "ix_picture_counts_read",
        "picture_counts",
        ["category", "month", "departement", "commune_insee"]
        + ["notices", "amount", "first_notices", "first_amount"],
    )
    op.create_table(
        "party_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=True),
        sa.Column("year", sa.String(length=4), nullable=True),
        sa.Column("notices", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_party_counts_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_counts")),
    )
    op.create_index(
        "ix_party_counts_read",
        "party_counts",
        ["party_id", "role", "category", "year", "notices", "amount"],
    )
    op.create_table(
        "party_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("notices", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_party_links_party_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["other_id"], ["parties.id"], name=op.f("fk_party_links_other_id_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_links")),
    )
    op.create_index(
        "ix_party_links_read",
        "party_links",
        ["party_id", "role", "notices", "other_id", "amount"],
    )
    op.drop_index("ix_notice_parties_party", table_name="notice_parties")
    op.create_index(
        "ix_notice_parties_party",
        "notice_parties",
        ["party_id", "role", "published_at", "notice_id", "amount"],
    )
    # the counts of what is already stored (the same statements as a refresh's)
    session = Session(bind=op.get_bind())
    recount(session)
    recount_parties(session)


def downgrade() -> None:
    op.drop_index("ix_notice_parties_party", table_name="notice_parties")
    op.create_index(
        "ix_notice_parties_party", "notice_parties", ["party_id", "role", "published_at", "amount"]
    )
    for table in ("party_links", "party_counts", "picture_counts"):
        op.drop_table(table)
