"""The whole picture's questions, one query each, for the desk, the CLI and the digests alike:
flagged notices by département (the map), by month (the timeline), a party's page (totals,
counterparts, notices) and the party search.

The map, the timeline and the communes read ``picture_counts`` (``notice_facets`` summed per
category, month, département and commune: :mod:`db.picture_counts`), so they cost the same at
200 000 notices as at 2 000; periods are whole months. A party's page reads its totals, years
and counterparts from ``party_counts``/``party_links`` (:mod:`db.party_counts`) and one page
of its notices from ``notice_parties``' covering index on ``(party_id, role, published_at,
notice_id)``. Session first, never commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from db.models.documents import NoticeDocument
from db.models.notices import Notice
from db.models.picture import NoticeParty, Party, PartyCount, PartyLink, PictureCount, PriceLine
from db.picture_counts import ALL, month_of
from vocabulary.errors import FilterError
from vocabulary.terms import CATEGORIES

__all__ = [
    "PartyPage",
    "PictureFilters",
    "commune_counts",
    "departement_counts",
    "party_by_identifier",
    "party_page",
    "search_parties",
    "timeline",
]

ROLES = ("buyer", "supplier")


@dataclass(frozen=True)
class PictureFilters:
    """Which flagged notices the map and the timeline count."""

    category: str | None = None
    #: periods are whole months: a bound counts its whole month in
    published_from: date | None = None
    published_to: date | None = None

    def __post_init__(self) -> None:
        if self.category is not None and self.category not in CATEGORIES:
            raise FilterError(
                f"unknown category {self.category!r} (valid: {', '.join(CATEGORIES)})"
            )


def _counts(filters: PictureFilters, *columns: Any) -> Select[Any]:
    """Count rows of the filters (see :class:`db.models.PictureCount`): the category's rows, or
    without one the rows of each notice's first category; periods are whole months."""
    stmt = select(*columns).where(PictureCount.category == (filters.category or ALL))
    if filters.published_from:
        stmt = stmt.where(PictureCount.month >= month_of(filters.published_from))
    if filters.published_to:
        stmt = stmt.where(PictureCount.month <= month_of(filters.published_to))
    return stmt


def departement_counts(session: Session, filters: PictureFilters) -> list[dict[str, Any]]:
    """Per département: flagged notices and the amount of their purchases, most notices first."""
    count = func.sum(PictureCount.notices).label("n")
    rows = session.execute(
        _counts(filters, PictureCount.departement, count, func.sum(PictureCount.amount))
        .group_by(PictureCount.departement)
        .having(count > 0)
        .order_by(count.desc(), PictureCount.departement)
    )
    return [{"departement": d, "notices": int(n), "amount": a} for d, n, a in rows]


