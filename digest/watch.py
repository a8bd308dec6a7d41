"""Watchlists in digests: a group that watches a buyer or a vendor gets that party's new
notices under "Suivis" (reason ``watch``), flagged or not and wherever they are — watching is an
explicit choice, so the group's territory and categories do not filter it.

Exactly-once is the digests' own rule: an entry is ``(notice, reason, content_hash)`` and a
notice the recipient already got (for any reason) or that is already among the digest's new
notices is not repeated. :func:`watched_notices` reads, :func:`add_watched` decides (pure).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Notice, NoticeParty, Party, Watch
from digest.build import Delivered, Digest, Entry, NoticeView
from digest.queries import notice_views

__all__ = ["add_watched", "watched_notices"]

_ROLE_LABELS = {"buyer": "acheteur suivi", "supplier": "fournisseur suivi"}


def watched_notices(
    session: Session, group_id: int, since: datetime, limit: int = 200
) -> list[tuple[NoticeView, str]]:
    """Notices first seen at or after ``since`` in which a party the group watches takes part,
    each with the line saying why (newest first, at most ``limit``)."""
    rows = session.execute(
        select(NoticeParty.notice_id, NoticeParty.role, Party.name)
        .join(Watch, Watch.party_id == NoticeParty.party_id)
        .join(Party, Party.id == NoticeParty.party_id)
        .join(Notice, Notice.id == NoticeParty.notice_id)
        .where(Watch.group_id == group_id, Notice.first_seen_at >= since)
        .order_by(Notice.first_seen_at.desc(), Notice.id.desc())
        .limit(limit)
    ).all()
    why: dict[int, str] = {}
    for nid, role, name in rows:
        why.setdefault(nid, f"{_ROLE_LABELS.get(role, role)} : {name}")
    views = {v.id: v for v in notice_views(session, why)}
    return [(views[nid], line) for nid, line in why.items() if nid in views]


def add_watched(
    digest: Digest, watched: Sequence[tuple[NoticeView, str]], delivered: Mapping[int, Delivered]
) -> Digest:
    """``digest`` with the watched notices this recipient has not had yet."""
    shown = {e.notice.id for e in digest.entries}
    entries = tuple(
        Entry(view, "watch", (line,))
        for view, line in watched
        if view.id not in delivered and view.id not in shown
    )
    return replace(digest, watched=entries) if entries else digest
