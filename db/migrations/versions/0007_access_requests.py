"""access requests: requests, their trail, received documents, digest reminders

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "access_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("documents", JSON, nullable=False),
        sa.Column("missing", JSON, nullable=False),
        sa.Column("recipient", JSON, nullable=False),
        sa.Column("requester", JSON, nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("receipt_estimated", sa.Boolean(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("refusal_on", sa.Date(), nullable=True),
        sa.Column("implicit", sa.Boolean(), nullable=False),
        sa.Column("referral_until", sa.Date(), nullable=True),
        sa.Column("referred_on", sa.Date(), nullable=True),
        sa.Column("opinion_due", sa.Date(), nullable=True),
        sa.Column("opinion_on", sa.Date(), nullable=True),
        sa.Column("opinion", sa.String(length=20), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closed_from", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_access_requests_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_access_requests_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_access_requests_notice_id_notices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_requests")),
    )
    op.create_index(op.f("ix_access_requests_group_id"), "access_requests", ["group_id"])
    op.create_index(op.f("ix_access_requests_notice_id"), "access_requests", ["notice_id"])
    op.create_index(
        "ix_access_requests_state_referral", "access_requests", ["state", "referral_until"]
    )
    op.create_index("ix_access_requests_state_refusal", "access_requests", ["state", "refusal_on"])
    op.create_table(
        "received_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("notice_document_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_document_id"],
            ["notice_documents.id"],
            name=op.f("fk_received_documents_notice_document_id_notice_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["access_requests.id"],
            name=op.f("fk_received_documents_request_id_access_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_received_documents")),
        sa.UniqueConstraint(
            "request_id", "notice_document_id", name="uq_received_documents_link"
        ),
    )
    op.create_index(
        op.f("ix_received_documents_request_id"), "received_documents", ["request_id"]
    )
    op.create_table(
        "request_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["access_requests.id"],
            name=op.f("fk_request_events_request_id_access_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_request_events_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_events")),
    )
    op.create_index(op.f("ix_request_events_request_id"), "request_events", ["request_id"])
    op.create_table(
        "request_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_request_reminders_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["access_requests.id"],
            name=op.f("fk_request_reminders_request_id_access_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_reminders")),
        sa.UniqueConstraint(
            "group_id", "recipient", "request_id", "key", name="uq_request_reminders"
        ),
    )
    op.create_index(op.f("ix_request_reminders_group_id"), "request_reminders", ["group_id"])
    op.create_index(op.f("ix_request_reminders_request_id"), "request_reminders", ["request_id"])


def downgrade() -> None:
    op.drop_table("request_reminders")
    op.drop_table("request_events")
    op.drop_table("received_documents")
    op.drop_table("access_requests")
