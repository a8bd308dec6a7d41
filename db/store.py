"""The write side of notices: storing them with their flags, documents and declared links,
idempotently and in batches.

A notice is keyed by (source, normalized source id). Storing the same content twice changes
nothing (no write at all); changed content bumps ``version``, keeps the previous version in
``notice_versions`` and replaces the flags. Functions take the session first and never commit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from db.chunked import in_chunks
from db.flags import decision_columns, flag_rows, replace_flags
from db.fulltext import notices_indexed_after
from db.linking.scoring import RELATION_BY_KIND
from db.models.base import utcnow
from db.models.documents import Document, NoticeDocument
from db.models.notices import Flag, Notice, NoticeLink, NoticeVersion
from db.upsert import insert_ignore, insert_keyed_rows
from vocabulary.decision import Decision
from vocabulary.items import NoticeItem, normalize_source_id

__all__ = ["StoreResult", "notice_snapshot", "upsert_notices"]

_ITEM_COLUMNS = (
    "kind",
    "title",
    "description",
    "buyer_name",
    "buyer_siret",
    "departements",
    "publication_departements",
    "commune_insee",
    "cpv_codes",
    "descriptors",
    "published_at",
    "deadline_at",
    "estimated_value",
    "estimated_value_low",
    "currency",
    "awardees",
    "lots",
    "related_ids",
    "procedure_key",
    "extra_text",
    "url",
    "raw",
)
# the tables, for Core inserts of a batch's rows (the ORM's bulk path adds per-row bookkeeping)
_NOTICES = cast(Table, Notice.__table__)
_VERSIONS = cast(Table, NoticeVersion.__table__)
_FLAGS = cast(Table, Flag.__table__)

Batch = Sequence[tuple[NoticeItem, Decision | None]]
_Key = tuple[str, str]
_Pending = tuple[NoticeItem, Decision | None, str]


@dataclasses.dataclass
class StoreResult:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    reflagged: int = 0

    def add(self, other: StoreResult) -> None:
        """Count ``other``'s notices in this result too (the parts of one batch)."""
        self.new += other.new
        self.changed += other.changed
        self.unchanged += other.unchanged
        self.reflagged += other.reflagged


class _Stored(NamedTuple):
    """What the database holds of a notice, enough to decide what a new copy changes."""

    id: int
    content_hash: str
    version: int
    rules_version: str | None
    record_digest: str | None


def notice_snapshot(item: NoticeItem) -> dict[str, Any]:
    """The normalized fields of a notice as JSON, for ``notice_versions``."""
    data = {name: getattr(item, name) for name in _ITEM_COLUMNS if name != "raw"}
    data["documents"] = [{"url": d.url, "title": d.title} for d in item.documents]
    return data


def _columns(item: NoticeItem) -> dict[str, Any]:
    """Column values; JSON columns go as they are (``db.session._json_dumps`` cleans them),
    text columns lose NUL characters, which PostgreSQL refuses."""
    values = {name: getattr(item, name) for name in _ITEM_COLUMNS}
    return {
        name: value.replace("\x00", "") if isinstance(value, str) else value
        for name, value in values.items()
    }


def _document_ids(session: Session, items: Iterable[NoticeItem]) -> dict[str, int]:
    shas = {d.sha256 for item in items for d in item.documents if d.sha256}
    if not shas:
        return {}
    rows = session.execute(select(Document.sha256, Document.id).where(Document.sha256.in_(shas)))
    return {sha: doc_id for sha, doc_id in rows}


def _link_rows(notice_id: int, item: NoticeItem) -> list[dict[str, Any]]:
    """The links a notice declares itself (``related_ids``), resolved later if need be."""
    relation = RELATION_BY_KIND.get(item.kind, "related")
    return [
        {
            "notice_id": notice_id,
            "target_source": item.source,
            "target_key": normalize_source_id(related),
            "relation": relation,
            "reason": f"{item.source} names {related} as the notice it {relation.replace('_', ' ')}",
            "confidence": 1.0,
            "created_at": utcnow(),
        }
        for related in item.related_ids
        if normalize_source_id(related) != item.key
    ]


