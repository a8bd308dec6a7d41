"""The notice list: one filter set and one query for every list of notices.

``veilleur flagged``, ``veilleur export``, the desk's queue and its exports, and the digests'
pool of candidate notices all filter with :class:`NoticeFilters` and read through
:func:`notice_select`, so the command line, the web desk and the mail answer "which notices?"
alike. Rows carry :data:`NOTICE_COLUMNS`, the one column list of every export.

Order and pagination: newest publication first, undated notices last, then by id; a page asks
for the rows strictly after the last ``(published_at, id)`` it showed (keyset, not OFFSET), so
page 500 costs what page 1 costs. The flagged list is served by the partial index
``ix_notices_review_queue`` (see :mod:`db.fulltext`). Functions take the session first and
never commit.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    TextClause,
    and_,
    cast,
    exists,
    func,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.orm import Session

from db.fulltext import PG_SEARCH_COLUMN, fts5_query, pg_tsquery, searched_by_index
from db.models.notices import Flag, Notice
from db.models.review import ReviewHead, SecondOpinion
from vocabulary.errors import FilterError
from vocabulary.terms import CATEGORIES, NOTICE_KINDS, POSITIVE_VERDICTS, VERDICTS

__all__ = [
    "NOTICE_COLUMNS",
    "PAGE_SIZE",
    "NoticeFilters",
    "NoticePage",
    "decode_cursor",
    "encode_cursor",
    "filter_choices",
    "iter_notices",
    "neighbours",
    "notice_count",
    "notice_page",
    "notice_select",
    "shown_to_groups",
]

PAGE_SIZE = 50
#: the columns of every notice list and export, in order: the CLI's and the desk's alike
NOTICE_COLUMNS = (
    "id", "source", "source_id", "kind", "published_at", "deadline_at", "buyer_name",
    "buyer_siret", "departements", "cpv_codes", "title", "url", "flagged", "score", "categories",
    "estimated_value", "verdict",
)  # fmt: skip

Cursor = tuple[date | None, int]
#: a WHERE clause: a SQL expression or, for the dialect-specific ones, literal SQL
Clause = ColumnElement[bool] | TextClause


def _one_of(name: str, value: str | None, valid: Collection[str]) -> None:
    if value is not None and value not in valid:
        raise FilterError(f"unknown {name} {value!r} (valid: {', '.join(valid)})")


@dataclass(frozen=True)
class NoticeFilters:
    """Which notices a list shows. Every field narrows the list; None (or False) does not.

    Values from closed sets (verdict, category, kind) are checked when the filters are built:
    a value outside its set raises :class:`~vocabulary.errors.FilterError` naming the valid ones.
    """

    #: the latest review's verdict; ``new`` also matches notices nobody has reviewed
    verdict: str | None = None
    #: a category some rule flagged the notice for (any flag, not only the decision's)
    category: str | None = None
    #: a département code, matched whole (``2`` is not ``2A``)
    departement: str | None = None
    #: part of the buyer's name, case-insensitive
    buyer: str | None = None
    source: str | None = None
    kind: str | None = None
    published_from: date | None = None
    published_to: date | None = None
    min_score: float | None = None
    #: full-text search over the notice's text and its documents' pages
    query: str | None = None
    #: also list notices the rules did not flag (to find relevant ones by hand)
    include_unflagged: bool = False
    #: only notices the rules did not flag that the second opinion lists as "à vérifier"
    to_check: bool = False
    #: first seen at or after this time
    seen_from: datetime | None = None
    #: first seen, or flagged, at or after this time (what is new for a digest); with
    #: ``for_groups``, also confirmed by an analyst at or after it (whenever first seen)
    new_or_flagged_since: datetime | None = None
    #: what the groups are shown (digests, feeds, read-only links): notices the rules flagged
    #: and the analysts did not reject, and notices the analysts confirmed, flagged or not
    for_groups: bool = False

    def __post_init__(self) -> None:
        _one_of("verdict", self.verdict, VERDICTS)
        _one_of("category", self.category, CATEGORIES)
        _one_of("kind", self.kind, NOTICE_KINDS)

    def require_known_source(self, sources: Collection[str]) -> None:
        """Refuse a source that is not among ``sources`` (the sources the caller knows of)."""
        if self.source is not None and not sources:
            raise FilterError(f"unknown source {self.source!r}: no notice is stored yet")
        _one_of("source", self.source, sorted(sources))


@dataclass
class NoticePage:
    #: one dict per notice, keyed by :data:`NOTICE_COLUMNS`
    rows: list[dict[str, Any]]
    #: where the next page starts, None on the last page
    next_cursor: str | None


def encode_cursor(published_at: date | None, notice_id: int) -> str:
    return f"{published_at.isoformat() if published_at else '-'}_{notice_id}"


def decode_cursor(cursor: str | None) -> Cursor | None:
    """``(published_at, id)`` of the last row shown, or None for a bad or absent cursor."""
    if not cursor or "_" not in cursor:
        return None
    day, _, ident = cursor.partition("_")
    # beyond a 32-bit id no notice exists (and PostgreSQL refuses the comparison)
    if not ident.isascii() or not ident.isdigit() or len(ident) > 10 or int(ident) >= 2**31:
        return None
    if day == "-":
        return None, int(ident)
    try:
        return date.fromisoformat(day), int(ident)
    except ValueError:
        return None


def _postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _search_clause(session: Session, query: str) -> Clause:
    """``notices.id IN (…)``: notices whose own text (buyer and awardees included) or whose
    documents' pages match every searched word, in any of its spellings (accents, plural,
    compound written joined or apart: :func:`db.fulltext.search_spellings`)."""
    if _postgresql(session):
        built = pg_tsquery(query)
        if built is None:
            return true()
        tsquery, params = built
        return text(
            f"notices.id IN (SELECT n2.id FROM notices n2 WHERE "
            f"n2.{PG_SEARCH_COLUMN} @@ ({tsquery}) "
            f"UNION SELECT nd.notice_id FROM document_pages dp "
            f"JOIN notice_documents nd ON nd.document_id = dp.document_id WHERE "
            f"dp.{PG_SEARCH_COLUMN} @@ ({tsquery}))"
        ).bindparams(**params)
    match = fts5_query(query)
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


def _departement_clause(session: Session, code: str) -> Clause:
    if _postgresql(session):
        # jsonb containment, answered by the GIN index ix_notices_departements_gin
        return text("notices.departements @> CAST(:dep AS jsonb)").bindparams(
            dep=json.dumps([code])
        )
    # the JSON list is stored as text; the queue index covers it (no row reads)
    needle = '%"' + _like_escape(code) + '"%'
    return cast(Notice.departements, String).like(needle, escape="\\")


def _verdict_clause(verdict: str) -> ColumnElement[bool]:
    if verdict == "new":
        return or_(ReviewHead.verdict.is_(None), ReviewHead.verdict == "new")
    return ReviewHead.verdict == verdict


def _confirmed() -> ColumnElement[bool]:
    return ReviewHead.verdict.in_(POSITIVE_VERDICTS)


def _for_groups() -> ColumnElement[bool]:
    """Flagged and not rejected, or confirmed (found by hand included)."""
    not_rejected = or_(ReviewHead.verdict.is_(None), ReviewHead.verdict != "not_relevant")
    return or_(and_(text("notices.flagged"), not_rejected), _confirmed())


def _clauses(session: Session, f: NoticeFilters) -> list[Clause]:
    """One WHERE clause per filter set. Every filter column but the buyer's name is in the
    queue index (SQLite: ``ix_notices_review_queue`` covers them), so listing ids walks that
    index without reading the large notice rows."""
    clauses: list[Clause] = []
    confirmed_since: ColumnElement[bool] | None = None
    if f.for_groups and f.new_or_flagged_since is not None:
        confirmed_since = and_(_confirmed(), ReviewHead.updated_at >= f.new_or_flagged_since)
    if f.for_groups:
        clauses.append(_for_groups())
    elif f.to_check:
        to_check = select(SecondOpinion.notice_id).where(SecondOpinion.to_check.is_(True))
        clauses += [Notice.flagged.is_(False), Notice.id.in_(to_check)]
    elif not f.include_unflagged:
        # the bare column, exactly the partial index's predicate (see db.fulltext.QUEUE_INDEX)
        clauses.append(text("notices.flagged"))
    if f.verdict:
        clauses.append(_verdict_clause(f.verdict))
    if f.category:
        clauses.append(
            exists().where(and_(Flag.notice_id == Notice.id, Flag.category == f.category))
        )
    if f.departement:
        clauses.append(_departement_clause(session, f.departement))
    if f.buyer:
        clauses.append(Notice.buyer_name.ilike(f"%{_like_escape(f.buyer)}%", escape="\\"))
    if f.source:
        clauses.append(Notice.source == f.source)
    if f.kind:
        clauses.append(Notice.kind == f.kind)
    if f.published_from:
        clauses.append(Notice.published_at >= f.published_from)
    if f.published_to:
        clauses.append(Notice.published_at <= f.published_to)
    if f.min_score is not None:
        clauses.append(Notice.score >= f.min_score)
    if f.seen_from is not None:
        seen: ColumnElement[bool] = Notice.first_seen_at >= f.seen_from
        # an analyst who confirms an older notice means the groups to hear of it
        clauses.append(seen if confirmed_since is None else or_(seen, confirmed_since))
    if f.new_or_flagged_since is not None:
        flagged_since = select(Flag.notice_id).where(Flag.created_at >= f.new_or_flagged_since)
        fresh = [Notice.first_seen_at >= f.new_or_flagged_since, Notice.id.in_(flagged_since)]
        clauses.append(or_(*fresh, *([confirmed_since] if confirmed_since is not None else [])))
    if f.query:
        clauses.append(_search_clause(session, f.query))
    return clauses


def _after(cursor: Cursor) -> ColumnElement[bool]:
    day, ident = cursor
    if day is None:
        return and_(Notice.published_at.is_(None), Notice.id < ident)
    return or_(
        Notice.published_at < day,
        and_(Notice.published_at == day, Notice.id < ident),
        Notice.published_at.is_(None),
    )


def notice_select(
    session: Session, filters: NoticeFilters, *columns: Any, after: Cursor | None = None
) -> Select[Any]:
    """``columns`` (default: id and publication date) of the notices ``filters`` match,
    newest first with undated last, strictly after ``after`` when given."""
    stmt = select(*(columns or (Notice.id, Notice.published_at))).select_from(Notice)
    if filters.verdict or filters.for_groups:
        stmt = stmt.outerjoin(ReviewHead, ReviewHead.notice_id == Notice.id)
    stmt = stmt.where(*_clauses(session, filters))
    if after is not None:
        stmt = stmt.where(_after(after))
    if _postgresql(session):
        return stmt.order_by(Notice.published_at.desc().nulls_last(), Notice.id.desc())
    # SQLite sorts NULL lowest, so DESC already puts undated notices last (and uses the index)
    return stmt.order_by(Notice.published_at.desc(), Notice.id.desc())


def _rows(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    """The page's rows, in the page's order (a second query: the first walked the index)."""
    if not ids:
        return []
    columns = [getattr(Notice, name) for name in NOTICE_COLUMNS if name != "verdict"]
    found = session.execute(
        select(*columns, ReviewHead.verdict.label("verdict"))
        .outerjoin(ReviewHead, ReviewHead.notice_id == Notice.id)
        .where(Notice.id.in_(ids))
    )
    by_id = {r.id: dict(r._mapping) for r in found}
    return [by_id[i] for i in ids if i in by_id]


def notice_page(
    session: Session, filters: NoticeFilters, cursor: str | None = None, limit: int = PAGE_SIZE
) -> NoticePage:
    """One page of the list after ``cursor`` (an opaque string from the previous page)."""
    stmt = notice_select(session, filters, after=decode_cursor(cursor))
    with searched_by_index(session, bool(filters.query)):
        keys = session.execute(stmt.limit(limit + 1)).all()
    more = len(keys) > limit
    keys = keys[:limit]
    next_cursor = encode_cursor(keys[-1].published_at, keys[-1].id) if more else None
    return NoticePage(rows=_rows(session, [k.id for k in keys]), next_cursor=next_cursor)


#: counting stops here: "more than 10 000" is all a queue needs to say, and it stays cheap
COUNT_CAP = 10_000


def notice_count(session: Session, filters: NoticeFilters, cap: int = COUNT_CAP) -> int:
    """How many notices the list holds, counted up to ``cap`` (``cap + 1`` means more)."""
    ids = notice_select(session, filters, Notice.id).order_by(None).limit(cap + 1).subquery()
    with searched_by_index(session, bool(filters.query)):
        return int(session.scalar(select(func.count()).select_from(ids)) or 0)


def shown_to_groups(session: Session, ids: Collection[int]) -> set[int]:
    """Which of ``ids`` the groups are shown (``NoticeFilters(for_groups=True)``): what a
    group's read-only link may open."""
    if not ids:
        return set()
    stmt = notice_select(session, NoticeFilters(for_groups=True), Notice.id).order_by(None)
    return set(session.scalars(stmt.where(Notice.id.in_(sorted(ids)[:1000]))))


