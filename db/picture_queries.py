"""The whole picture's questions, one query each, for the desk, the CLI and the digests alike:
flagged notices by département (the map), by month (the timeline), a party's page (totals,
counterparts, notices) and the party search.

All read ``notice_facets``/``notice_parties`` (see :mod:`db.picture`) through their indexes:
the map and timeline filter on ``(category, published_at)`` or ``(published_at)``, a party's
page on ``(party_id, role, …)``. A notice in several départements or categories has several
facet rows, flagged as its first category and first département: counting only the right
ones counts each notice once per département (map) or once (timeline), without DISTINCT. Session first, never commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, String, func, or_, select
from sqlalchemy.orm import Session

from db.models.documents import NoticeDocument
from db.models.notices import Notice
from db.models.picture import NoticeFacet, NoticeParty, Party, PriceLine
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
    published_from: date | None = None
    published_to: date | None = None

    def __post_init__(self) -> None:
        if self.category is not None and self.category not in CATEGORIES:
            raise FilterError(
                f"unknown category {self.category!r} (valid: {', '.join(CATEGORIES)})"
            )


def _facets(filters: PictureFilters, *columns: Any) -> Select[Any]:
    """Facet rows of the filters, one per (notice, département): with a category that is the
    category's rows, without one the rows of each notice's first category."""
    stmt = select(*columns)
    if filters.category:
        stmt = stmt.where(NoticeFacet.category == filters.category)
    else:
        stmt = stmt.where(NoticeFacet.first_category.is_(True))
    if filters.published_from:
        stmt = stmt.where(NoticeFacet.published_at >= filters.published_from)
    if filters.published_to:
        stmt = stmt.where(NoticeFacet.published_at <= filters.published_to)
    return stmt


def departement_counts(session: Session, filters: PictureFilters) -> list[dict[str, Any]]:
    """Per département: flagged notices and the amount of their purchases, most notices first."""
    count = func.count().label("n")
    rows = session.execute(
        _facets(filters, NoticeFacet.departement, count, func.sum(NoticeFacet.amount))
        .group_by(NoticeFacet.departement)
        .order_by(count.desc(), NoticeFacet.departement)
    )
    return [{"departement": d, "notices": int(n), "amount": a} for d, n, a in rows]


def commune_counts(
    session: Session, filters: PictureFilters, departement: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Communes (where notices name one) with the most flagged notices."""
    stmt = _facets(filters, NoticeFacet.commune_insee, func.count()).where(
        NoticeFacet.commune_insee.is_not(None), NoticeFacet.first_departement.is_(True)
    )
    if departement:
        stmt = stmt.where(NoticeFacet.departement == departement)
    rows = session.execute(
        stmt.group_by(NoticeFacet.commune_insee)
        .order_by(func.count().desc(), NoticeFacet.commune_insee)
        .limit(limit)
    )
    return [{"commune_insee": c, "notices": int(n)} for c, n in rows]


def _month(column: Any, dialect: str) -> Any:
    if dialect == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.substr(func.cast(column, String), 1, 7)


def timeline(session: Session, filters: PictureFilters) -> list[dict[str, Any]]:
    """Per month (``YYYY-MM``): flagged notices and amounts, oldest first; undated left out."""
    dialect = session.get_bind().dialect.name
    month = _month(NoticeFacet.published_at, dialect).label("month")
    rows = session.execute(
        _facets(filters, month, func.count(), func.sum(NoticeFacet.amount))
        .where(NoticeFacet.first_departement.is_(True), NoticeFacet.published_at.is_not(None))
        .group_by(month)
        .order_by(month)
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


def party_page(session: Session, party_id: int, limit: int = 50) -> PartyPage | None:
    """Everything a buyer's or vendor's page shows (the notice list capped at ``limit``)."""
    party = session.get(Party, party_id)
    if party is None:
        return None
    page = PartyPage(party)
    mine = NoticeParty.party_id == party_id
    for role, cat, n, amount in session.execute(
        select(NoticeParty.role, NoticeParty.category, func.count(), func.sum(NoticeParty.amount))
        .where(mine)
        .group_by(NoticeParty.role, NoticeParty.category)
    ):
        page.by_category.append((role, cat, int(n), amount))
        total = page.totals.setdefault(role, {"notices": 0, "amount": None})
        total["notices"] += int(n)
        if amount is not None:
            total["amount"] = (total["amount"] or 0.0) + amount
    if not page.totals:
        return page
    role = _main_role(page.totals)
    dialect = session.get_bind().dialect.name
    year = (
        func.to_char(NoticeParty.published_at, "YYYY")
        if dialect == "postgresql"
        else func.substr(func.cast(NoticeParty.published_at, String), 1, 4)
    ).label("year")
    page.by_year = [
        (y, int(n), a)
        for y, n, a in session.execute(
            select(year, func.count(), func.sum(NoticeParty.amount))
            .where(mine, NoticeParty.role == role, NoticeParty.published_at.is_not(None))
            .group_by(year)
            .order_by(year)
        )
    ]
    other = NoticeParty.__table__.alias("other")
    mine_notices = select(NoticeParty.notice_id).where(mine, NoticeParty.role == role)
    counter_role = "buyer" if role == "supplier" else "supplier"
    page.counterparts = [
        {"party_id": pid, "name": name, "siren": siren, "notices": int(n), "amount": a}
        for pid, name, siren, n, a in session.execute(
            select(Party.id, Party.name, Party.siren, func.count(), func.sum(other.c.amount))
            .join(Party, Party.id == other.c.party_id)
            .where(other.c.notice_id.in_(mine_notices), other.c.role == counter_role)
            .group_by(Party.id, Party.name, Party.siren)
            .order_by(func.count().desc(), Party.id)
            .limit(limit)
        )
    ]
    page.notices = [
        dict(r._mapping)
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
            .join(Notice, Notice.id == NoticeParty.notice_id)
            .where(mine, NoticeParty.role == role)
            .order_by(NoticeParty.published_at.desc(), NoticeParty.notice_id.desc())
            .limit(limit)
        )
    ]
    page.equipment = _equipment(session, mine_notices)
    return page


def _equipment(session: Session, notice_ids: Any) -> list[dict[str, Any]]:
    # from the (small) price_lines table to the notices, not the other way round
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
            .where(NoticeDocument.notice_id.in_(notice_ids))
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
