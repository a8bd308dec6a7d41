"""The OCDS export: the notices of a :class:`~db.notice_list.NoticeFilters` selection as one
OCDS 1.1 release package, streamed (``veilleur export --format ocds`` and the desk's
``/export.ocds`` write the same chunks).

A contracting process is a purchase's story: notices joined by links that say they are one
purchase (corrects, cancels, awards, contract_of, and TED/BOAMP twins found with confidence at
least :data:`SAME_PROCESS_CONFIDENCE`). Its ocid ends with ``source:key`` of the story's first
stored notice. When two stories are joined later, the later one's ocid stops being used.

ocid prefix: only the publisher that registered a prefix with the Open Contracting Partnership
may mint ocids with it (OCDS, "Identifiers"). ``VEILLEUR_OCID_PREFIX`` names the operator's
registered prefix; without it, ocids start with :data:`UNREGISTERED_PREFIX`, which carries no
``ocds-`` issuer and so cannot collide with a registered one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from db.models.documents import NoticeDocument
from db.models.notices import Notice, NoticeLink
from db.models.picture import PriceLine
from db.notice_list import NoticeFilters, iter_notices
from db.ocds_map import NoticeData, release_for
from vocabulary.errors import FilterError

__all__ = [
    "SAME_PROCESS_CONFIDENCE",
    "UNREGISTERED_PREFIX",
    "ocds_chunks",
    "ocid_prefix",
    "package_header",
    "releases",
]

UNREGISTERED_PREFIX = "veilleur-local"
SAME_PROCESS_CONFIDENCE = 0.9
_PROCESS_RELATIONS = ("corrects", "cancels", "awards", "contract_of", "twin")
_BATCH = 500
_STORY_ROUNDS = 6


def ocid_prefix(env: Mapping[str, str] | None = None) -> tuple[str, bool]:
    """(prefix, registered): ``VEILLEUR_OCID_PREFIX`` when set, else the unregistered one."""
    env = os.environ if env is None else env
    value = (env.get("VEILLEUR_OCID_PREFIX") or "").strip()
    return (value, True) if value else (UNREGISTERED_PREFIX, False)


def package_header(uri: str, publisher: str, published: datetime) -> dict[str, Any]:
    return {
        "uri": uri,
        "version": "1.1",
        "publishedDate": published.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "publisher": {"name": publisher},
    }


def _story_roots(session: Session, ids: Sequence[int]) -> dict[int, int]:
    """notice id -> the smallest notice id of its story (links followed both ways)."""
    edges: dict[int, set[int]] = {i: set() for i in ids}
    frontier = set(ids)
    for _ in range(_STORY_ROUNDS):
        if not frontier:
            break
        batch = sorted(frontier)
        rows = session.execute(
            select(NoticeLink.notice_id, NoticeLink.target_notice_id).where(
                NoticeLink.relation.in_(_PROCESS_RELATIONS),
                NoticeLink.confidence >= SAME_PROCESS_CONFIDENCE,
                NoticeLink.target_notice_id.is_not(None),
                or_(NoticeLink.notice_id.in_(batch), NoticeLink.target_notice_id.in_(batch)),
            )
        )
        frontier = set()
        for a, b in rows:
            if a is None or b is None:
                continue
            for x, y in ((int(a), int(b)), (int(b), int(a))):
                if x not in edges:
                    edges[x] = set()
                    frontier.add(x)
                edges[x].add(y)
    roots: dict[int, int] = {}
    for start in ids:
        seen, todo = {start}, [start]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        roots[start] = min(seen)
    return roots


def _documents(session: Session, ids: Sequence[int]) -> dict[int, list[tuple[str, str | None]]]:
    out: dict[int, list[tuple[str, str | None]]] = {}
    for nid, url, title in session.execute(
        select(NoticeDocument.notice_id, NoticeDocument.url, NoticeDocument.title)
        .where(NoticeDocument.notice_id.in_(ids))
        .order_by(NoticeDocument.id)
    ):
        out.setdefault(nid, []).append((url, title))
    return out


def _price_lines(session: Session, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    rows = session.execute(
        select(NoticeDocument.notice_id, PriceLine)
        .join(PriceLine, PriceLine.document_id == NoticeDocument.document_id)
        .where(NoticeDocument.notice_id.in_(ids))
        .order_by(PriceLine.document_id, PriceLine.page, PriceLine.row)
    )
    for nid, line in rows:
        out.setdefault(nid, []).append(
            {
                "designation": line.designation,
                "unit": line.unit,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
            }
        )
    return out


def _data(notice: Notice, docs: list[Any], lines: list[Any]) -> NoticeData:
    raw = notice.raw if isinstance(notice.raw, dict) else {}
    mods = raw.get("modifications")
    return NoticeData(
        id=notice.id, source=notice.source, source_key=notice.source_key,
        version=notice.version, kind=notice.kind, title=notice.title or "",
        description=notice.description or "", url=notice.url or "",
        buyer_name=notice.buyer_name, buyer_siret=notice.buyer_siret,
        published_at=notice.published_at, first_seen_at=notice.first_seen_at,
        deadline_at=notice.deadline_at, estimated_value=notice.estimated_value,
        currency=notice.currency, cpv_codes=list(notice.cpv_codes or []),
        awardees=list(notice.awardees or []), modifications=mods if isinstance(mods, list) else [],
        documents=docs, price_lines=lines,
    )  # fmt: skip


def releases(session: Session, notice_ids: Iterable[int], prefix: str) -> Iterator[dict[str, Any]]:
    """The release of each notice of ``notice_ids``, in batches."""
    ids = list(notice_ids)
    for i in range(0, len(ids), _BATCH):
        batch = ids[i : i + _BATCH]
        roots = _story_roots(session, batch)
        keys = dict(
            session.execute(
                select(Notice.id, Notice.source + ":" + Notice.source_key).where(
                    Notice.id.in_(set(roots.values()))
                )
            ).all()
        )
        docs, lines = _documents(session, batch), _price_lines(session, batch)
        notices = {n.id: n for n in session.scalars(select(Notice).where(Notice.id.in_(batch)))}
        for nid in batch:
            notice = notices[nid]
            ocid = f"{prefix}-{keys[roots[nid]]}"
            yield release_for(_data(notice, docs.get(nid, []), lines.get(nid, [])), ocid)
        session.expunge_all()


def ocds_chunks(
    session: Session,
    filters: NoticeFilters,
    *,
    uri: str,
    publisher: str = "Veilleur",
    prefix: str | None = None,
    published: datetime | None = None,
) -> Iterator[str]:
    """The release package of the selection, as text chunks; an empty selection raises
    :class:`~vocabulary.errors.FilterError` before anything is written (a package needs at
    least one release)."""
    ids = (row["id"] for row in iter_notices(session, filters))
    first = next(ids, None)
    if first is None:
        raise FilterError("no notice matches: an OCDS package needs at least one release")
    header = package_header(uri, publisher, published or datetime.now(UTC))
    yield json.dumps(header, ensure_ascii=False)[:-1] + ', "releases": [\n'
    pending = [first]
    sep = ""
    for nid in ids:
        pending.append(nid)
        if len(pending) >= _BATCH:
            for release in releases(session, pending, prefix or ocid_prefix()[0]):
                yield sep + json.dumps(release, ensure_ascii=False)
                sep = ",\n"
            pending = []
    for release in releases(session, pending, prefix or ocid_prefix()[0]):
        yield sep + json.dumps(release, ensure_ascii=False)
        sep = ",\n"
    yield "\n]}\n"
