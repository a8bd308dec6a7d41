"""The analysts' queue: flagged notices newest first, filtered, searched, keyset-paginated.

Keyset (not OFFSET) pagination: a page asks for rows strictly after the last (published_at, id)
it showed, so page 500 costs what page 1 costs. The order is ``published_at DESC, id DESC`` with
undated notices last, served by the partial index ``ix_notices_review_queue`` (migration
``0003``). The same query feeds the CSV/JSON exports in batches.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from sqlalchemy import Select, String, and_, cast, exists, or_, select, text, true
from sqlalchemy.orm import Session

from db.fulltext import PG_NOTICE_DOCUMENT, PG_PAGE_DOCUMENT, fts5_query
from db.models.notices import Flag, Notice
from db.models.review import ReviewHead
from vocabulary.terms import VERDICTS

__all__ = [
    "QueueFilters",
    "QueuePage",
    "decode_cursor",
    "encode_cursor",
    "iter_queue",
    "queue_page",
]

PAGE_SIZE = 50


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _parse_float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


@dataclass(frozen=True)
class QueueFilters:
    """What the analyst asked for; built from query-string arguments, never trusted further."""

    status: str | None = None
    category: str | None = None
    departement: str | None = None
    buyer: str | None = None
    source: str | None = None
    kind: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    min_score: float | None = None
    q: str | None = None
    #: also show notices the rules did not flag (to find relevant ones by hand)
    unflagged: bool = False

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> QueueFilters:
        def s(name: str, limit: int = 200) -> str | None:
            value = (args.get(name) or "").strip()
            return value[:limit] or None

        status = s("status")
        return cls(
            status=status if status in VERDICTS else None,
            category=s("category", 50),
            departement=s("departement", 3),
            buyer=s("buyer"),
            source=s("source", 100),
            kind=s("kind", 30),
            date_from=_parse_date(s("date_from")),
            date_to=_parse_date(s("date_to")),
            min_score=_parse_float(s("min_score", 20)),
            q=s("q", 300),
            unflagged=s("unflagged", 5) in ("1", "on", "true"),
        )

    def as_args(self) -> dict[str, str]:
        """The non-empty filters as query-string arguments (for links and exports)."""
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is True:
                out[f.name] = "1"
            elif value not in (None, False):
                out[f.name] = value.isoformat() if isinstance(value, date) else str(value)
        return out


@dataclass
class QueuePage:
    rows: list[dict[str, Any]]
    next_cursor: str | None


def encode_cursor(published_at: date | None, notice_id: int) -> str:
    return f"{published_at.isoformat() if published_at else '-'}_{notice_id}"


def decode_cursor(cursor: str | None) -> tuple[date | None, int] | None:
    """``(published_at, id)`` of the last row shown, or None for a bad or absent cursor."""
    if not cursor or "_" not in cursor:
        return None
    day, _, ident = cursor.partition("_")
    if not ident.isdigit():
        return None
    if day == "-":
        return None, int(ident)
    parsed = _parse_date(day)
    return (parsed, int(ident)) if parsed else None


def _search_clause(session: Session, q: str) -> Any:
    """``notices.id IN (…)``: notices whose own text or whose documents' pages match."""
    if session.get_bind().dialect.name == "postgresql":
        return text(
            f"notices.id IN (SELECT n2.id FROM notices n2 WHERE "
            f"{PG_NOTICE_DOCUMENT.replace('coalesce(', 'coalesce(n2.')} "
            f"@@ websearch_to_tsquery('veilleur_fr', :fts_q) "
            f"UNION SELECT nd.notice_id FROM document_pages dp "
            f"JOIN notice_documents nd ON nd.document_id = dp.document_id WHERE "
            f"{PG_PAGE_DOCUMENT.replace('coalesce(', 'coalesce(dp.')} "
            f"@@ websearch_to_tsquery('veilleur_fr', :fts_q))"
        ).bindparams(fts_q=q)
    match = fts5_query(q)
    if match is None:
        return true()
    return text(
        "notices.id IN (SELECT rowid FROM notices_fts WHERE notices_fts MATCH :fts_q "
        "UNION SELECT nd.notice_id FROM document_pages_fts "
        "JOIN document_pages dp ON dp.id = document_pages_fts.rowid "
        "JOIN notice_documents nd ON nd.document_id = dp.document_id "
        "WHERE document_pages_fts MATCH :fts_q)"
    ).bindparams(fts_q=match)


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_ROW_COLUMNS = (
    Notice.id,
    Notice.title,
    Notice.buyer_name,
    Notice.departements,
    Notice.published_at,
    Notice.deadline_at,
    Notice.kind,
    Notice.source,
    Notice.score,
    Notice.categories,
    Notice.estimated_value,
    Notice.flagged,
    ReviewHead.verdict.label("verdict"),
)


