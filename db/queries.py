"""Storing notices and their flags, idempotently and in batches.

A notice is keyed by (source, normalized source id). Storing the same content twice changes
nothing (no write at all); changed content bumps ``version``, keeps the previous version in
``notice_versions`` and replaces the flags. Functions take the session first and never commit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from db.models.base import utcnow
from db.models.documents import Document, NoticeDocument
from db.models.notices import Flag, Notice, NoticeLink, NoticeVersion
from db.upsert import insert_ignore
from vocabulary.decision import Decision
from vocabulary.items import NoticeItem, normalize_source_id

__all__ = [
    "RELATION_BY_KIND",
    "StoreResult",
    "flag_rows",
    "notice_snapshot",
    "replace_flags",
    "upsert_notices",
]

#: how a notice of this kind relates to the notices it names in ``related_ids``
RELATION_BY_KIND = {
    "correction": "corrects",
    "cancellation": "cancels",
    "award": "awards",
    "contract": "contract_of",
    "deliberation": "deliberation_of",
}

_ITEM_COLUMNS = (
    "kind",
    "title",
    "description",
    "buyer_name",
    "buyer_siret",
    "departements",
    "commune_insee",
    "cpv_codes",
    "descriptors",
    "published_at",
    "deadline_at",
    "estimated_value",
    "currency",
    "awardees",
    "lots",
    "related_ids",
    "procedure_key",
    "extra_text",
    "url",
    "raw",
)


@dataclasses.dataclass
class StoreResult:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    reflagged: int = 0


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


def _decision_columns(decision: Decision | None) -> dict[str, Any]:
    if decision is None:
        return {"flagged": False, "score": 0.0, "categories": [], "rules_version": None}
    return {
        "flagged": decision.flagged,
        "score": decision.score,
        "categories": list(decision.categories),
        "rules_version": decision.rules_version,
    }


def flag_rows(
    notice_id: int, decision: Decision | None, document_ids: dict[str, int]
) -> list[dict[str, Any]]:
    """Flag rows for every hit of ``decision`` (document hits resolved to document ids)."""
    if decision is None:
        return []
    now = utcnow()
    return [
        {
            "notice_id": notice_id,
            "document_id": document_ids.get(hit.document) if hit.document else None,
            "page": hit.page,
            "rule_id": hit.rule,
            "rule_version": hit.rule_version,
            "category": hit.category,
            "field": hit.field,
            "snippet": hit.snippet,
            "weight": hit.weight,
            "created_at": now,
        }
        for hit in decision.hits
    ]


def _document_ids(session: Session, items: Iterable[NoticeItem]) -> dict[str, int]:
    shas = {d.sha256 for item in items for d in item.documents if d.sha256}
    if not shas:
        return {}
    rows = session.execute(select(Document.sha256, Document.id).where(Document.sha256.in_(shas)))
    return {sha: doc_id for sha, doc_id in rows}


def replace_flags(
    session: Session, notice_id: int, decision: Decision | None, document_ids: dict[str, int]
) -> None:
    """Replace a notice's flags and decision columns with ``decision``."""
    session.execute(delete(Flag).where(Flag.notice_id == notice_id))
    rows = flag_rows(notice_id, decision, document_ids)
    if rows:
        session.execute(insert(Flag), rows)
    session.execute(
        update(Notice).where(Notice.id == notice_id).values(**_decision_columns(decision))
    )


def _link_rows(notice_id: int, item: NoticeItem) -> list[dict[str, Any]]:
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


def upsert_notices(
    session: Session,
    batch: Sequence[tuple[NoticeItem, Decision | None]],
) -> StoreResult:
    """Store a batch of notices with their decisions; returns what happened to them.

    Unchanged notices cause no write unless the rules changed since they were flagged.
    """
    result = StoreResult()
    if not batch:
        return result
    # the last occurrence of a key in one batch wins (a page may repeat a record)
    latest: dict[tuple[str, str], tuple[NoticeItem, Decision | None]] = {}
    for item, decision in batch:
        latest[(item.source, item.key)] = (item, decision)
    existing: dict[tuple[str, str], tuple[int, str, int, str | None]] = {}
    by_source: dict[str, list[str]] = {}
    for source, key in latest:
        by_source.setdefault(source, []).append(key)
    for source, source_keys in by_source.items():
        keys = source_keys
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            found_rows = session.execute(
                select(
                    Notice.source_key,
                    Notice.id,
                    Notice.content_hash,
                    Notice.version,
                    Notice.rules_version,
                ).where(Notice.source == source, Notice.source_key.in_(chunk))
            )
            for key, notice_id, content_hash, version, rules_version in found_rows:
                existing[(source, key)] = (notice_id, content_hash, version, rules_version)

    document_ids = _document_ids(session, (item for item, _ in latest.values()))
    now = utcnow()
    new_items: list[tuple[NoticeItem, Decision | None, str]] = []
    for (source, key), (item, decision) in latest.items():
        content_hash = item.content_hash()
        found = existing.get((source, key))
        if found is None:
            new_items.append((item, decision, content_hash))
            continue
        notice_id, stored_hash, version, rules_version = found
        if stored_hash == content_hash:
            has_new_documents = any(d.sha256 or d.fetch_error for d in item.documents)
            if has_new_documents:
                _sync_documents(session, notice_id, item, document_ids)
            if decision is not None and (
                decision.rules_version != rules_version or has_new_documents
            ):
                replace_flags(session, notice_id, decision, document_ids)
                result.reflagged += 1
            result.unchanged += 1
            continue
        session.execute(
            update(Notice)
            .where(Notice.id == notice_id)
            .values(
                **_columns(item),
                source_id=item.source_id,
                content_hash=content_hash,
                version=version + 1,
                last_seen_at=now,
                updated_at=now,
            )
        )
        session.add(
            NoticeVersion(
                notice_id=notice_id,
                version=version + 1,
                content_hash=content_hash,
                data=notice_snapshot(item),
                recorded_at=now,
            )
        )
        replace_flags(session, notice_id, decision, document_ids)
        insert_ignore(session, NoticeLink, _link_rows(notice_id, item))
        _sync_documents(session, notice_id, item, document_ids)
        result.changed += 1

    if new_items:
        rows = [
            {
                **_columns(item),
                **_decision_columns(decision),
                "source": item.source,
                "source_key": item.key,
                "source_id": item.source_id,
                "content_hash": content_hash,
                "version": 1,
                "first_seen_at": now,
                "last_seen_at": now,
                "updated_at": now,
            }
            for item, decision, content_hash in new_items
        ]
        inserted = session.execute(
            insert(Notice).returning(Notice.id, Notice.source_key), rows
        ).all()
        ids = {key: notice_id for notice_id, key in inserted}
        versions, flags, links = [], [], []
        for item, decision, content_hash in new_items:
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
        session.execute(insert(NoticeVersion), versions)
        if flags:
            session.execute(insert(Flag), flags)
        insert_ignore(session, NoticeLink, links)
        result.new += len(new_items)
    if result.new or result.changed:
        # links from these notices, and links waiting for them, now point at their rows
        wanted: dict[str, set[str]] = {}
        for item, _decision in latest.values():
            wanted.setdefault(item.source, set()).add(item.key)
            wanted[item.source].update(normalize_source_id(r) for r in item.related_ids)
        for source, wanted_keys in wanted.items():
            _resolve_links(session, source, sorted(wanted_keys))
    return result
