"""the whole picture: parties, facets, watches, price lines

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 11:59:33.759480
"""

from alembic import op
import sqlalchemy as sa

from db.models.base import JsonType

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.Column("siren", sa.String(length=9), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_key", sa.String(length=240), nullable=False),
        sa.Column("sirets", JsonType, nullable=False),
        sa.Column("names", JsonType, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parties")),
        sa.UniqueConstraint("key", name=op.f("uq_parties_key")),
    )
    op.create_index(op.f("ix_parties_siren"), "parties", ["siren"])
    op.create_index(op.f("ix_parties_name_key"), "parties", ["name_key"])
    op.create_table(
        "notice_parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("siret", sa.String(length=14), nullable=True),
        sa.Column("amount", sa.Float(), nullable=True),
        sa.Column("category", sa.String(length=50), nullable=True),
        sa.Column("published_at", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_notice_parties_notice_id_notices")
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_notice_parties_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_parties")),
        sa.UniqueConstraint("notice_id", "party_id", "role", name="uq_notice_parties"),
    )
    op.create_index(
        "ix_notice_parties_notice", "notice_parties", ["notice_id", "role", "party_id", "amount"]
    )
    op.create_index(
        "ix_notice_parties_party", "notice_parties", ["party_id", "role", "published_at", "amount"]
    )
    op.create_index(
        "ix_notice_parties_totals", "notice_parties", ["party_id", "role", "category", "amount"]
    )
    op.create_table(
        "notice_facets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("departement", sa.String(length=3), nullable=False),
        sa.Column("commune_insee", sa.String(length=10), nullable=True),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("published_at", sa.Date(), nullable=True),
        sa.Column("amount", sa.Float(), nullable=True),
        sa.Column("first_category", sa.Boolean(), nullable=False),
        sa.Column("first_departement", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_notice_facets_notice_id_notices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_facets")),
    )
    op.create_index(op.f("ix_notice_facets_notice_id"), "notice_facets", ["notice_id"])
    op.create_index(
        "ix_notice_facets_category",
        "notice_facets",
        ["category", "published_at", "departement", "amount", "first_departement"],
    )
    op.create_index(
        "ix_notice_facets_period",
        "notice_facets",
        ["first_category", "published_at", "departement", "amount", "first_departement"],
    )
    op.create_table(
        "watches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_watches_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_watches_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watches")),
        sa.UniqueConstraint("group_id", "party_id", name="uq_watches"),
    )
    op.create_index(op.f("ix_watches_group_id"), "watches", ["group_id"])
    op.create_index(op.f("ix_watches_party_id"), "watches", ["party_id"])
    op.create_table(
        "price_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("member", sa.String(length=500), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("designation", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=True),
        sa.Column("quantity", sa.Float(), nullable=True),
        sa.Column("unit_price", sa.Float(), nullable=True),
        sa.Column("total", sa.Float(), nullable=True),
        sa.Column("equipment", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_price_lines_document_id_documents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_lines")),
    )
    op.create_index(op.f("ix_price_lines_document_id"), "price_lines", ["document_id"])


def downgrade() -> None:
    for table in ("price_lines", "watches", "notice_facets", "notice_parties", "parties"):
        op.drop_table(table)