def _document_link_rows(
    notice_id: int, item: NoticeItem, document_ids: dict[str, int]
) -> list[dict[str, Any]]:
    return [
        {
            "notice_id": notice_id,
            "url": ref.url,
            "title": ref.title,
            "document_id": document_ids.get(ref.sha256) if ref.sha256 else None,
            "fetch_status": ref.status if ref.sha256 or ref.fetch_error else "pending",
            "fetch_error": ref.fetch_error,
            "fetched_at": utcnow() if ref.sha256 else None,
        }
        for ref in item.documents
    ]


def _sync_documents(
    session: Session, notice_id: int, item: NoticeItem, document_ids: dict[str, int]
) -> None:
    """Add the notice's document links; record how fetching each went when it was tried."""
    rows = _document_link_rows(notice_id, item, document_ids)
    if not rows:
        return
    insert_ignore(session, NoticeDocument, rows)
    for row in rows:
        if row["document_id"] is None and row["fetch_error"] is None:
            continue
        session.execute(
            update(NoticeDocument)
            .where(NoticeDocument.notice_id == notice_id, NoticeDocument.url == row["url"])
            .values(
                document_id=row["document_id"],
                fetch_status=row["fetch_status"],
                fetch_error=row["fetch_error"],
                fetched_at=row["fetched_at"],
            )
        )


def _resolve_links(session: Session, source: str, keys: Sequence[str]) -> None:
    """Point links that were waiting for these notices at their rows."""
    if not keys:
        return
    targets = dict(
        session.execute(
            select(Notice.source_key, Notice.id).where(
                Notice.source == source, Notice.source_key.in_(keys)
            )
        ).all()
    )
    if not targets:
        return
    waiting = session.execute(
        select(NoticeLink.id, NoticeLink.target_key).where(
            NoticeLink.target_source == source,
            NoticeLink.target_key.in_(list(targets)),
            NoticeLink.target_notice_id.is_(None),
        )
    ).all()
    if waiting:
        session.execute(
            update(NoticeLink),
            [{"id": link_id, "target_notice_id": targets[key]} for link_id, key in waiting],
        )


def _last_of_each_key(batch: Batch) -> dict[_Key, tuple[NoticeItem, Decision | None]]:
    """The batch keyed by (source, key); the last occurrence wins (a page may repeat one)."""
    return {(item.source, item.key): (item, decision) for item, decision in batch}


def _stored_state(session: Session, keys: Iterable[_Key]) -> dict[_Key, _Stored]:
    by_source: dict[str, list[str]] = {}
    for source, key in keys:
        by_source.setdefault(source, []).append(key)
    stored: dict[_Key, _Stored] = {}
    for source, source_keys in by_source.items():
        for chunk in in_chunks(source_keys):
            rows = session.execute(
                select(
                    Notice.source_key,
                    Notice.id,
                    Notice.content_hash,
                    Notice.version,
                    Notice.rules_version,
                    Notice.record_digest,
                ).where(
                    Notice.source == source,
                    Notice.source_key.in_(chunk),
                )
            )
            for key, notice_id, content_hash, version, rules_version, digest in rows:
                stored[(source, key)] = _Stored(
                    notice_id, content_hash, version, rules_version, digest
                )
    return stored


def _refresh_unchanged(
    session: Session,
    stored: _Stored,
    item: NoticeItem,
    decision: Decision | None,
    document_ids: dict[str, int],
) -> bool:
    """Same content: record newly fetched documents, and re-flag when the rules or the
    documents changed. True when the flags were replaced."""
    has_new_documents = any(d.sha256 or d.fetch_error for d in item.documents)
    if has_new_documents:
        _sync_documents(session, stored.id, item, document_ids)
    if decision is None or (
        decision.rules_version == stored.rules_version and not has_new_documents
    ):
        return False
    replace_flags(session, stored.id, decision, document_ids)
    return True


