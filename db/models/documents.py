"""Documents (content-addressed bodies), their pages' text, and which notice links which document."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.base import Base, UTCDateTime

__all__ = ["Document", "DocumentPage", "NoticeDocument"]


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
