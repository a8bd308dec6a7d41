"""The database walk of linking: read every notice's linking fields once, add edges to
``notice_links`` idempotently, each with a relation, a reason and a confidence.

1. :func:`link_declared` — what a notice itself declares (``related_ids``): corrections,
   cancellations, awards and modifications point at the notice they concern (confidence 1).
2. :func:`link_twins` — a TED notice and its BOAMP twin: the TED text quotes the BOAMP id
   (or the BOAMP text quotes the OJS number), else same département, kind, close dates and
   near-identical buyer and title.
3. :func:`link_contracts` — a DECP contract to the tender or award it came from: identifiers
   first (the contract number of an award), then buyer SIREN + CPV + dates + title similarity.
4. :func:`link_deliberations` — a council deliberation to the purchase it approves: same
   SIREN, dates within a year, title similarity.
5. :func:`~db.linking.authorisations.link_authorisations` — a prefectoral authorisation to the
   purchases of the commune it concerns.

:func:`link_all` runs the five. The judgements themselves are in :mod:`db.linking.scoring`.
Session first, never commits (the caller owns the transaction).
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from db.chunked import in_chunks
from db.linking.authorisations import link_authorisations
from db.linking.scoring import (
    RELATION_BY_KIND,
    TENDER_KINDS,
    LinkRow,
    TenderIndex,
    best_contract,
    best_deliberation,
    best_twin,
    boamp_quotes,
    ojs_refs,
    siren,
)
from db.models.notices import Notice, NoticeLink
from vocabulary.items import normalize_source_id

__all__ = [
    "LinkStats",
    "link_all",
    "link_contracts",
    "link_declared",
    "link_deliberations",
    "link_twins",
]

log = logging.getLogger(__name__)

#: raw records read per query when looking for quoted TED numbers
_RAW_CHUNK = 500


@dataclass
class LinkStats:
    """How many edges each step added (or refreshed)."""

    declared: int = 0
    twins: int = 0
    contracts: int = 0
    deliberations: int = 0
    authorisations: int = 0
    details: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return (
            self.declared + self.twins + self.contracts + self.deliberations + self.authorisations
        )


_LINK_FIELDS = (
    Notice.id,
    Notice.source,
    Notice.source_key,
    Notice.kind,
    Notice.title,
    Notice.buyer_name,
    Notice.buyer_siret,
    Notice.cpv_codes,
    Notice.published_at,
    Notice.related_ids,
    Notice.extra_text,
    Notice.procedure_key,
    Notice.awardees,
    Notice.departements,
)


def _load_rows(session: Session, *where: ColumnElement[bool]) -> list[LinkRow]:
    return [
        LinkRow(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4] or "",
            r[5] or "",
            r[6] or "",
            list(r[7] or []),
            r[8],
            list(r[9] or []),
            r[10] or "",
            r[11] or "",
            list(r[12] or []),
            list(r[13] or []),
        )
        for r in session.execute(select(*_LINK_FIELDS).where(*where))
    ]


class _Linker:
    """Adds or refreshes edges, remembering the existing ones to stay idempotent and fast.

    It reads only what a linking pass needs: the notices published in the window being
    linked, with their existing edges; the purchases of every date only when the window holds
    a contract or a deliberation to match against them; and the notices a window's notice
    names, by key. A night's crawl into a store of years thus reads its own days, not every
    stored notice (which cost ~35 µs a stored notice, at every crawl that wrote)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.existing: dict[tuple[int, str, str, str], NoticeLink] = {}
        self.relations: set[tuple[int, str]] = set()
        self._links_read: set[int] = set()
        self._all_links_read = False
        self._windows: dict[date | None, list[LinkRow]] = {}
        self._purchases: dict[tuple[str, ...], list[LinkRow]] = {}

    def window(self, since: date | None) -> list[LinkRow]:
        """The notices published since ``since`` (or undated; every notice when None), with
        their existing edges, read once per linking pass."""
        if since not in self._windows:
            if since is None:
                rows = _load_rows(self.session)
                self._read_all_links()
            else:
                published = Notice.published_at
                rows = _load_rows(self.session, or_(published >= since, published.is_(None)))
                self._read_links([r.id for r in rows])
            self._windows[since] = rows
        return self._windows[since]

    def purchases(self, kinds: tuple[str, ...]) -> list[LinkRow]:
        """The notices of these kinds, of every date."""
        if kinds not in self._purchases:
            everything = self._windows.get(None)
            if everything is not None:
                self._purchases[kinds] = [r for r in everything if r.kind in kinds]
            else:
                self._purchases[kinds] = _load_rows(self.session, Notice.kind.in_(kinds))
        return self._purchases[kinds]

    def ids_of(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """The stored notice of each (source, key) there is one for."""
        by_source: dict[str, set[str]] = defaultdict(set)
        for source, key in keys:
            by_source[source].add(key)
        found: dict[tuple[str, str], int] = {}
        for source, wanted in by_source.items():
            for chunk in in_chunks(sorted(wanted)):
                query = select(Notice.source_key, Notice.id).where(
                    Notice.source == source, Notice.source_key.in_(chunk)
                )
                found.update(
                    ((source, key), notice_id) for key, notice_id in self.session.execute(query)
                )
        return found

    def holds(self, source: str) -> bool:
        """Whether any notice of ``source`` is stored."""
        query = select(Notice.id).where(Notice.source == source).limit(1)
        return self.session.execute(query).first() is not None

    def _read_all_links(self) -> None:
        if not self._all_links_read:
            self._remember(self.session.scalars(select(NoticeLink)))
            self._all_links_read = True

    def _read_links(self, notice_ids: Iterable[int]) -> None:
        if self._all_links_read:
            return
        todo = sorted(set(notice_ids) - self._links_read)
        self._links_read.update(todo)
        for chunk in in_chunks(todo):
            self._remember(
                self.session.scalars(select(NoticeLink).where(NoticeLink.notice_id.in_(chunk)))
            )

    def _remember(self, links: Iterable[NoticeLink]) -> None:
        for link in links:
            key = (link.notice_id, link.target_source, link.target_key, link.relation)
            self.existing.setdefault(key, link)
            self.relations.add((link.notice_id, link.relation))

    def add(
        self,
        row_id: int,
        target: tuple[str, str, int | None],
        relation: str,
        reason: str,
        confidence: float,
    ) -> bool:
        """Add the edge ``row_id`` → ``target`` (source, key, row id if stored), or refresh
        its target row and, when more confident, its reason. True when something changed."""
        target_source, target_key, target_id = target
        self._read_links((row_id,))  # a quoted TED twin may lie outside the window
        key = (row_id, target_source, target_key, relation)
        link = self.existing.get(key)
        if link is not None:
            changed = link.target_notice_id != target_id and target_id is not None
            if changed:
                link.target_notice_id = target_id
            if round(confidence, 3) > (link.confidence or 0):
                link.reason, link.confidence, changed = reason, round(confidence, 3), True
            return changed
        link = NoticeLink(
            notice_id=row_id,
            target_source=target_source,
            target_key=target_key,
            target_notice_id=target_id,
            relation=relation,
            reason=reason,
            confidence=round(confidence, 3),
        )
        self.session.add(link)
        self.existing[key] = link
        self.relations.add((row_id, relation))
        return True

    def has(self, row_id: int, relation: str) -> bool:
        self._read_links((row_id,))
        return (row_id, relation) in self.relations


def _rows(linker: _Linker, since: date | None, kinds: Iterable[str] | None = None) -> list[LinkRow]:
    """The notices to (re)link: of these kinds, published since ``since`` (or undated)."""
    rows = linker.window(since)
    if kinds is None:
        return rows
    wanted = set(kinds)
    return [r for r in rows if r.kind in wanted]


def link_declared(
    session: Session, since: date | None = None, linker: _Linker | None = None
) -> int:
    """Edges from each notice to the same-source notices its ``related_ids`` name."""
    linker = linker or _Linker(session)
    declared = [
        (row, key)
        for row in _rows(linker, since)
        for key in dict.fromkeys(normalize_source_id(str(rid)) for rid in row.related)
        if key != row.key
    ]
    index = linker.ids_of((row.source, key) for row, key in declared)
    added = 0
    for row, key in declared:
        relation = RELATION_BY_KIND.get(row.kind, "related")
        reason = f"{row.source} notice {row.key} declares it concerns {key}"
        target = (row.source, key, index.get((row.source, key)))
        added += linker.add(row.id, target, relation, reason, 1.0)
    return added


def _quoted_twins(
    session: Session, linker: _Linker, ted: list[LinkRow], boamp: list[LinkRow]
) -> int:
    """Twins that name each other: a TED text quoting a BOAMP id, a BOAMP one quoting OJS."""
    quotes = [(row, quoted) for row in ted for quoted in boamp_quotes(row.text)]
    index = linker.ids_of(("boamp", normalize_source_id(quoted)) for _, quoted in quotes)
    added = 0
    for row, quoted in quotes:
        key = normalize_source_id(quoted)
        reason = f"TED notice {row.key} quotes BOAMP notice {quoted}"
        added += linker.add(row.id, ("boamp", key, index.get(("boamp", key))), "twin", reason, 1.0)
    if not boamp or not linker.holds("ted"):
        return added  # no TED notice stored: no BOAMP record can quote one
    for start in range(0, len(boamp), _RAW_CHUNK):
        refs = [
            (row, ref)
            for row, raw in _with_raw(session, boamp[start : start + _RAW_CHUNK])
            for ref in ojs_refs(f"{row.text} {raw}")
        ]
        index = linker.ids_of(("ted", normalize_source_id(ref)) for _, ref in refs)
        for row, ref in refs:
            ted_id = index.get(("ted", normalize_source_id(ref)))
            if ted_id is not None:
                reason = f"BOAMP notice {row.key} quotes TED notice {ref}"
                added += linker.add(ted_id, ("boamp", row.key, row.id), "twin", reason, 1.0)
    return added


def _with_raw(session: Session, rows: list[LinkRow]) -> Iterator[tuple[LinkRow, str]]:
    """Each row with its raw record as JSON text, read a chunk at a time: holding every raw
    record of a large backfill at once cost ~60 KB of memory per notice."""
    for start in range(0, len(rows), _RAW_CHUNK):
        chunk = rows[start : start + _RAW_CHUNK]
        raws: dict[int, Any] = dict(
            session.execute(
                select(Notice.id, Notice.raw).where(Notice.id.in_([r.id for r in chunk]))
            ).all()
        )
        for row in chunk:
            yield row, json.dumps(raws.pop(row.id, ""), ensure_ascii=False, default=str)


def link_twins(session: Session, since: date | None = None, linker: _Linker | None = None) -> int:
    """TED ↔ BOAMP: quoted identifiers first, else same département/kind/dates + fuzzy names."""
    linker = linker or _Linker(session)
    ted = [r for r in _rows(linker, since) if r.source == "ted"]
    boamp = [r for r in _rows(linker, since) if r.source == "boamp"]
    added = _quoted_twins(session, linker, ted, boamp)
    by_kind: dict[str, list[LinkRow]] = defaultdict(list)
    for row in sorted((r for r in boamp if r.published), key=lambda r: r.published or date.min):
        by_kind[row.kind].append(row)
    days_of = {
        kind: [r.published.toordinal() for r in rows if r.published]
        for kind, rows in by_kind.items()
    }
    for row in ted:
        if linker.has(row.id, "twin"):
            continue
        found = best_twin(row, by_kind.get(row.kind, []), days_of.get(row.kind, []))
        if found is not None:
            confidence, cand, reason = found
            added += linker.add(row.id, ("boamp", cand.key, cand.id), "twin", reason, confidence)
    return added


def link_contracts(
    session: Session,
    since: date | None = None,
    linker: _Linker | None = None,
    threshold: float = 0.6,
) -> int:
    """DECP contracts → the tender/award they came from, best candidate only, with a reason."""
    linker = linker or _Linker(session)
    contracts = _rows(linker, since, ["contract"])
    if not contracts:
        return 0
    tenders = TenderIndex.of(linker.purchases(TENDER_KINDS))
    added = 0
    for contract in contracts:
        found = best_contract(contract, tenders, threshold)
        if found is not None:
            score, cand, why = found
            target = (cand.source, cand.key, cand.id)
            added += linker.add(contract.id, target, "contract_of", why, score)
    return added


def link_deliberations(
    session: Session,
    since: date | None = None,
    linker: _Linker | None = None,
    threshold: float = 0.55,
) -> int:
    """Council deliberations → the purchase they approve (same SIREN, a year apart at most)."""
    linker = linker or _Linker(session)
    deliberations = _rows(linker, since, ["deliberation"])
    if not deliberations:
        return 0
    by_siren: dict[str, list[LinkRow]] = defaultdict(list)
    for row in linker.purchases((*TENDER_KINDS, "contract")):
        if siren(row.siret):
            by_siren[siren(row.siret)].append(row)
    added = 0
    for delib in deliberations:
        found = best_deliberation(delib, by_siren.get(siren(delib.siret), []), threshold)
        if found is not None:
            confidence, cand, reason = found
            target = (cand.source, cand.key, cand.id)
            added += linker.add(delib.id, target, "deliberation_of", reason, confidence)
    return added


def link_all(session: Session, since: date | None = None) -> LinkStats:
    """Run every linking step; ``since`` limits the notices whose links are (re)computed."""
    linker = _Linker(session)
    stats = LinkStats(
        declared=link_declared(session, since, linker),
        twins=link_twins(session, since, linker),
        contracts=link_contracts(session, since, linker),
        deliberations=link_deliberations(session, since, linker),
        authorisations=link_authorisations(session, _rows(linker, since), linker),
    )
    session.flush()
    log.info(
        "linking done declared=%d twins=%d contracts=%d deliberations=%d",
        stats.declared,
        stats.twins,
        stats.contracts,
        stats.deliberations,
    )
    return stats
