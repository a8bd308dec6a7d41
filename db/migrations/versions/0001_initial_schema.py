"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=True),
    sa.Column('size_bytes', sa.Integer(), nullable=True),
    sa.Column('page_count', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('storage_path', sa.Text(), nullable=True),
    sa.Column('extracted_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('sha256', name=op.f('uq_documents_sha256'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_status'), ['status'], unique=False)

    op.create_table('groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('recipients', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('departements', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('communes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('epcis', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('categories', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('min_score', sa.Float(), nullable=False),
    sa.Column('cadence', sa.String(length=10), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('last_digest_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_groups')),
    sa.UniqueConstraint('name', name=op.f('uq_groups_name'))
    )
    op.create_table('job_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=100), nullable=False),
    sa.Column('scheduled_for', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs'))
    )
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_runs_job'), ['job'], unique=False)

    op.create_table('locks',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('holder', sa.String(length=200), nullable=False),
    sa.Column('acquired_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_locks'))
    )
    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('source_key', sa.String(length=200), nullable=False),
    sa.Column('source_id', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('buyer_name', sa.Text(), nullable=True),
    sa.Column('buyer_siret', sa.String(length=20), nullable=True),
    sa.Column('departements', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('commune_insee', sa.String(length=10), nullable=True),
    sa.Column('cpv_codes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('descriptors', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('published_at', sa.Date(), nullable=True),
    sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('estimated_value', sa.Float(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('awardees', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('lots', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('related_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('procedure_key', sa.String(length=200), nullable=True),
    sa.Column('extra_text', sa.Text(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('raw', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('categories', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('rules_version', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices')),
    sa.UniqueConstraint('source', 'source_key', name='uq_notices_source_key')
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notices_buyer_siret'), ['buyer_siret'], unique=False)
        batch_op.create_index('ix_notices_flagged_published', ['flagged', 'published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notices_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_notices_procedure_key'), ['procedure_key'], unique=False)
        batch_op.create_index('ix_notices_published_at', ['published_at'], unique=False)

    op.create_table('sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=50), nullable=False),
    sa.Column('licence', sa.String(length=200), nullable=True),
    sa.Column('base_url', sa.String(length=500), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('watermark', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sources')),
    sa.UniqueConstraint('name', name=op.f('uq_sources_name'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=300), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('crawl_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=True),
    sa.Column('args', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('items_seen', sa.Integer(), nullable=False),
    sa.Column('items_new', sa.Integer(), nullable=False),
    sa.Column('items_changed', sa.Integer(), nullable=False),
    sa.Column('items_unchanged', sa.Integer(), nullable=False),
    sa.Column('errors_count', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_crawl_runs_source_id_sources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crawl_runs'))
    )
    with op.batch_alter_table('crawl_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crawl_runs_source_id'), ['source_id'], unique=False)

    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_deliveries_group_id_groups')),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_deliveries_notice_id_notices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('group_id', 'recipient', 'notice_id', 'reason', 'content_hash', name='uq_deliveries')
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deliveries_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliveries_notice_id'), ['notice_id'], unique=False)

    op.create_table('document_pages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('member', sa.String(length=500), nullable=False),
    sa.Column('page_number', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_document_pages_document_id_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_pages')),
    sa.UniqueConstraint('document_id', 'member', 'page_number', name='uq_document_pages_page')
    )
    with op.batch_alter_table('document_pages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_pages_document_id'), ['document_id'], unique=False)

    op.create_table('flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('page', sa.Integer(), nullable=True),
    sa.Column('rule_id', sa.String(length=100), nullable=False),
    sa.Column('rule_version', sa.String(length=100), nullable=False),
    sa.Column('category', sa.String(length=50), nullable=False),
    sa.Column('field', sa.String(length=50), nullable=False),
    sa.Column('snippet', sa.Text(), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_flags_document_id_documents')),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_flags_notice_id_notices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flags'))
    )
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flags_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_flags_notice_id'), ['notice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_flags_rule_id'), ['rule_id'], unique=False)

    op.create_table('notice_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('fetch_status', sa.String(length=30), nullable=False),
    sa.Column('fetch_error', sa.Text(), nullable=True),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_notice_documents_document_id_documents')),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_notice_documents_notice_id_notices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_documents')),
    sa.UniqueConstraint('notice_id', 'url', name='uq_notice_documents_url')
    )
    with op.batch_alter_table('notice_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_documents_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_documents_notice_id'), ['notice_id'], unique=False)

    op.create_table('notice_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('target_source', sa.String(length=100), nullable=False),
    sa.Column('target_key', sa.String(length=200), nullable=False),
    sa.Column('target_notice_id', sa.Integer(), nullable=True),
    sa.Column('relation', sa.String(length=30), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_notice_links_notice_id_notices')),
    sa.ForeignKeyConstraint(['target_notice_id'], ['notices.id'], name=op.f('fk_notice_links_target_notice_id_notices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_links')),
    sa.UniqueConstraint('notice_id', 'target_source', 'target_key', 'relation', name='uq_links')
    )
    with op.batch_alter_table('notice_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_links_notice_id'), ['notice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_links_target_key'), ['target_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_links_target_notice_id'), ['target_notice_id'], unique=False)

    op.create_table('notice_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_notice_versions_notice_id_notices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_versions')),
    sa.UniqueConstraint('notice_id', 'version', name='uq_notice_versions_version')
    )
    with op.batch_alter_table('notice_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_versions_notice_id'), ['notice_id'], unique=False)

    op.create_table('reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('verdict', sa.String(length=30), nullable=False),
    sa.Column('reason_rule', sa.String(length=100), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('previous_review_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_reviews_notice_id_notices')),
    sa.ForeignKeyConstraint(['previous_review_id'], ['reviews.id'], name=op.f('fk_reviews_previous_review_id_reviews')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reviews_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews'))
    )
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviews_notice_id'), ['notice_id'], unique=False)

    op.create_table('crawl_errors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('source_name', sa.String(length=100), nullable=False),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('record_id', sa.String(length=200), nullable=True),
    sa.Column('error_kind', sa.String(length=80), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['crawl_runs.id'], name=op.f('fk_crawl_errors_run_id_crawl_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crawl_errors'))
    )
    with op.batch_alter_table('crawl_errors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crawl_errors_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crawl_errors_source_name'), ['source_name'], unique=False)

    


def downgrade() -> None:
    
    with op.batch_alter_table('crawl_errors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crawl_errors_source_name'))
        batch_op.drop_index(batch_op.f('ix_crawl_errors_run_id'))

    op.drop_table('crawl_errors')
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviews_notice_id'))

    op.drop_table('reviews')
    with op.batch_alter_table('notice_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_versions_notice_id'))

    op.drop_table('notice_versions')
    with op.batch_alter_table('notice_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_links_target_notice_id'))
        batch_op.drop_index(batch_op.f('ix_notice_links_target_key'))
        batch_op.drop_index(batch_op.f('ix_notice_links_notice_id'))

    op.drop_table('notice_links')
    with op.batch_alter_table('notice_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_documents_notice_id'))
        batch_op.drop_index(batch_op.f('ix_notice_documents_document_id'))

    op.drop_table('notice_documents')
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flags_rule_id'))
        batch_op.drop_index(batch_op.f('ix_flags_notice_id'))
        batch_op.drop_index(batch_op.f('ix_flags_category'))

    op.drop_table('flags')
    with op.batch_alter_table('document_pages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_pages_document_id'))

    op.drop_table('document_pages')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deliveries_notice_id'))
        batch_op.drop_index(batch_op.f('ix_deliveries_group_id'))

    op.drop_table('deliveries')
    with op.batch_alter_table('crawl_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crawl_runs_source_id'))

    op.drop_table('crawl_runs')
    op.drop_table('users')
    op.drop_table('sources')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index('ix_notices_published_at')
        batch_op.drop_index(batch_op.f('ix_notices_procedure_key'))
        batch_op.drop_index(batch_op.f('ix_notices_kind'))
        batch_op.drop_index('ix_notices_flagged_published')
        batch_op.drop_index(batch_op.f('ix_notices_buyer_siret'))

    op.drop_table('notices')
    op.drop_table('locks')
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_runs_job'))

    op.drop_table('job_runs')
    op.drop_table('groups')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_status'))

    op.drop_table('documents')
    
