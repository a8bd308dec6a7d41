"""Price-schedule lines in the database: what :mod:`extract.prices` read from a stored document,
kept per document (content-addressed: a DCE shared by two notices is read once) and shown on
the notices that link it. Session first, never commits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from db.models import Document, NoticeDocument, PriceLine

__all__ = ["LINE_FIELDS", "price_lines_for_notice", "save_price_lines", "schedule_documents"]

#: words in a linked document's title or address that say it is a price schedule or a CCTP
SCHEDULE_WORDS = ("bpu", "dqe", "dpgf", "bordereau", "quantitatif", "prix", "cctp")


#: the fields of one line, as :mod:`extract.prices` reads them (the shell passes them on)
LINE_FIELDS = ("page", "row", "designation", "unit", "quantity", "unit_price", "total",
               "equipment", "action", "category")  # fmt: skip


def save_price_lines(session: Session, document_id: int, lines: Iterable[dict[str, Any]]) -> int:
    """Replace the document's lines with ``lines`` (dicts of :data:`LINE_FIELDS`); returns how
    many were stored."""
    session.execute(delete(PriceLine).where(PriceLine.document_id == document_id))
    rows = []
    for line in lines:
        values = {k: line.get(k) for k in LINE_FIELDS}
        values["designation"] = str(values["designation"] or "")[:2000]
        values["unit"] = (str(values["unit"])[:40] or None) if values["unit"] else None
        rows.append(PriceLine(document_id=document_id, **values))
    session.add_all(rows)
    return len(rows)


def schedule_documents(session: Session, document_id: int | None = None) -> list[Document]:
    """Stored documents that look like price schedules by their links' titles or addresses
    (or the one asked for)."""
    stmt = select(Document).where(Document.storage_path.is_not(None))
    if document_id is not None:
        return list(session.scalars(stmt.where(Document.id == document_id)))
    words = [NoticeDocument.title.ilike(f"%{w}%") for w in SCHEDULE_WORDS]
    words += [NoticeDocument.url.ilike(f"%{w}%") for w in SCHEDULE_WORDS]
    linked = select(NoticeDocument.document_id).where(or_(*words))
    return list(session.scalars(stmt.where(Document.id.in_(linked)).order_by(Document.id)))


def price_lines_for_notice(session: Session, notice_id: int) -> list[dict[str, Any]]:
    """The surveillance lines of the documents a notice links, in document order."""
    docs = select(NoticeDocument.document_id).where(NoticeDocument.notice_id == notice_id)
    return [
        {
            c: getattr(line, c)
            for c in (
                "document_id",
                "page",
                "designation",
                "unit",
                "quantity",
                "unit_price",
                "total",
                "equipment",
                "action",
            )
        }
        for line in session.scalars(
            select(PriceLine)
            .where(PriceLine.document_id.in_(docs))
            .order_by(PriceLine.document_id, PriceLine.page, PriceLine.row)
        )
    ]
