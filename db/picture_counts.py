"""``picture_counts``: the map's and timeline's facets summed per category, month, département
and commune, so that they read a few thousand rows whatever the number of notices.

:func:`recount` rebuilds the months a refresh touched from ``notice_facets`` (one
INSERT … SELECT … GROUP BY per call, in the database): a crawl's refresh recounts a few recent
months, a full refresh every month. The months are the notices' publication months, so the
map's and timeline's periods are whole months. Session first, never commits.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import Integer, String, case, cast, delete, func, insert, literal, or_, select
from sqlalchemy.orm import Session

from db.models.picture import NoticeFacet, PictureCount

__all__ = ["ALL", "month_expr", "month_of", "recount"]

#: the ``category`` of the rows counting each notice's first category (the map without filter)
ALL = "*"
#: above this many months, recount everything at once (cheaper than a long IN list)
_WHOLE = 60


def month_of(day: date | None) -> str | None:
    return None if day is None else f"{day.year:04d}-{day.month:02d}"


def month_expr(column: Any, dialect: str) -> Any:
    """``YYYY-MM`` of a date column, in SQL."""
    if dialect == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.substr(func.cast(column, String), 1, 7)


def _in_months(column: Any, months: Collection[str | None]) -> Any:
    named = sorted(m for m in months if m is not None)
    clauses = [column.in_(named)] if named else []
    if None in months:
        clauses.append(column.is_(None))
    return or_(*clauses)


def recount(session: Session, months: Collection[str | None] | None = None) -> None:
    """Rebuild the counts of ``months`` (``YYYY-MM``, None for undated), or of every month."""
    if months is not None and not months:
        return
    whole = months is None or len(months) > _WHOLE
    month = month_expr(NoticeFacet.published_at, session.get_bind().dialect.name)
    first = NoticeFacet.first_departement.is_(True)
    one = case((first, 1), else_=0)
    cols = (
        month.label("month"),
        NoticeFacet.departement,
        NoticeFacet.commune_insee,
        func.count().label("notices"),
        func.sum(NoticeFacet.amount).label("amount"),
        cast(func.sum(one), Integer).label("first_notices"),
        func.sum(case((first, NoticeFacet.amount))).label("first_amount"),
    )
    groups = (month, NoticeFacet.departement, NoticeFacet.commune_insee)
    by_category = select(NoticeFacet.category, *cols).group_by(NoticeFacet.category, *groups)
    first_category = (
        select(literal(ALL, String(50)).label("category"), *cols)
        .where(NoticeFacet.first_category.is_(True))
        .group_by(*groups)
    )
    stale = delete(PictureCount)
    if not whole:
        assert months is not None
        stale = stale.where(_in_months(PictureCount.month, months))
        by_category = by_category.where(_in_months(month, months))
        first_category = first_category.where(_in_months(month, months))
    session.execute(stale)
    names = ["category", "month", "departement", "commune_insee", "notices", "amount"]
    names += ["first_notices", "first_amount"]
    for stmt in (by_category, first_category):
        session.execute(insert(PictureCount).from_select(names, stmt))
