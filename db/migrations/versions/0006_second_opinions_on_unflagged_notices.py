"""second opinions on unflagged notices

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'second_opinions',
        sa.Column('notice_id', sa.Integer(), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('to_check', sa.Boolean(), nullable=False),
        sa.Column('words', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
        sa.Column('model_version', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_second_opinions_notice_id_notices')),
        sa.PrimaryKeyConstraint('notice_id', name=op.f('pk_second_opinions')),
    )
    op.create_index('ix_second_opinions_to_check', 'second_opinions', ['to_check'])


def downgrade() -> None:
    op.drop_index('ix_second_opinions_to_check', table_name='second_opinions')
    op.drop_table('second_opinions')
