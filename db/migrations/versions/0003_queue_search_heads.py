"""review desk: review_heads, queue index, full-text search (SQLite FTS5 / PostgreSQL GIN)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa

from db.fulltext import create_fulltext, drop_fulltext

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'review_heads',
        sa.Column('notice_id', sa.Integer(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('verdict', sa.String(length=30), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_review_heads_notice_id_notices')),
        sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_review_heads_review_id_reviews')),
        sa.PrimaryKeyConstraint('notice_id', name=op.f('pk_review_heads')),
    )
    op.create_index('ix_review_heads_verdict', 'review_heads', ['verdict'])
    # reviews already present (none on a fresh database): their latest per notice becomes the head
    op.execute(
        "INSERT INTO review_heads (notice_id, review_id, verdict, updated_at) "
        "SELECT r.notice_id, r.id, r.verdict, r.created_at FROM reviews r "
        "WHERE r.id = (SELECT max(r2.id) FROM reviews r2 WHERE r2.notice_id = r.notice_id)"
    )
    bind = op.get_bind()
    # the queue's keyset index, the full-text tables/indexes/triggers: see db/fulltext.py
    create_fulltext(bind)


def downgrade() -> None:
    drop_fulltext(op.get_bind())
    op.drop_index('ix_review_heads_verdict', table_name='review_heads')
    op.drop_table('review_heads')
