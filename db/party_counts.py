"""``party_counts`` and ``party_links``: a party's notices summed per role, category and year,
and per counterpart, so that a vendor's page with thousands of notices reads a few rows.

:func:`recount_parties` rebuilds the rows of the parties a refresh touched (a shared notice
changes both sides, and both sides are parties of that notice) from ``notice_parties``, one
INSERT … SELECT … GROUP BY per chunk, in the database. Session first, never commits.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import String, delete, func, insert, select
from sqlalchemy.orm import Session

from db.chunked import in_chunks
from db.models.picture import NoticeParty, PartyCount, PartyLink

__all__ = ["recount_parties", "year_expr"]


def year_expr(column: Any, dialect: str) -> Any:
    """``YYYY`` of a date column, in SQL."""
    if dialect == "postgresql":
        return func.to_char(column, "YYYY")
    return func.substr(func.cast(column, String), 1, 4)


def recount_parties(session: Session, party_ids: Collection[int] | None = None) -> None:
    """Rebuild the counts and counterparts of ``party_ids``, or of every party."""
    year = year_expr(NoticeParty.published_at, session.get_bind().dialect.name)
    other = NoticeParty.__table__.alias("other")
    chunks: Iterable[Sequence[int] | None] = (
        [None] if party_ids is None else in_chunks(sorted(set(party_ids)))
    )
    for chunk in chunks:
        counts = select(
            NoticeParty.party_id,
            NoticeParty.role,
            NoticeParty.category,
            year,
            func.count(),
            func.sum(NoticeParty.amount),
        ).group_by(NoticeParty.party_id, NoticeParty.role, NoticeParty.category, year)
        links = (
            select(
                NoticeParty.party_id,
                NoticeParty.role,
                other.c.party_id,
                func.count(),
                func.sum(other.c.amount),
            )
            .join(other, other.c.notice_id == NoticeParty.notice_id)
            .where(other.c.role != NoticeParty.role)
            .group_by(NoticeParty.party_id, NoticeParty.role, other.c.party_id)
        )
        old_counts, old_links = delete(PartyCount), delete(PartyLink)
        if chunk is not None:
            counts = counts.where(NoticeParty.party_id.in_(chunk))
            links = links.where(NoticeParty.party_id.in_(chunk))
            old_counts = old_counts.where(PartyCount.party_id.in_(chunk))
            old_links = old_links.where(PartyLink.party_id.in_(chunk))
        session.execute(old_counts)
        session.execute(old_links)
        session.execute(
            insert(PartyCount).from_select(
                ["party_id", "role", "category", "year", "notices", "amount"], counts
            )
        )
        session.execute(
            insert(PartyLink).from_select(
                ["party_id", "role", "other_id", "notices", "amount"], links
            )
        )
