"""The rules' decision on a stored notice: its flag rows and its decision columns.

Written when a notice is stored (:mod:`db.store`) and when the rules are re-applied
(``veilleur rescan``). Functions take the session first and never commit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from db.models.base import utcnow
from db.models.documents import Document
from db.models.notices import Flag, Notice
from vocabulary.decision import Decision

__all__ = ["decision_columns", "flag_rows", "replace_flags"]


def decision_columns(decision: Decision | None) -> dict[str, Any]:
    """The notice columns that hold the decision (no decision: not flagged)."""
    if decision is None:
        return {"flagged": False, "score": 0.0, "categories": [], "rules_version": None}
    return {
        "flagged": decision.flagged,
        "score": decision.score,
        "categories": list(decision.categories),
        "rules_version": decision.rules_version,
    }


def flag_rows(
    notice_id: int, decision: Decision | None, document_ids: dict[str, int]
) -> list[dict[str, Any]]:
    """Flag rows for every hit of ``decision`` (document hits resolved to document ids)."""
    if decision is None:
        return []
    now = utcnow()
    return [
        {
            "notice_id": notice_id,
            "document_id": document_ids.get(hit.document) if hit.document else None,
            "page": hit.page,
            "rule_id": hit.rule,
            "rule_version": hit.rule_version,
            "category": hit.category,
            "field": hit.field,
            "snippet": hit.snippet,
            "term": hit.term or None,
            "term_start": hit.start,
            "term_end": hit.end,
            "snippet_start": hit.snippet_start,
            "snippet_end": hit.snippet_end,
            "weight": hit.weight,
            "created_at": now,
        }
        for hit in decision.hits
    ]


def replace_flags(
    session: Session, notice_id: int, decision: Decision | None, document_ids: dict[str, int]
) -> None:
    """Replace a notice's flags and decision columns with ``decision``. A hit in a document
    ``document_ids`` does not name (a file received for an access request, read from the
    database rather than from the crawled item) is resolved here by its sha256."""
    hits = decision.hits if decision is not None else ()
    unknown = {h.document for h in hits if h.document and h.document not in document_ids}
    if unknown:
        found = session.execute(
            select(Document.sha256, Document.id).where(Document.sha256.in_(unknown))
        )
        document_ids = {**document_ids, **{sha: doc_id for sha, doc_id in found}}
    session.execute(delete(Flag).where(Flag.notice_id == notice_id))
    rows = flag_rows(notice_id, decision, document_ids)
    if rows:
        session.execute(insert(Flag), rows)
    session.execute(
        update(Notice).where(Notice.id == notice_id).values(**decision_columns(decision))
    )
