"""The map's and a party page's queries as they were before the counts tables (straight from
``notice_facets`` and ``notice_parties``), kept so that ``bench/picture_speed.py`` measures
them beside today's in the same run. Not used by the application."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models.notices import Notice
from db.models.picture import NoticeFacet, NoticeParty, Party
from db.party_counts import year_expr
from db.picture_counts import month_expr
from db.picture_queries import PictureFilters


def _facets(filters: PictureFilters, *columns: Any) -> Any:
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


def map_queries(session: Session, filters: PictureFilters) -> int:
    """The map's three questions (départements, months, communes) over every facet row."""
    count = func.count().label("n")
    deps = session.execute(
        _facets(filters, NoticeFacet.departement, count, func.sum(NoticeFacet.amount))
        .group_by(NoticeFacet.departement)
        .order_by(count.desc(), NoticeFacet.departement)
    ).all()
    month = month_expr(NoticeFacet.published_at, session.get_bind().dialect.name).label("m")
    months = session.execute(
        _facets(filters, month, func.count(), func.sum(NoticeFacet.amount))
        .where(NoticeFacet.first_departement.is_(True), NoticeFacet.published_at.is_not(None))
        .group_by(month)
        .order_by(month)
    ).all()
    communes = session.execute(
        _facets(filters, NoticeFacet.commune_insee, func.count())
        .where(NoticeFacet.commune_insee.is_not(None), NoticeFacet.first_departement.is_(True))
        .group_by(NoticeFacet.commune_insee)
        .order_by(func.count().desc(), NoticeFacet.commune_insee)
        .limit(50)
    ).all()
    return len(deps) + len(months) + len(communes)


def party_queries(session: Session, party_id: int, role: str, limit: int = 50) -> int:
    """A party page's totals, years, counterparts and first notices over its every row."""
    mine = NoticeParty.party_id == party_id
    n = len(
        session.execute(
            select(
                NoticeParty.role, NoticeParty.category, func.count(), func.sum(NoticeParty.amount)
            )
            .where(mine)
            .group_by(NoticeParty.role, NoticeParty.category)
        ).all()
    )
    year = year_expr(NoticeParty.published_at, session.get_bind().dialect.name).label("y")
    n += len(
        session.execute(
            select(year, func.count(), func.sum(NoticeParty.amount))
            .where(mine, NoticeParty.role == role, NoticeParty.published_at.is_not(None))
            .group_by(year)
            .order_by(year)
        ).all()
    )
    other = NoticeParty.__table__.alias("other")
    mine_notices = select(NoticeParty.notice_id).where(mine, NoticeParty.role == role)
    n += len(
        session.execute(
            select(Party.id, Party.name, func.count(), func.sum(other.c.amount))
            .join(Party, Party.id == other.c.party_id)
            .where(other.c.notice_id.in_(mine_notices), other.c.role != role)
            .group_by(Party.id, Party.name)
            .order_by(func.count().desc(), Party.id)
            .limit(limit)
        ).all()
    )
    n += len(
        session.execute(
            select(Notice.id, Notice.title)
            .join(NoticeParty, NoticeParty.notice_id == Notice.id)
            .where(mine, NoticeParty.role == role)
            .order_by(NoticeParty.published_at.desc(), NoticeParty.notice_id.desc())
            .limit(limit)
        ).all()
    )
    return n
