"""Stored documents: one row per body (keyed by sha256) and one row per page of text.

Session first, never commits: the caller owns the transaction. ``save_document`` is idempotent:
saving the same sha256 again replaces its pages, so a re-extraction (new rules for OCR, a
retried download) never duplicates text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models.documents import Document, DocumentPage, NoticeDocument
from db.models.notices import Notice
from vocabulary.documents import FINAL_OK, ExtractionResult, is_retryable

__all__ = [
    "DocumentListing",
    "find_document_by_url",
    "get_document",
    "is_final",
    "list_documents",
    "load_pages",
    "save_document",
]


@dataclass
class DocumentListing:
    document: Document
    #: (source, source_id, title, url) of every notice linking the document
    notices: list[tuple[str, str, str, str]] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)


def is_final(document: Document) -> bool:
    """True when the stored outcome should not be fetched and extracted again."""
    return not is_retryable(document.status, document.status_reason)


def get_document(session: Session, sha256: str) -> Document | None:
    return session.scalar(select(Document).where(Document.sha256 == sha256))


def find_document_by_url(session: Session, url: str) -> Document | None:
    """The document last stored for ``url`` through any notice, if any."""
    stmt = (
        select(Document)
        .join(NoticeDocument, NoticeDocument.document_id == Document.id)
        .where(NoticeDocument.url == url)
        .order_by(NoticeDocument.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def save_document(
    session: Session,
    sha256: str,
    result: ExtractionResult,
    storage_path: str | None,
    *,
    size_bytes: int | None = None,
) -> Document:
    """Insert or update the document ``sha256`` with ``result`` and its pages."""
    document = get_document(session, sha256)
    if document is None:
        document = Document(sha256=sha256)
        session.add(document)
    document.status = result.status
    document.status_reason = result.reason
    document.media_type = result.media_type
    document.page_count = result.page_count
    document.storage_path = storage_path
    if size_bytes is not None:
        document.size_bytes = size_bytes
    document.extracted_at = datetime.now(UTC)
    document.pages.clear()
    session.flush()  # old pages go before new ones reuse their (member, page) keys
    seen: set[tuple[str, int]] = set()
    for page in result.pages:
        key = (page.member, page.page_number)
        if key in seen:
            continue
        seen.add(key)
        document.pages.append(
            DocumentPage(
                member=page.member[:500],
                page_number=page.page_number,
                method=page.method,
                text=page.text.replace("\x00", ""),
            )
        )
    session.flush()
    return document


def list_documents(session: Session, status_filter: str | None = None) -> list[DocumentListing]:
    """Documents by status: ``None``/``all``, one status, or ``needs-attention`` (not ok/ocr)."""
    stmt = select(Document).order_by(Document.id)
    if status_filter == "needs-attention":
        stmt = stmt.where(Document.status.not_in(FINAL_OK))
    elif status_filter and status_filter != "all":
        stmt = stmt.where(Document.status == status_filter)
    documents = list(session.scalars(stmt))
    listings = {d.id: DocumentListing(d) for d in documents}
    if not listings:
        return []
    links = session.execute(
        select(
            NoticeDocument.document_id,
            NoticeDocument.url,
            Notice.source,
            Notice.source_id,
            Notice.title,
            Notice.url,
        )
        .join(Notice, Notice.id == NoticeDocument.notice_id)
        .where(NoticeDocument.document_id.in_(list(listings)))
        .order_by(NoticeDocument.id)
    )
    for doc_id, doc_url, source, source_id, title, url in links:
        if doc_id is None:
            continue
        listing = listings[doc_id]
        listing.notices.append((source, source_id, title, url))
        if doc_url not in listing.urls:
            listing.urls.append(doc_url)
    return list(listings.values())


def load_pages(session: Session, document: Document) -> list[DocumentPage]:
    stmt = (
        select(DocumentPage)
        .where(DocumentPage.document_id == document.id)
        .order_by(DocumentPage.member, DocumentPage.page_number)
    )
    return list(session.scalars(stmt))
