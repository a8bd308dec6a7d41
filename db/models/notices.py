"""Notices, their versions, the links between them and the rules' flags."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.base import Base, UTCDateTime, utcnow

__all__ = ["Flag", "Notice", "NoticeLink", "NoticeVersion"]


class Notice(Base):
    """The current version of a notice; earlier versions live in ``notice_versions``."""

    __tablename__ = "notices"
    __table_args__ = (
        UniqueConstraint("source", "source_key", name="uq_notices_source_key"),
        Index("ix_notices_published_at", "published_at"),
        Index("ix_notices_flagged_published", "flagged", "published_at"),
        Index("ix_notices_record_digest", "source", "source_key", "record_digest"),
        Index("ix_notices_source_updated", "source", "updated_at"),
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
    publication_departements: Mapped[list[Any]] = mapped_column(default=list)
    commune_insee: Mapped[str | None] = mapped_column(String(10))
    cpv_codes: Mapped[list[Any]] = mapped_column(default=list)
    descriptors: Mapped[list[Any]] = mapped_column(default=list)
    published_at: Mapped[date | None] = mapped_column(Date)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    estimated_value: Mapped[float | None] = mapped_column(Float)
    estimated_value_low: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(3))
    awardees: Mapped[list[Any]] = mapped_column(default=list)
    lots: Mapped[list[Any]] = mapped_column(default=list)
    related_ids: Mapped[list[Any]] = mapped_column(default=list)
    procedure_key: Mapped[str | None] = mapped_column(String(200), index=True)
    extra_text: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(Text, default="")
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    #: digest of the record as the source sent it, with the parsing code and the rules that
    #: read it (``crawler.base_spiders.unchanged``): the same digest again means the record
    #: need not be parsed again. Empty for sources that do not compute one.
    record_digest: Mapped[str | None] = mapped_column(String(64))
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


class Flag(Base):
    """One rule hit that contributed to a notice's decision.

    ``term`` is the matched text as the field spells it; ``term_start``/``term_end`` its
    offsets in the field (or document page) text, ``snippet_start``/``snippet_end`` in
    ``snippet``. NULL for flags stored before migration 0004 (``veilleur rescan`` fills them).
    """

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
    term: Mapped[str | None] = mapped_column(Text)
    term_start: Mapped[int | None] = mapped_column(Integer)
    term_end: Mapped[int | None] = mapped_column(Integer)
    snippet_start: Mapped[int | None] = mapped_column(Integer)
    snippet_end: Mapped[int | None] = mapped_column(Integer)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    notice: Mapped[Notice] = relationship(back_populates="flags")
