"""Read-side queries of the notice page: one notice with its flags, documents, review head
and the whole story of its purchase (:func:`db.linking.story`, the query ``veilleur show``
prints), and a document page's text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.linking.story import StoryEdge, story
from db.models.documents import Document, DocumentPage, NoticeDocument
from db.models.notices import Flag, Notice
from db.models.review import ReviewHead

__all__ = [
    "NoticeDetail",
    "StoryEntry",
    "StoryLink",
    "document_page",
    "head_reviews",
    "notice_detail",
]


@dataclass(frozen=True)
class StoryLink:
    """One link of the story as seen from a notice: ``outgoing`` when that notice drew it."""

    relation: str
    reason: str
    confidence: float
    other_id: int | None
    other_label: str
    outgoing: bool


@dataclass
class StoryEntry:
    """A notice of the purchase's story (``notice_id`` None: named by a link, not stored yet)."""

    notice_id: int | None
    label: str
    title: str | None
    kind: str | None
    published_at: date | None
    links: list[StoryLink]


@dataclass
class NoticeDetail:
    notice: Notice
    flags: list[Flag]
    rule_ids: list[str]
    documents: list[dict[str, Any]]
    #: every other notice of the purchase, through links followed transitively both ways
    story: list[StoryEntry]
    procedure: list[dict[str, Any]]
    head: ReviewHead | None
    matched_pages: dict[int, list[int]] = field(default_factory=dict)


def _documents(session: Session, notice_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(NoticeDocument, Document)
        .outerjoin(Document, Document.id == NoticeDocument.document_id)
        .where(NoticeDocument.notice_id == notice_id)
        .order_by(NoticeDocument.id)
    )
    out = []
    for nd, doc in rows:
        out.append(
            {
                "url": nd.url,
                "title": nd.title,
                "fetch_status": nd.fetch_status,
                "fetch_error": nd.fetch_error,
                "document_id": doc.id if doc else None,
                "status": doc.status if doc else None,
                "status_reason": doc.status_reason if doc else None,
                "media_type": doc.media_type if doc else None,
                "page_count": doc.page_count if doc else None,
                "downloadable": bool(doc and doc.storage_path),
            }
        )
    return out


def _label(notice: Notice) -> str:
    return f"{notice.source}:{notice.source_id}"


def _story_entries(session: Session, notice: Notice) -> list[StoryEntry]:
    """The other notices of the purchase, oldest first, each with the links that tie it into
    the story; then the notices links name that are not stored yet."""
    found = story(session, notice.id)
    labels = {n.id: _label(n) for n in found.notices}

    def link(edge: StoryEdge, end: int | None) -> StoryLink:
        outgoing = edge.from_id == end
        other = edge.to_id if outgoing else edge.from_id
        other_label = labels.get(other, edge.to_label) if other is not None else edge.to_label
        return StoryLink(edge.relation, edge.reason, edge.confidence, other, other_label, outgoing)

    entries = [
        StoryEntry(
            n.id,
            _label(n),
            n.title,
            n.kind,
            n.published_at,
            [link(e, n.id) for e in found.edges_touching(n.id)],
        )
        for n in found.notices
        if n.id != notice.id
    ]
    entries += [
        StoryEntry(None, e.to_label, None, None, None, [link(e, None)])
        for e in found.edges
        if e.to_id is None
    ]
    return entries


def notice_detail(session: Session, notice_id: int) -> NoticeDetail | None:
    notice = session.get(Notice, notice_id)
    if notice is None:
        return None
    flags = list(session.scalars(select(Flag).where(Flag.notice_id == notice_id).order_by(Flag.id)))
    procedure: list[dict[str, Any]] = []
    if notice.procedure_key:
        procedure = [
            dict(r._mapping)
            for r in session.execute(
                select(Notice.id, Notice.kind, Notice.title, Notice.published_at, Notice.source)
                .where(Notice.procedure_key == notice.procedure_key, Notice.id != notice_id)
                .order_by(Notice.published_at, Notice.id)
                .limit(100)
            )
        ]
    entries = _story_entries(session, notice)
    in_story = {entry.notice_id for entry in entries}
    procedure = [p for p in procedure if p["id"] not in in_story]
    matched: dict[int, list[int]] = {}
    for f in flags:
        if f.document_id is not None and f.page is not None:
            pages = matched.setdefault(f.document_id, [])
            if f.page not in pages:
                pages.append(f.page)
    return NoticeDetail(
        notice=notice,
        flags=flags,
        rule_ids=sorted({f.rule_id for f in flags}),
        documents=_documents(session, notice_id),
        story=entries,
        procedure=procedure,
        head=session.get(ReviewHead, notice_id),
        matched_pages=matched,
    )


def document_page(
    session: Session, document_id: int, page_number: int
) -> tuple[Document, list[DocumentPage]] | None:
    """A document and its page(s) numbered ``page_number`` (one per archive member)."""
    doc = session.get(Document, document_id)
    if doc is None:
        return None
    pages = list(
        session.scalars(
            select(DocumentPage)
            .where(DocumentPage.document_id == document_id, DocumentPage.page_number == page_number)
            .order_by(DocumentPage.member)
        )
    )
    return doc, pages


def head_reviews(session: Session, notice_ids: list[int]) -> dict[int, int]:
    """notice id -> id of its latest review, for the notices of a queue page (the bulk
    verdict form sends them back, so a colleague's verdict meanwhile is not overwritten)."""
    if not notice_ids:
        return {}
    rows = session.execute(
        select(ReviewHead.notice_id, ReviewHead.review_id).where(
            ReviewHead.notice_id.in_(notice_ids)
        )
    )
    return {int(n): int(r) for n, r in rows}
