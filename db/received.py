"""Files an administration sent back, attached to the notice like crawled documents.

A received file is a ``documents`` row (by sha256, the bytes stored content-addressed like a
download), a ``notice_documents`` row whose URL is ``request:<request id>/<sha256[:12]>/<name>``
(not http: the crawler never fetches it, and only ever inserts or updates the URLs it sees, so
it never touches these rows) and a ``received_documents`` row tying it to the request. Reading
the file (text, OCR, rules) is the shell's job; until then the document is ``pending``.
Session first, never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from db.models.base import utcnow
from db.models.documents import Document, DocumentPage, NoticeDocument
from db.models.notices import Flag, Notice
from db.models.requests import ReceivedDocument, RequestEvent
from db.requests import RequestError, get_request

__all__ = [
    "Received",
    "attach_received",
    "mark_read",
    "pending_received",
    "received_keys",
    "received_of",
    "received_pages",
    "received_url",
]

URL_PREFIX = "request:"


def received_url(request_id: int, sha256: str, filename: str) -> str:
    return f"{URL_PREFIX}{request_id}/{sha256[:12]}/{filename}"


@dataclass(frozen=True)
class Received:
    """A received file as the request page and the reminders show it."""

    id: int
    request_id: int
    notice_id: int
    filename: str
    received_on: date | None
    document_id: int
    sha256: str
    storage_path: str | None
    status: str
    status_reason: str | None
    page_count: int | None
    #: pages of this file that rules flagged on the notice
    flagged_pages: tuple[int, ...] = ()


def attach_received(
    session: Session,
    request_id: int,
    *,
    sha256: str,
    filename: str,
    storage_path: str,
    size_bytes: int,
    received_on: date | None,
    user_id: int | None = None,
) -> ReceivedDocument:
    """Record a file received for ``request_id`` (stored already at ``storage_path``)."""
    request = get_request(session, request_id)
    if request.state in ("draft", "closed"):
        raise RequestError("request.err.not_sent", f"a {request.state} request receives nothing")
    name = filename.replace("/", "_").replace("\\", "_").strip()[:200] or "document"
    document = session.scalar(select(Document).where(Document.sha256 == sha256))
    if document is None:
        document = Document(
            sha256=sha256, status="pending", storage_path=storage_path, size_bytes=size_bytes
        )
        session.add(document)
        session.flush()
    url = received_url(request_id, sha256, name)
    link = session.scalar(
        select(NoticeDocument).where(
            NoticeDocument.notice_id == request.notice_id, NoticeDocument.url == url
        )
    )
    if link is None:
        link = NoticeDocument(
            notice_id=request.notice_id,
            url=url,
            title=name,
            document_id=document.id,
            fetch_status=document.status,
            fetched_at=utcnow(),
        )
        session.add(link)
        session.flush()
    found = session.scalar(
        select(ReceivedDocument).where(
            ReceivedDocument.request_id == request_id,
            ReceivedDocument.notice_document_id == link.id,
        )
    )
    if found is not None:
        return found
    received = ReceivedDocument(
        request_id=request_id, notice_document_id=link.id, filename=name, received_on=received_on
    )
    session.add(received)
    session.add(
        RequestEvent(
            request_id=request_id,
            user_id=user_id,
            action="documents",
            data={"filename": name, "sha256": sha256},
        )
    )
    session.flush()
    return received


def _rows(session: Session, *where: ColumnElement[bool]) -> list[Received]:
    stmt = (
        select(ReceivedDocument, NoticeDocument.notice_id, Document)
        .join(NoticeDocument, NoticeDocument.id == ReceivedDocument.notice_document_id)
        .join(Document, Document.id == NoticeDocument.document_id)
        .where(*where)
        .order_by(ReceivedDocument.id)
    )
    out = []
    for rd, notice_id, doc in session.execute(stmt):
        pages = session.scalars(
            select(Flag.page)
            .where(Flag.notice_id == notice_id, Flag.document_id == doc.id, Flag.page.is_not(None))
            .distinct()
        )
        out.append(
            Received(
                rd.id,
                rd.request_id,
                notice_id,
                rd.filename,
                rd.received_on,
                doc.id,
                doc.sha256,
                doc.storage_path,
                doc.status,
                doc.status_reason,
                doc.page_count,
                tuple(sorted(p for p in pages if p is not None)),
            )
        )
    return out


def received_of(session: Session, request_id: int) -> list[Received]:
    """The files received for one request, with what reading them found."""
    return _rows(session, ReceivedDocument.request_id == request_id)


def pending_received(session: Session) -> list[Received]:
    """Received files not read yet (the shell reads them: text, OCR, rules)."""
    return _rows(session, Document.status == "pending")


def mark_read(session: Session, sha256: str) -> None:
    """Copy a read document's status onto the notice links of received files."""
    document = session.scalar(select(Document).where(Document.sha256 == sha256))
    if document is None:
        return
    session.execute(
        update(NoticeDocument)
        .where(NoticeDocument.document_id == document.id, NoticeDocument.url.startswith(URL_PREFIX))
        .values(fetch_status=document.status, fetched_at=utcnow())
    )


def received_keys(session: Session) -> set[tuple[str, str]]:
    """(source, source_key) of every notice with received files (few): the crawler keeps
    their pages in the notice's reading when a new version of the notice comes in."""
    stmt = (
        select(Notice.source, Notice.source_key)
        .join(NoticeDocument, NoticeDocument.notice_id == Notice.id)
        .where(NoticeDocument.url.startswith(URL_PREFIX))
        .distinct()
    )
    return {(s, k) for s, k in session.execute(stmt)}


def received_pages(session: Session, source: str, source_key: str) -> list[tuple[str, int, str]]:
    """(sha256, page number, text) of every page of the files received for one notice."""
    stmt = (
        select(Document.sha256, DocumentPage.page_number, DocumentPage.text)
        .join(NoticeDocument, NoticeDocument.document_id == Document.id)
        .join(Notice, Notice.id == NoticeDocument.notice_id)
        .join(DocumentPage, DocumentPage.document_id == Document.id)
        .where(
            Notice.source == source,
            Notice.source_key == source_key,
            NoticeDocument.url.startswith(URL_PREFIX),
        )
        .order_by(DocumentPage.id)
    )
    return [(sha, page, text) for sha, page, text in session.execute(stmt)]
