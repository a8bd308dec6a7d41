"""Database side of digests and feeds. Every function takes the session first and never commits.

Loads rows into the plain dataclasses of :mod:`digest.build` and records what was sent.
Candidate notices are selected with the notice list's filters (:mod:`db.notice_list`), as
the CLI and the desk select theirs. Each group's territory and category filters then run in
Python (:func:`digest.build.in_scope`): one pool of candidates is shared by every group of a
run, so the database is read once per run rather than once per group.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models.digest import Delivery, DigestSend, Group
from db.models.notices import Flag, Notice, NoticeLink, NoticeVersion
from db.models.review import Review, ReviewHead
from db.models.runs import JobRun
from db.notice_list import NoticeFilters, notice_select
from digest.build import Delivered, GroupSpec, JobReport, NoticeView, Quote

__all__ = [
    "AMENDING_RELATIONS",
    "REPORTED_JOB_STATUSES",
    "amendments_of",
    "candidate_notices",
    "delivered_by_recipient",
    "failed_jobs_since",
    "get_group",
    "group_spec",
    "last_sends",
    "list_groups",
    "mark_group_done",
    "notice_views",
    "operator_group_names",
    "recent_flagged",
    "record_deliveries",
    "record_send",
    "version_data",
]

AMENDING_RELATIONS = ("corrects", "cancels", "awards")
REPORTED_JOB_STATUSES = ("failed", "missed")
_IN_CHUNK = 500  # bound parameters per IN list (SQLite caps them)


def operator_group_names(env: Mapping[str, str] | None = None) -> frozenset[str]:
    """Groups whose digests also carry the operators' section (``VEILLEUR_OPERATORS``)."""
    env = os.environ if env is None else env
    return frozenset(n.strip() for n in env.get("VEILLEUR_OPERATORS", "").split(",") if n.strip())


def group_spec(group: Group, operators: frozenset[str] = frozenset()) -> GroupSpec:
    epcis: dict[str, tuple[str, ...]] = {}
    for item in group.epcis or []:
        if isinstance(item, dict):
            epcis[str(item.get("name", ""))] = tuple(str(c) for c in item.get("communes", []))
    return GroupSpec(
        id=group.id,
        name=group.name,
        recipients=tuple(group.recipients or ()),
        departements=tuple(str(d) for d in group.departements or ()),
        communes=tuple(str(c) for c in group.communes or ()),
        epcis=epcis,
        categories=tuple(group.categories or ()),
        min_score=group.min_score or 0.0,
        cadence=group.cadence,
        operators=group.name in operators,
        selection=group.selection or "flagged",
        contact=group.contact or "",
    )


def get_group(session: Session, name: str) -> Group | None:
    return session.execute(select(Group).where(Group.name == name)).scalar_one_or_none()


def list_groups(session: Session, active_only: bool = False) -> list[Group]:
    stmt = select(Group).order_by(Group.name)
    if active_only:
        stmt = stmt.where(Group.active.is_(True))
    return list(session.execute(stmt).scalars())


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), _IN_CHUNK):
        yield ids[i : i + _IN_CHUNK]


def _snippets(
    session: Session, ids: Sequence[int]
) -> tuple[dict[int, list[Quote]], dict[int, datetime]]:
    """Flag quotes per notice (strongest first) and when each notice was last flagged."""
    out: dict[int, list[Quote]] = defaultdict(list)
    latest: dict[int, datetime] = {}
    for chunk in _chunks(ids):
        rows = session.execute(
            select(
                Flag.notice_id,
                Flag.category,
                Flag.field,
                Flag.snippet,
                Flag.created_at,
                Flag.term,
                Flag.snippet_start,
                Flag.snippet_end,
            )
            .where(Flag.notice_id.in_(chunk))
            .order_by(Flag.notice_id, Flag.weight.desc(), Flag.id)
        )
        for nid, cat, fld, snip, created, term, start, end in rows:
            out[nid].append(Quote(cat, fld, snip, term or "", start, end))
            if created is not None and (nid not in latest or created > latest[nid]):
                latest[nid] = created
    return out, latest


def _reviews(session: Session, ids: Sequence[int]) -> dict[int, tuple[str, datetime, str]]:
    """notice id -> (latest verdict, when, its public note) for reviewed notices."""
    out: dict[int, tuple[str, datetime, str]] = {}
    for chunk in _chunks(ids):
        rows = session.execute(
            select(
                ReviewHead.notice_id, ReviewHead.verdict, ReviewHead.updated_at, Review.public_note
            )
            .join(Review, Review.id == ReviewHead.review_id)
            .where(ReviewHead.notice_id.in_(chunk))
        )
        for nid, verdict, when, note in rows:
            out[nid] = (verdict, when, note or "")
    return out