def commune_counts(
    session: Session, filters: PictureFilters, departement: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Communes (where notices name one) with the most flagged notices."""
    count = func.sum(PictureCount.first_notices)
    stmt = _counts(filters, PictureCount.commune_insee, count).where(
        PictureCount.commune_insee.is_not(None)
    )
    if departement:
        stmt = stmt.where(PictureCount.departement == departement)
    rows = session.execute(
        stmt.group_by(PictureCount.commune_insee)
        .having(count > 0)
        .order_by(count.desc(), PictureCount.commune_insee)
        .limit(limit)
    )
    return [{"commune_insee": c, "notices": int(n)} for c, n in rows]


def timeline(session: Session, filters: PictureFilters) -> list[dict[str, Any]]:
    """Per month (``YYYY-MM``): flagged notices and amounts, oldest first; undated left out."""
    count = func.sum(PictureCount.first_notices)
    rows = session.execute(
        _counts(filters, PictureCount.month, count, func.sum(PictureCount.first_amount))
        .where(PictureCount.month.is_not(None))
        .group_by(PictureCount.month)
        .having(count > 0)
        .order_by(PictureCount.month)
    )
    return [{"month": m, "notices": int(n), "amount": a} for m, n, a in rows]


@dataclass
class PartyPage:
    party: Party
    #: role -> {"notices", "amount"}
    totals: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: (role, category or None, notices, amount)
    by_category: list[tuple[str, str | None, int, float | None]] = field(default_factory=list)
    #: (year, notices, amount) for the role with most notices
    by_year: list[tuple[str, int, float | None]] = field(default_factory=list)
    #: the other side: buyers of a vendor, vendors of a buyer
    counterparts: list[dict[str, Any]] = field(default_factory=list)
    notices: list[dict[str, Any]] = field(default_factory=list)
    #: surveillance lines of price schedules on this party's notices, by equipment
    equipment: list[dict[str, Any]] = field(default_factory=list)
    #: where ``notices`` starts in the party's list, and whether more follow
    offset: int = 0
    more: bool = False


def party_by_identifier(session: Session, identifier: str) -> Party | None:
    """A party by SIREN, SIRET (its first 9 digits) or id."""
    ident = identifier.strip()
    if ident.isdigit() and len(ident) in (9, 14):
        return session.scalars(select(Party).where(Party.siren == ident[:9])).first()
    if ident.isdigit():
        return session.get(Party, int(ident))
    return None


def _main_role(totals: dict[str, dict[str, Any]]) -> str:
    return max(ROLES, key=lambda r: totals.get(r, {}).get("notices", 0))


def party_page(
    session: Session, party_id: int, limit: int = 50, offset: int = 0
) -> PartyPage | None:
    """Everything a buyer's or vendor's page shows; its notices ``limit`` at a time from
    ``offset``, newest first."""
    party = session.get(Party, party_id)
    if party is None:
        return None
    page = PartyPage(party)
    for role, cat, n, amount in session.execute(
        select(
            PartyCount.role,
            PartyCount.category,
            func.sum(PartyCount.notices),
            func.sum(PartyCount.amount),
        )
        .where(PartyCount.party_id == party_id)
        .group_by(PartyCount.role, PartyCount.category)
        .order_by(PartyCount.role, PartyCount.category.nulls_first())
    ):
        page.by_category.append((role, cat, int(n), amount))
        total = page.totals.setdefault(role, {"notices": 0, "amount": None})
        total["notices"] += int(n)
        if amount is not None:
            total["amount"] = (total["amount"] or 0.0) + amount
    if not page.totals:
        return page
    role = _main_role(page.totals)
    page.by_year = [
        (str(y), int(n), a)
        for y, n, a in session.execute(
            select(PartyCount.year, func.sum(PartyCount.notices), func.sum(PartyCount.amount))
            .where(
                PartyCount.party_id == party_id,
                PartyCount.role == role,
                PartyCount.year.is_not(None),
            )
            .group_by(PartyCount.year)
            .order_by(PartyCount.year)
        )
    ]
    page.counterparts = [
        {"party_id": pid, "name": name, "siren": siren, "notices": int(n), "amount": a}
        for pid, name, siren, n, a in session.execute(
            select(Party.id, Party.name, Party.siren, PartyLink.notices, PartyLink.amount)
            .join(PartyLink, PartyLink.other_id == Party.id)
            .where(PartyLink.party_id == party_id, PartyLink.role == role)
            .order_by(PartyLink.notices.desc(), Party.id)
            .limit(limit)
        )
    ]
    dated = sum(n for _, n, _ in page.by_year)
    page.notices = _notices(session, party_id, role, limit, offset, dated)
    page.offset = offset
    page.more = offset + limit < page.totals[role]["notices"]
    page.equipment = _equipment(session, party_id, role)
    return page


def _notices(
    session: Session, party_id: int, role: str, limit: int, offset: int, dated: int
) -> list[dict[str, Any]]:
    """One page of the party's notices, newest first and undated last (``dated`` of them have
    a date): the page's ids from the covering index first, dated and undated apart so that
    both databases walk the index in order (PostgreSQL puts NULL first in a descending index
    walk, SQLite last), then only those notices are read."""
    mine = select(NoticeParty.notice_id).where(
        NoticeParty.party_id == party_id, NoticeParty.role == role
    )
    ids: list[int] = []
    if offset < dated:
        ids += session.scalars(
            mine.where(NoticeParty.published_at.is_not(None))
            .order_by(NoticeParty.published_at.desc(), NoticeParty.notice_id.desc())
            .limit(limit)
            .offset(offset)
        )
    if len(ids) < limit:
        ids += session.scalars(
            mine.where(NoticeParty.published_at.is_(None))
            .order_by(NoticeParty.notice_id.desc())
            .limit(limit - len(ids))
            .offset(max(0, offset - dated))
        )
    rows = {
        r.id: dict(r._mapping)
        for r in session.execute(
            select(
                Notice.id,
                Notice.title,
                Notice.kind,
                Notice.published_at,
                Notice.source,
                Notice.flagged,
                NoticeParty.role,
                NoticeParty.amount,
                NoticeParty.category,
            )
            .join(NoticeParty, NoticeParty.notice_id == Notice.id)
            .where(Notice.id.in_(ids), NoticeParty.party_id == party_id, NoticeParty.role == role)
        )
    }
    return [rows[i] for i in ids if i in rows]


def _equipment(session: Session, party_id: int, role: str) -> list[dict[str, Any]]:
    # from the (small) price_lines table to the party's notices, never from the notices: the
    # biggest vendor has thousands of notices and almost none has a price schedule
    linked = (
        select(NoticeParty.id)
        .where(
            NoticeParty.notice_id == NoticeDocument.notice_id,
            NoticeParty.party_id == party_id,
            NoticeParty.role == role,
        )
        .exists()
    )
    return [
        {"equipment": e, "action": a, "lines": int(n), "quantity": q, "total": t}
        for e, a, n, q, t in session.execute(
            select(
                PriceLine.equipment,
                PriceLine.action,
                func.count(),
                func.sum(PriceLine.quantity),
                func.sum(PriceLine.total),
            )
            .join(NoticeDocument, NoticeDocument.document_id == PriceLine.document_id)
            .where(linked)
            .group_by(PriceLine.equipment, PriceLine.action)
            .order_by(PriceLine.equipment, PriceLine.action)
        )
    ]


def search_parties(session: Session, query: str, limit: int = 50) -> list[Party]:
    """Parties whose SIREN/SIRET is ``query`` or whose normalized name starts with it."""
    from db.picture import name_key, siren_of

    siren, _ = siren_of(query)
    key = name_key(query)
    if not siren and not key:
        return []
    clauses = []
    if siren:
        clauses.append(Party.siren == siren)
    if key:
        clauses.append(Party.name_key.like(key.replace("%", "").replace("_", "") + "%"))
    return list(
        session.scalars(select(Party).where(or_(*clauses)).order_by(Party.name_key).limit(limit))
    )
