"""SQLAlchemy 2 typed models: the whole schema, one class per table.

Times are stored in UTC. JSON columns become JSONB on PostgreSQL. Every schema change goes
through an Alembic migration in ``db/migrations/versions``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

__all__ = [
    "Base",
    "CrawlError",
    "CrawlRun",
    "Delivery",
    "DigestSend",
    "Document",
    "DocumentPage",
    "Flag",
    "Group",
    "JobRun",
    "Lock",
    "Notice",
    "NoticeDocument",
    "NoticeLink",
    "NoticeVersion",
    "Review",
    "Source",
    "User",
    "utcnow",
]

JsonType = JSON().with_variant(JSONB(), "postgresql")

# Constraint names are fixed so that migrations can name them on SQLite and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime column stored in UTC (SQLite drops the offset: put it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JsonType, list[Any]: JsonType}  # noqa: RUF012


class Source(Base):
    """A portal or publication we crawl; ``watermark`` is the last publication date fully read."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(50), default="api")
    licence: Mapped[str | None] = mapped_column(String(200))
    base_url: Mapped[str | None] = mapped_column(String(500))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    watermark: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    runs: Mapped[list[CrawlRun]] = relationship(back_populates="source")


class CrawlRun(Base):
    """One crawl of one source. Status: running, ok, failing (zero items where there were
    some, or errors), error (the crawl itself broke), interrupted (killed, found on restart)."""

    __tablename__ = "crawl_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default="running")
    pid: Mapped[int | None] = mapped_column(Integer)
    args: Mapped[dict[str, Any]] = mapped_column(default=dict)
    items_seen: Mapped[int] = mapped_column(Integer, default=0)
    items_new: Mapped[int] = mapped_column(Integer, default=0)
    items_changed: Mapped[int] = mapped_column(Integer, default=0)
    items_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    errors_count: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)
    source: Mapped[Source] = relationship(back_populates="runs")
    errors: Mapped[list[CrawlError]] = relationship(back_populates="run")


class CrawlError(Base):
    """A bad page, record or document met during a run, with the URL it came from."""

    __tablename__ = "crawl_errors"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    source_name: Mapped[str] = mapped_column(String(100), index=True)
    url: Mapped[str | None] = mapped_column(Text)
    record_id: Mapped[str | None] = mapped_column(String(200))
    error_kind: Mapped[str] = mapped_column(String(80))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    run: Mapped[CrawlRun | None] = relationship(back_populates="errors")


class Notice(Base):
    """The current version of a notice; earlier versions live in ``notice_versions``."""

    __tablename__ = "notices"
    __table_args__ = (
        UniqueConstraint("source", "source_key", name="uq_notices_source_key"),
        Index("ix_notices_published_at", "published_at"),
        Index("ix_notices_flagged_published", "flagged", "published_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100))
    source_key: Mapped[str] = mapped_column(String(200))
    source_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30), index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    buyer_name: Mapped[str | None] = mapped_column(Text)
    buyer_siret: Mapped[str | None] = mapped_column(String(20), index=True)
    departements: Mapped[list[Any]] = mapped_column(default=list)
    commune_insee: Mapped[str | None] = mapped_column(String(10))
    cpv_codes: Mapped[list[Any]] = mapped_column(default=list)
    descriptors: Mapped[list[Any]] = mapped_column(default=list)
    published_at: Mapped[date | None] = mapped_column(Date)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    estimated_value: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(3))
    awardees: Mapped[list[Any]] = mapped_column(default=list)
    lots: Mapped[list[Any]] = mapped_column(default=list)
    related_ids: Mapped[list[Any]] = mapped_column(default=list)
    procedure_key: Mapped[str | None] = mapped_column(String(200), index=True)
    extra_text: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(Text, default="")
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # the rules' decision, refreshed by the Flag pipeline and by ``veilleur rescan``
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    categories: Mapped[list[Any]] = mapped_column(default=list)
    rules_version: Mapped[str | None] = mapped_column(String(100))
    flags: Mapped[list[Flag]] = relationship(
        back_populates="notice", cascade="all, delete-orphan", order_by="Flag.id"
    )
    versions: Mapped[list[NoticeVersion]] = relationship(
        back_populates="notice", order_by="NoticeVersion.version"
    )


