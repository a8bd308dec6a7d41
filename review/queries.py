"""Read-side queries of the review desk: one notice with its whole story, the rules feedback,
and the small lists that fill the filter drop-downs.

``rules_feedback`` is the web page's query; ``db/queries_rules.py: rules_report`` (rules helper)
answers the same question for the CLI — the lead folds the two together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from db.models.documents import Document, DocumentPage, NoticeDocument
from db.models.notices import Flag, Notice, NoticeLink
from db.models.review import Review, ReviewHead
from vocabulary.terms import POSITIVE_VERDICTS

__all__ = [
    "NoticeDetail",
    "RuleFeedback",
    "document_page",
    "filter_choices",
    "notice_detail",
    "rules_feedback",
]

#: verdicts that say "an analyst wants this" (a rule that missed it should have caught it)


@dataclass
class NoticeDetail:
    notice: Notice
    flags: list[Flag]
    rule_ids: list[str]
    documents: list[dict[str, Any]]
    links: list[dict[str, Any]]
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


def _links(session: Session, notice: Notice) -> list[dict[str, Any]]:
    """Edges of the purchase's story touching this notice, in both directions."""
    other = aliased(Notice)
    out = []
    outgoing = session.execute(
        select(NoticeLink, other.title, other.kind, other.published_at)
        .outerjoin(other, other.id == NoticeLink.target_notice_id)
        .where(NoticeLink.notice_id == notice.id)
    )
    for link, title, kind, published in outgoing:
        out.append(
            {
                "direction": "out",
                "relation": link.relation,
                "reason": link.reason,
                "notice_id": link.target_notice_id,
                "key": f"{link.target_source}:{link.target_key}",
                "title": title,
                "kind": kind,
                "published_at": published,
            }
        )
    incoming = session.execute(
        select(NoticeLink, other.title, other.kind, other.published_at)
        .join(other, other.id == NoticeLink.notice_id)
        .where(NoticeLink.target_notice_id == notice.id)
    )
    for link, title, kind, published in incoming:
        out.append(
            {
                "direction": "in",
                "relation": link.relation,
                "reason": link.reason,
                "notice_id": link.notice_id,
                "key": None,
                "title": title,
                "kind": kind,
                "published_at": published,
            }
        )
    out.sort(key=lambda r: (r["published_at"] is None, r["published_at"] or 0))
    return out


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
    links = _links(session, notice)
    linked = {link["notice_id"] for link in links}
    procedure = [p for p in procedure if p["id"] not in linked]
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
        links=links,
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


@dataclass
class RuleFeedback:
    rule_id: str
    category: str
    blamed: int  # not-relevant verdicts naming this rule as the one that misfired
    involved: int  # notices it fired on whose current verdict is not relevant
    confirmed: int  # notices it fired on whose current verdict is relevant (or further)
    flagged: int  # notices it fired on


def rules_feedback(session: Session, limit: int = 200) -> dict[str, Any]:
    """Rules ranked by the not-relevant verdicts they caused, and relevant notices nobody's
    rule caught (found by hand: no flags at all)."""
    blamed = dict(
        session.execute(
            select(Review.reason_rule, func.count(func.distinct(Review.notice_id)))
            .join(ReviewHead, ReviewHead.review_id == Review.id)
            .where(Review.verdict == "not_relevant", Review.reason_rule.is_not(None))
            .group_by(Review.reason_rule)
        ).all()
    )
    per_rule = session.execute(
        select(
            Flag.rule_id,
            func.min(Flag.category),
            func.count(func.distinct(Flag.notice_id)),
            func.count(func.distinct(Flag.notice_id)).filter(ReviewHead.verdict == "not_relevant"),
            func.count(func.distinct(Flag.notice_id)).filter(
                ReviewHead.verdict.in_(POSITIVE_VERDICTS)
            ),
        )
        .outerjoin(ReviewHead, ReviewHead.notice_id == Flag.notice_id)
        .group_by(Flag.rule_id)
    ).all()
    rules = [
        RuleFeedback(rule, cat, int(blamed.get(rule, 0)), int(inv), int(conf), int(n))
        for rule, cat, n, inv, conf in per_rule
    ]
    rules.sort(key=lambda r: (-r.blamed, -r.involved, r.rule_id))
    has_flag = select(Flag.id).where(Flag.notice_id == Notice.id).exists()
    by_hand = [
        dict(r._mapping)
        for r in session.execute(
            select(
                Notice.id, Notice.title, Notice.buyer_name, Notice.published_at, ReviewHead.verdict
            )
            .join(ReviewHead, ReviewHead.notice_id == Notice.id)
            .where(ReviewHead.verdict.in_(POSITIVE_VERDICTS), or_(~has_flag))
            .order_by(Notice.published_at.desc(), Notice.id.desc())
            .limit(limit)
        )
    ]
    return {"rules": rules[:limit], "by_hand": by_hand}


def filter_choices(session: Session) -> dict[str, list[str]]:
    """Distinct categories, sources and kinds for the drop-downs (small, indexed columns)."""
    return {
        "categories": sorted(c for c in session.scalars(select(Flag.category).distinct()) if c),
        "sources": sorted(s for s in session.scalars(select(Notice.source).distinct()) if s),
        "kinds": sorted(k for k in session.scalars(select(Notice.kind).distinct()) if k),
    }
