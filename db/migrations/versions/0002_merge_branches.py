"""Join the branches written side by side (digest sends, review search) into one head.

Revision ID: 0002
Revises: digest_0001, review_0001
Create Date: 2026-11-29
"""

revision = "0002"
down_revision = ("digest_0001", "review_0001")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