_VIEW_COLUMNS = (
    Notice.id,
    Notice.title,
    Notice.kind,
    Notice.source,
    Notice.url,
    Notice.content_hash,
    Notice.buyer_name,
    Notice.departements,
    Notice.commune_insee,
    Notice.categories,
    Notice.score,
    Notice.flagged,
    Notice.published_at,
    Notice.deadline_at,
    Notice.awardees,
    Notice.first_seen_at,
    Notice.estimated_value,
    Notice.currency,
    Notice.cpv_codes,
    Notice.description,
)


def _awardee_names(value: Any) -> tuple[str, ...]:
    names = []
    for a in value or []:
        if isinstance(a, dict):
            # DECP 2022 names no holder: its SIRET stands for the name
            name = a.get("name") or a.get("denomination") or a.get("nom")
            ident = a.get("id")
            names.append(str(name or (f"{a.get('id_type') or 'id'} {ident}" if ident else "")))
        else:
            names.append(str(a))
    return tuple(n for n in names if n)


def _views(session: Session, stmt: Any) -> list[NoticeView]:
    rows = session.execute(stmt).all()
    ids = [r.id for r in rows]
    quotes, flagged_at = _snippets(session, ids)
    reviews = _reviews(session, ids)
    return [
        NoticeView(
            id=r.id,
            title=r.title or "",
            kind=r.kind,
            source=r.source,
            url=r.url or "",
            content_hash=r.content_hash,
            buyer_name=r.buyer_name,
            departements=tuple(str(d) for d in r.departements or ()),
            commune_insee=r.commune_insee,
            categories=tuple(r.categories or ()),
            score=r.score or 0.0,
            flagged=bool(r.flagged),
            published_at=r.published_at,
            deadline_at=r.deadline_at,
            awardees=_awardee_names(r.awardees),
            first_seen_at=r.first_seen_at,
            flagged_at=flagged_at.get(r.id),
            snippets=tuple((q.category, q.field, q.snippet) for q in quotes.get(r.id, ())),
            quotes=tuple(quotes.get(r.id, ())),
            estimated_value=r.estimated_value,
            currency=r.currency,
            cpv_codes=tuple(str(c) for c in r.cpv_codes or ()),
            verdict=reviews[r.id][0] if r.id in reviews else None,
            reviewed_at=reviews[r.id][1] if r.id in reviews else None,
            public_note=reviews[r.id][2] if r.id in reviews else "",
            details=tuple((r.description or "").splitlines()) if r.kind == "authorisation" else (),
        )
        for r in rows
    ]


def candidate_notices(
    session: Session, since: datetime, seen_since: datetime | None = None
) -> list[NoticeView]:
    """The pool every group filters: notices shown to groups (flagged and not rejected, or
    confirmed) first seen, flagged or confirmed at or after ``since`` — and first seen at or
    after ``seen_since`` unless an analyst confirmed them since (so a rescan that re-flags old
    notices does not flood groups with the archive). The notice list's filters select them;
    each group's selection, territory, categories and score are applied to the pool."""
    filters = NoticeFilters(new_or_flagged_since=since, seen_from=seen_since, for_groups=True)
    stmt = notice_select(session, filters, *_VIEW_COLUMNS).order_by(None).order_by(Notice.id)
    return _views(session, stmt)


def notice_views(session: Session, ids: Iterable[int]) -> list[NoticeView]:
    wanted = sorted(set(ids))
    out: list[NoticeView] = []
    for chunk in _chunks(wanted):
        out.extend(_views(session, select(*_VIEW_COLUMNS).where(Notice.id.in_(chunk))))
    return out


def recent_flagged(session: Session, limit: int = 200) -> list[NoticeView]:
    """The latest notices shown to groups (flagged and not rejected, or confirmed), newest
    first seen first (for feeds)."""
    stmt = (
        notice_select(session, NoticeFilters(for_groups=True), *_VIEW_COLUMNS)
        .order_by(None)
        .order_by(Notice.first_seen_at.desc(), Notice.id.desc())
        .limit(limit)
    )
    return _views(session, stmt)