def _filtered(session: Session, filters: QueueFilters) -> Select[Any]:
    """The page's (id, published_at) only: every filter column but the buyer's name is in the
    queue index (SQLite: ``ix_notices_review_queue`` covers them), so the planner can walk
    that index without reading the large notice rows; :func:`_rows` fetches the page after."""
    head_verdict = ReviewHead.verdict
    stmt: Any = select(Notice.id, Notice.published_at)
    if filters.status:
        stmt = stmt.outerjoin(ReviewHead, ReviewHead.notice_id == Notice.id)
    f = filters
    if not f.unflagged:
        # the bare column, exactly the partial index's predicate (see db.fulltext.QUEUE_INDEX)
        stmt = stmt.where(text("notices.flagged"))
    if f.status == "new":
        stmt = stmt.where(or_(head_verdict.is_(None), head_verdict == "new"))
    elif f.status:
        stmt = stmt.where(head_verdict == f.status)
    if f.category:
        stmt = stmt.where(
            exists().where(and_(Flag.notice_id == Notice.id, Flag.category == f.category))
        )
    if f.departement:
        if session.get_bind().dialect.name == "postgresql":
            # jsonb containment, answered by the GIN index ix_notices_departements_gin
            stmt = stmt.where(
                text("notices.departements @> CAST(:dep AS jsonb)").bindparams(
                    dep=json.dumps([f.departement])
                )
            )
        else:
            # the JSON list is stored as text; the queue index covers it (no row reads)
            needle = '%"' + _like_escape(f.departement) + '"%'
            stmt = stmt.where(cast(Notice.departements, String).like(needle, escape="\\"))
    if f.buyer:
        stmt = stmt.where(Notice.buyer_name.ilike(f"%{_like_escape(f.buyer)}%", escape="\\"))
    if f.source:
        stmt = stmt.where(Notice.source == f.source)
    if f.kind:
        stmt = stmt.where(Notice.kind == f.kind)
    if f.date_from:
        stmt = stmt.where(Notice.published_at >= f.date_from)
    if f.date_to:
        stmt = stmt.where(Notice.published_at <= f.date_to)
    if f.min_score is not None:
        stmt = stmt.where(Notice.score >= f.min_score)
    if f.q:
        stmt = stmt.where(_search_clause(session, f.q))
    return stmt


def _after(stmt: Select[Any], cursor: tuple[date | None, int] | None) -> Select[Any]:
    if cursor is None:
        return stmt
    day, ident = cursor
    if day is None:
        return stmt.where(Notice.published_at.is_(None), Notice.id < ident)
    return stmt.where(
        or_(
            Notice.published_at < day,
            and_(Notice.published_at == day, Notice.id < ident),
            Notice.published_at.is_(None),
        )
    )


def _ordered(session: Session, stmt: Select[Any]) -> Select[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return stmt.order_by(Notice.published_at.desc().nulls_last(), Notice.id.desc())
    # SQLite sorts NULL lowest, so DESC already puts undated notices last (and uses the index)
    return stmt.order_by(Notice.published_at.desc(), Notice.id.desc())


def _rows(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    if not ids:
        return []
    found = session.execute(
        select(*_ROW_COLUMNS)
        .outerjoin(ReviewHead, ReviewHead.notice_id == Notice.id)
        .where(Notice.id.in_(ids))
    )
    by_id = {r.id: dict(r._mapping) for r in found}
    return [by_id[i] for i in ids if i in by_id]


def queue_page(
    session: Session, filters: QueueFilters, cursor: str | None = None, limit: int = PAGE_SIZE
) -> QueuePage:
    """One page of the queue after ``cursor`` (an opaque string from the previous page)."""
    stmt = _ordered(session, _after(_filtered(session, filters), decode_cursor(cursor)))
    keys = session.execute(stmt.limit(limit + 1)).all()
    more = len(keys) > limit
    keys = keys[:limit]
    next_cursor = encode_cursor(keys[-1].published_at, keys[-1].id) if more else None
    return QueuePage(rows=_rows(session, [k.id for k in keys]), next_cursor=next_cursor)


def iter_queue(
    session: Session, filters: QueueFilters, batch: int = 500
) -> Iterator[dict[str, Any]]:
    """Every row of the filtered queue, fetched page by page (for streamed exports)."""
    cursor: str | None = None
    while True:
        page = queue_page(session, filters, cursor, limit=batch)
        yield from page.rows
        if page.next_cursor is None:
            return
        cursor = page.next_cursor