class NoticeVersion(Base):
    """Every version a notice has had, the current one included, as the normalized fields."""

    __tablename__ = "notice_versions"
    __table_args__ = (UniqueConstraint("notice_id", "version", name="uq_notice_versions_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    notice: Mapped[Notice] = relationship(back_populates="versions")


class NoticeLink(Base):
    """An edge of a purchase's story: ``relation`` is corrects, cancels, awards, twin,
    contract_of, deliberation_of or related; ``reason`` says what evidence made the link."""

    __tablename__ = "notice_links"
    __table_args__ = (
        UniqueConstraint("notice_id", "target_source", "target_key", "relation", name="uq_links"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    target_source: Mapped[str] = mapped_column(String(100))
    target_key: Mapped[str] = mapped_column(String(200), index=True)
    target_notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"), index=True)
    relation: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Document(Base):
    """A document body, content-addressed. Status: pending, ok, ocr, partial, encrypted,
    corrupt, too_large, timeout, resource_limit, not_a_document, failed."""

    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    media_type: Mapped[str | None] = mapped_column(String(100))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    page_count: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(30), default="pending", index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    storage_path: Mapped[str | None] = mapped_column(Text)
    extracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pages: Mapped[list[DocumentPage]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="DocumentPage.page_number"
    )


class DocumentPage(Base):
    """The text of one page (or one archive member's page), so a flag can cite its page."""

    __tablename__ = "document_pages"
    __table_args__ = (
        UniqueConstraint("document_id", "member", "page_number", name="uq_document_pages_page"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    #: archive member path, "" for the document itself
    member: Mapped[str] = mapped_column(String(500), default="")
    page_number: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(20), default="text")
    text: Mapped[str] = mapped_column(Text, default="")
    document: Mapped[Document] = relationship(back_populates="pages")


class NoticeDocument(Base):
    """A document linked from a notice, and how fetching it went."""

    __tablename__ = "notice_documents"
    __table_args__ = (UniqueConstraint("notice_id", "url", name="uq_notice_documents_url"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    fetch_status: Mapped[str] = mapped_column(String(30), default="pending")
    fetch_error: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Flag(Base):
    """One rule hit that contributed to a notice's decision."""

    __tablename__ = "flags"
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    page: Mapped[int | None] = mapped_column(Integer)
    rule_id: Mapped[str] = mapped_column(String(100), index=True)
    rule_version: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(50), index=True)
    field: Mapped[str] = mapped_column(String(50))
    snippet: Mapped[str] = mapped_column(Text)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    notice: Mapped[Notice] = relationship(back_populates="flags")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20), default="analyst")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Review(Base):
    """Append-only trail of verdicts. ``verdict``: new, relevant, not_relevant, follow_up,
    foi_requested, documented; ``previous_review_id`` detects concurrent edits."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verdict: Mapped[str] = mapped_column(String(30))
    reason_rule: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")
    previous_review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Group(Base):
    """A local group: who receives what, for which territory, how often."""

    __tablename__ = "groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    recipients: Mapped[list[Any]] = mapped_column(default=list)
    departements: Mapped[list[Any]] = mapped_column(default=list)
    communes: Mapped[list[Any]] = mapped_column(default=list)
    epcis: Mapped[list[Any]] = mapped_column(default=list)
    #: categories to include; empty means all
    categories: Mapped[list[Any]] = mapped_column(default=list)
    min_score: Mapped[float] = mapped_column(Float, default=0.0)
    cadence: Mapped[str] = mapped_column(String(10), default="daily")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Delivery(Base):
    """One notice (at one version, for one reason) delivered to one recipient of one group."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint(
            "group_id", "recipient", "notice_id", "reason", "content_hash", name="uq_deliveries"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    #: new, update, deadline
    reason: Mapped[str] = mapped_column(String(20))
    content_hash: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DigestSend(Base):
    """One digest message accepted by the SMTP server for one recipient of one group.

    Deliveries say *which notices* a recipient got; this says *when* they last got a message,
    so the operators' section (failed jobs) is reported once per recipient, not once per run.
    """

    __tablename__ = "digest_sends"
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    message_id: Mapped[str] = mapped_column(String(300), default="")
    entries: Mapped[int] = mapped_column(Integer, default=0)
    jobs_reported: Mapped[int] = mapped_column(Integer, default=0)


class JobRun(Base):
    """One scheduled or manual job (nightly crawl of a source, digests) and its outcome.
    Status: running, ok, failed, skipped, missed."""

    __tablename__ = "job_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(100), index=True)
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default="running")
    message: Mapped[str | None] = mapped_column(Text)


class Lock(Base):
    """A named lease held in the database so only one process crawls a source at a time."""

    __tablename__ = "locks"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReviewHead(Base):
    """The latest review of each reviewed notice (one row per notice, written with the review).

    ``reviews`` stays the append-only trail; this row is the compare-and-swap point that keeps
    two analysts from silently overwriting each other (the UPDATE only succeeds when
    ``review_id`` is still the one the analyst's form saw), and it makes the queue's status
    filter a cheap join instead of a "latest row per notice" subquery.
    """

    __tablename__ = "review_heads"
    __table_args__ = (Index("ix_review_heads_verdict", "verdict"),)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"))
    verdict: Mapped[str] = mapped_column(String(30))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


__all__ += ["ReviewHead"]