def _store_new_version(
    session: Session,
    stored: _Stored,
    pending: _Pending,
    document_ids: dict[str, int],
    now: datetime,
) -> None:
    """Changed content: the row takes the new fields, the version is kept, flags replaced."""
    item, decision, content_hash = pending
    version = stored.version + 1
    session.execute(
        update(Notice)
        .where(Notice.id == stored.id)
        .values(
            **_columns(item),
            source_id=item.source_id,
            content_hash=content_hash,
            record_digest=item.record_digest,
            version=version,
            last_seen_at=now,
            updated_at=now,
        )
    )
    session.add(
        NoticeVersion(
            notice_id=stored.id,
            version=version,
            content_hash=content_hash,
            data=notice_snapshot(item),
            recorded_at=now,
        )
    )
    replace_flags(session, stored.id, decision, document_ids)
    insert_ignore(session, NoticeLink, _link_rows(stored.id, item))
    _sync_documents(session, stored.id, item, document_ids)


def _new_notice_row(pending: _Pending, now: datetime) -> dict[str, Any]:
    item, decision, content_hash = pending
    return {
        **_columns(item),
        **decision_columns(decision),
        "source": item.source,
        "source_key": item.key,
        "source_id": item.source_id,
        "content_hash": content_hash,
        "record_digest": item.record_digest,
        "version": 1,
        "first_seen_at": now,
        "last_seen_at": now,
        "updated_at": now,
    }


def _insert_new(
    session: Session, new: list[_Pending], document_ids: dict[str, int], now: datetime
) -> None:
    """New notices in one INSERT, then their first version, flags, links and documents; the
    batch is indexed for search in one statement after it (``db.fulltext``)."""
    rows = [_new_notice_row(pending, now) for pending in new]
    ids: dict[str, int] = {}
    with notices_indexed_after(session.connection(), ids.values):
        ids.update(insert_keyed_rows(session, _NOTICES, rows))
    versions, flags, links = [], [], []
    for item, decision, content_hash in new:
        notice_id = ids[item.key]
        versions.append(
            {
                "notice_id": notice_id,
                "version": 1,
                "content_hash": content_hash,
                "data": notice_snapshot(item),
                "recorded_at": now,
            }
        )
        flags.extend(flag_rows(notice_id, decision, document_ids))
        links.extend(_link_rows(notice_id, item))
        _sync_documents(session, notice_id, item, document_ids)
    session.execute(insert(_VERSIONS), versions)
    if flags:
        session.execute(insert(_FLAGS), flags)
    insert_ignore(session, NoticeLink, links)


def _resolve_links_of(session: Session, items: Iterable[NoticeItem]) -> None:
    """Links from these notices, and links waiting for them, now point at their rows."""
    wanted: dict[str, set[str]] = {}
    for item in items:
        wanted.setdefault(item.source, set()).add(item.key)
        wanted[item.source].update(normalize_source_id(r) for r in item.related_ids)
    for source, keys in wanted.items():
        _resolve_links(session, source, sorted(keys))


def upsert_notices(session: Session, batch: Batch) -> StoreResult:
    """Store a batch of notices with their decisions; returns what happened to them.

    Unchanged notices cause no write unless the rules changed since they were flagged.
    """
    result = StoreResult()
    if not batch:
        return result
    latest = _last_of_each_key(batch)
    stored = _stored_state(session, latest)
    document_ids = _document_ids(session, (item for item, _ in latest.values()))
    now = utcnow()
    new: list[_Pending] = []
    digests: list[dict[str, Any]] = []
    for key, (item, decision) in latest.items():
        pending = (item, decision, item.content_hash())
        found = stored.get(key)
        if found is None:
            new.append(pending)
        elif found.content_hash == pending[2]:
            result.reflagged += _refresh_unchanged(session, found, item, decision, document_ids)
            result.unchanged += 1
            if item.record_digest and item.record_digest != found.record_digest:
                digests.append({"notice_id": found.id, "digest": item.record_digest})
        else:
            _store_new_version(session, found, pending, document_ids, now)
            result.changed += 1
    if digests:  # same notice from a record read anew (another parser, rules or payload)
        session.execute(
            update(_NOTICES)
            .where(_NOTICES.c.id == bindparam("notice_id"))
            .values(record_digest=bindparam("digest")),
            digests,
        )
    if new:
        _insert_new(session, new, document_ids, now)
        result.new += len(new)
    if result.new or result.changed:
        _resolve_links_of(session, (item for item, _ in latest.values()))
    return result
