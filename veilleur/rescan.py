"""Re-apply the rules to stored notices (``veilleur rescan``), chunk by chunk."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.flags import replace_flags
from db.models.documents import Document, DocumentPage, NoticeDocument
from db.models.notices import Notice
from extract.fields import notice_texts
from vocabulary.decision import Decision, TextField

__all__ = ["RescanResult", "rescan_notice", "rescan_notices"]

CHUNK = 1000


class _Rules(Protocol):
    version: str

    def evaluate(self, texts: list[TextField]) -> Decision: ...


@dataclass
class RescanResult:
    scanned: int = 0
    changed: int = 0
    flagged: int = 0
    rules_version: str = ""


def _pages(session: Session, notice_ids: list[int]) -> dict[int, list[tuple[str, int, str]]]:
    rows = session.execute(
        select(
            NoticeDocument.notice_id, Document.sha256, DocumentPage.page_number, DocumentPage.text
        )
        .join(Document, Document.id == NoticeDocument.document_id)
        .join(DocumentPage, DocumentPage.document_id == Document.id)
        .where(NoticeDocument.notice_id.in_(notice_ids))
        .order_by(DocumentPage.id)
    )
    out: dict[int, list[tuple[str, int, str]]] = {}
    for notice_id, sha, page, text in rows:
        out.setdefault(notice_id, []).append((sha, page, text))
    return out


def _document_ids(session: Session, pages: dict[int, list[tuple[str, int, str]]]) -> dict[str, int]:
    shas = {sha for items in pages.values() for sha, _, _ in items}
    if not shas:
        return {}
    return dict(
        session.execute(select(Document.sha256, Document.id).where(Document.sha256.in_(shas))).all()
    )


def _same(notice: Notice, decision: Decision) -> bool:
    # the matched term counts: flags stored before terms were recorded get them on a rescan
    stored = sorted((f.rule_id, f.field, f.snippet, f.page or 0, f.term) for f in notice.flags)
    fresh = sorted((h.rule, h.field, h.snippet, h.page or 0, h.term) for h in decision.hits)
    return (
        notice.flagged == decision.flagged
        and notice.rules_version == decision.rules_version
        and abs(notice.score - decision.score) < 1e-9
        and stored == fresh
    )


def _reflag(
    session: Session,
    notice: Notice,
    rules: _Rules,
    pages: dict[int, list[tuple[str, int, str]]],
    document_ids: dict[str, int],
) -> tuple[bool, bool]:
    """Apply ``rules`` to one notice and its documents' pages; (flagged, changed)."""
    texts = notice_texts(notice, pages.get(notice.id, []))
    decision = rules.evaluate(texts)
    if _same(notice, decision):
        return decision.flagged, False
    replace_flags(session, notice.id, decision, document_ids)
    return decision.flagged, True


def rescan_notice(session: Session, notice_id: int, rules: _Rules) -> bool:
    """Re-flag one notice (after files were added to it); True when its flags changed."""
    notice = session.get(Notice, notice_id, populate_existing=True)
    if notice is None:
        return False
    pages = _pages(session, [notice_id])
    return _reflag(session, notice, rules, pages, _document_ids(session, pages))[1]


def rescan_notices(
    factory: sessionmaker[Session],
    rules: _Rules,
    *,
    source: str | None = None,
    progress: Callable[[int], Any] | None = None,
) -> RescanResult:
    """Re-flag every notice (of ``source``); one transaction per chunk of notices."""
    result = RescanResult(rules_version=rules.version)
    last_id = 0
    while True:
        with factory.begin() as session:
            query = select(Notice).where(Notice.id > last_id).order_by(Notice.id).limit(CHUNK)
            if source:
                query = query.where(Notice.source == source)
            notices = list(session.scalars(query))
            if not notices:
                break
            pages = _pages(session, [n.id for n in notices])
            document_ids = _document_ids(session, pages)
            for notice in notices:
                flagged, changed = _reflag(session, notice, rules, pages, document_ids)
                result.scanned += 1
                result.flagged += flagged
                result.changed += changed
            last_id = notices[-1].id
        if progress is not None:
            progress(result.scanned)
    return result
