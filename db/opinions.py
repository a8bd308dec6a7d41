"""The second opinion in the database: notices to score, scores written, and the texts
analysts judged (to train the model and to suggest rule terms).

One function per question; the session comes first and is never committed here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select
from sqlalchemy.orm import Session

from db.models.base import utcnow
from db.models.documents import DocumentPage, NoticeDocument
from db.models.notices import Notice
from db.models.review import ReviewHead, SecondOpinion
from vocabulary.terms import POSITIVE_VERDICTS

__all__ = [
    "JudgedText",
    "judged_texts",
    "notices_to_score",
    "opinions_for",
    "replace_opinions",
]

#: how much of a notice's documents the model reads (their first pages carry the object)
DOCUMENT_CHARS = 50_000


@dataclass(frozen=True)
class JudgedText:
    """A notice's text and what the analysts and the rules said of it."""

    notice_id: int
    text: str
    relevant: bool
    flagged: bool


def _texts(session: Session, rows: Sequence[Any]) -> dict[int, str]:
    """Each notice's own text, then the first ``DOCUMENT_CHARS`` of its documents' pages."""
    ids = [r.id for r in rows]
    texts = {r.id: " \n".join(x for x in (r.title, r.description, r.extra_text) if x) for r in rows}
    if not ids:
        return texts
    pages = session.execute(
        select(NoticeDocument.notice_id, DocumentPage.text)
        .join(DocumentPage, DocumentPage.document_id == NoticeDocument.document_id)
        .where(NoticeDocument.notice_id.in_(ids))
        .order_by(NoticeDocument.notice_id, DocumentPage.document_id, DocumentPage.page_number)
    )
    for notice_id, page in pages:
        if len(texts[notice_id]) < DOCUMENT_CHARS and page:
            texts[notice_id] += " \n" + page[: DOCUMENT_CHARS - len(texts[notice_id])]
    return texts


def notices_to_score(
    session: Session, model_version: str, after: int = 0, batch: int = 500
) -> list[tuple[int, str]]:
    """Up to ``batch`` ``(notice id, text)`` of unflagged notices this model has not scored
    yet, with ids above ``after`` (call again with the last id to get the next batch)."""
    rows = session.execute(
        select(Notice.id, Notice.title, Notice.description, Notice.extra_text)
        .outerjoin(SecondOpinion, SecondOpinion.notice_id == Notice.id)
        .where(
            Notice.id > after,
            Notice.flagged.is_(False),
            or_(SecondOpinion.notice_id.is_(None), SecondOpinion.model_version != model_version),
        )
        .order_by(Notice.id)
        .limit(batch)
    ).all()
    texts = _texts(session, rows)
    return [(r.id, texts[r.id]) for r in rows]


def replace_opinions(session: Session, opinions: Iterable[dict[str, Any]]) -> int:
    """Write opinions (``notice_id, score, to_check, words, model_version``), replacing any
    earlier one of the same notices. Returns how many were written."""
    rows = [{**o, "created_at": utcnow()} for o in opinions]
    if not rows:
        return 0
    ids = [r["notice_id"] for r in rows]
    session.execute(delete(SecondOpinion).where(SecondOpinion.notice_id.in_(ids)))
    session.execute(insert(SecondOpinion), rows)
    return len(rows)


def opinions_for(session: Session, notice_ids: Iterable[int]) -> dict[int, SecondOpinion]:
    """The opinions of these notices, by notice id (notices without one are absent)."""
    ids = list(notice_ids)
    if not ids:
        return {}
    found = session.scalars(select(SecondOpinion).where(SecondOpinion.notice_id.in_(ids)))
    return {o.notice_id: o for o in found}


def judged_texts(session: Session) -> list[JudgedText]:
    """Every notice an analyst judged relevant (any positive verdict) or not relevant."""
    judged = [*POSITIVE_VERDICTS, "not_relevant"]
    rows = session.execute(
        select(
            Notice.id,
            Notice.title,
            Notice.description,
            Notice.extra_text,
            Notice.flagged,
            ReviewHead.verdict,
        )
        .join(ReviewHead, and_(ReviewHead.notice_id == Notice.id))
        .where(ReviewHead.verdict.in_(judged))
        .order_by(Notice.id)
    ).all()
    texts = _texts(session, rows)
    return [
        JudgedText(r.id, texts[r.id], r.verdict in POSITIVE_VERDICTS, bool(r.flagged)) for r in rows
    ]