def delivered_by_recipient(session: Session, group_id: int) -> dict[str, dict[int, Delivered]]:
    """recipient -> notice id -> what was delivered (hashes per reason, latest hash)."""
    out: dict[str, dict[int, Delivered]] = defaultdict(dict)
    rows = session.execute(
        select(Delivery.recipient, Delivery.notice_id, Delivery.reason, Delivery.content_hash)
        .where(Delivery.group_id == group_id)
        .order_by(Delivery.sent_at, Delivery.id)
    )
    for recipient, nid, reason, chash in rows:
        d = out[recipient].setdefault(nid, Delivered())
        d.hashes.setdefault(reason, set()).add(chash)
        d.last_hash = chash
    return out


def version_data(
    session: Session, pairs: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], dict[str, Any]]:
    wanted = sorted(set(pairs))
    out: dict[tuple[int, str], dict[str, Any]] = {}
    if not wanted:
        return out
    for i in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[i : i + _IN_CHUNK]
        rows = session.execute(
            select(NoticeVersion.notice_id, NoticeVersion.content_hash, NoticeVersion.data).where(
                tuple_(NoticeVersion.notice_id, NoticeVersion.content_hash).in_(chunk)
            )
        )
        for nid, chash, data in rows:
            out[(nid, chash)] = data or {}
    return out


def amendments_of(
    session: Session, notice_ids: Iterable[int]
) -> dict[int, list[tuple[NoticeView, str]]]:
    """delivered notice id -> the notices linked to it as corrections, cancellations, awards."""
    ids = sorted(set(notice_ids))
    links: list[tuple[int, int, str]] = []
    for chunk in _chunks(ids):
        rows = session.execute(
            select(NoticeLink.target_notice_id, NoticeLink.notice_id, NoticeLink.relation).where(
                NoticeLink.target_notice_id.in_(chunk),
                NoticeLink.relation.in_(AMENDING_RELATIONS),
            )
        )
        links.extend((int(t), int(n), str(r)) for t, n, r in rows if t is not None)
    if not links:
        return {}
    views = {v.id: v for v in notice_views(session, {nid for _, nid, _ in links})}
    out: dict[int, list[tuple[NoticeView, str]]] = defaultdict(list)
    for target, nid, relation in links:
        if nid in views:
            out[target].append((views[nid], relation))
    return out


def failed_jobs_since(session: Session, since: datetime) -> list[JobReport]:
    rows = session.execute(
        select(JobRun)
        .where(JobRun.status.in_(REPORTED_JOB_STATUSES), JobRun.started_at > since)
        .order_by(JobRun.started_at, JobRun.id)
    ).scalars()
    return [JobReport(r.id, r.job, r.status, r.started_at, r.message or "") for r in rows]


def last_sends(session: Session, group_id: int) -> dict[str, datetime]:
    """recipient -> when a digest of this group was last accepted for them."""
    out: dict[str, datetime] = {}
    rows = session.execute(
        select(DigestSend.recipient, DigestSend.sent_at).where(DigestSend.group_id == group_id)
    )
    for recipient, sent_at in rows:
        if recipient not in out or sent_at > out[recipient]:
            out[recipient] = sent_at
    return out


def record_deliveries(
    session: Session,
    group_id: int,
    recipient: str,
    keys: Iterable[tuple[int, str, str]],
    now: datetime,
) -> None:
    """Insert deliveries; one already recorded is left alone (the unique key guards it)."""
    rows = [
        {
            "group_id": group_id,
            "recipient": recipient,
            "notice_id": nid,
            "reason": reason,
            "content_hash": chash,
            "sent_at": now,
        }
        for nid, reason, chash in dict.fromkeys(keys)
    ]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for i in range(0, len(rows), 1000):  # 6 params a row: under SQLite and PostgreSQL caps
        stmt = insert_fn(Delivery).on_conflict_do_nothing(
            index_elements=["group_id", "recipient", "notice_id", "reason", "content_hash"]
        )
        session.execute(stmt, rows[i : i + 1000])


def record_send(
    session: Session,
    group_id: int,
    recipient: str,
    message_id: str,
    entries: int,
    jobs_reported: int,
    now: datetime,
) -> None:
    session.add(
        DigestSend(
            group_id=group_id,
            recipient=recipient,
            sent_at=now,
            message_id=message_id,
            entries=entries,
            jobs_reported=jobs_reported,
        )
    )


def mark_group_done(session: Session, group_id: int, now: datetime) -> None:
    session.execute(update(Group).where(Group.id == group_id).values(last_digest_at=now))