def neighbours(
    session: Session, filters: NoticeFilters, notice_id: int
) -> tuple[int | None, int | None]:
    """The notices just before and just after ``notice_id`` in the list (the desk's
    previous/next keys); None at either end, or when the notice is not in the list."""
    found = session.execute(select(Notice.published_at).where(Notice.id == notice_id)).first()
    if found is None:
        return None, None
    here: Cursor = (found.published_at, notice_id)
    stmt = notice_select(session, filters, Notice.id).where(~_after(here), Notice.id != notice_id)
    with searched_by_index(session, bool(filters.query)):
        after = session.scalar(notice_select(session, filters, Notice.id, after=here).limit(1))
        before = session.scalar(stmt.order_by(None).order_by(*_reversed_order(session)).limit(1))
    return before, after


def _reversed_order(session: Session) -> tuple[Any, ...]:
    if _postgresql(session):
        return (Notice.published_at.asc().nulls_first(), Notice.id.asc())
    return (Notice.published_at.asc(), Notice.id.asc())


def iter_notices(
    session: Session, filters: NoticeFilters, batch: int = 500
) -> Iterator[dict[str, Any]]:
    """Every row of the list, fetched page by page (exports stream it)."""
    cursor: str | None = None
    while True:
        page = notice_page(session, filters, cursor, limit=batch)
        yield from page.rows
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def filter_choices(session: Session) -> dict[str, list[str]]:
    """Distinct categories, sources and kinds stored (small, indexed columns): the desk's
    drop-downs, and the sources a source filter may name."""
    return {
        "categories": sorted(c for c in session.scalars(select(Flag.category).distinct()) if c),
        "sources": sorted(s for s in session.scalars(select(Notice.source).distinct()) if s),
        "kinds": sorted(k for k in session.scalars(select(Notice.kind).distinct()) if k),
    }
