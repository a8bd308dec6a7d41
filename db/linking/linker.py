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

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.linking.authorisations import link_authorisations
from db.linking.edges import Linker
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
from db.models.notices import Notice
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

#: notices whose texts and raw records are read per query when looking for quoted numbers
_TEXT_CHUNK = 500


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


def _rows(linker: Linker, since: date | None, kinds: Iterable[str] | None = None) -> list[LinkRow]:
    """The notices to (re)link: of these kinds, published since ``since`` (or undated)."""
    rows = linker.window(since)
    if kinds is None:
        return rows
    wanted = set(kinds)
    return [r for r in rows if r.kind in wanted]


def link_declared(session: Session, since: date | None = None, linker: Linker | None = None) -> int:
    """Edges from each notice to the same-source notices its ``related_ids`` name."""
    linker = linker or Linker(session)
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
    session: Session, linker: Linker, ted: list[LinkRow], boamp: list[LinkRow]
) -> int:
    """Twins that name each other: a TED text quoting a BOAMP id, a BOAMP one quoting OJS."""
    quotes = [
        (row, quoted)
        for row, (extra_text,) in _with_columns(session, ted, Notice.extra_text)
        for quoted in boamp_quotes(extra_text or "")
    ]
    index = linker.ids_of(("boamp", normalize_source_id(quoted)) for _, quoted in quotes)
    added = 0
    for row, quoted in quotes:
        key = normalize_source_id(quoted)
        reason = f"TED notice {row.key} quotes BOAMP notice {quoted}"
        added += linker.add(row.id, ("boamp", key, index.get(("boamp", key))), "twin", reason, 1.0)
    if not boamp or not linker.holds("ted"):
        return added  # no TED notice stored: no BOAMP record can quote one
    for start in range(0, len(boamp), _TEXT_CHUNK):
        refs = [
            (row, ref)
            for row, (extra_text, raw) in _with_columns(
                session, boamp[start : start + _TEXT_CHUNK], Notice.extra_text, Notice.raw
            )
            for ref in ojs_refs(
                f"{extra_text or ''} {json.dumps(raw or '', ensure_ascii=False, default=str)}"
            )
        ]
        index = linker.ids_of(("ted", normalize_source_id(ref)) for _, ref in refs)
        for row, ref in refs:
            ted_id = index.get(("ted", normalize_source_id(ref)))
            if ted_id is not None:
                reason = f"BOAMP notice {row.key} quotes TED notice {ref}"
                added += linker.add(ted_id, ("boamp", row.key, row.id), "twin", reason, 1.0)
    return added


def _with_columns(
    session: Session, rows: list[LinkRow], *columns: Any
) -> Iterator[tuple[LinkRow, tuple[Any, ...]]]:
    """Each row with these columns of its notice (the texts and raw records a linking pass
    reads whole), read a chunk at a time: holding every raw record of a large backfill at once
    cost ~60 KB of memory per notice, and every notice's extra text ~1 KB."""
    for start in range(0, len(rows), _TEXT_CHUNK):
        chunk = rows[start : start + _TEXT_CHUNK]
        query = select(Notice.id, *columns).where(Notice.id.in_([r.id for r in chunk]))
        values: dict[int, tuple[Any, ...]] = {
            notice_id: tuple(rest) for notice_id, *rest in session.execute(query)
        }
        for row in chunk:
            yield row, values.pop(row.id, (None,) * len(columns))


def link_twins(session: Session, since: date | None = None, linker: Linker | None = None) -> int:
    """TED ↔ BOAMP: quoted identifiers first, else same département/kind/dates + fuzzy names."""
    linker = linker or Linker(session)
    ted = [r for r in _rows(linker, since) if r.source == "ted"]
    boamp = [r for r in _rows(linker, since) if r.source == "boamp"]
    added = _quoted_twins(session, linker, ted, boamp)
    if not ted:
        return added  # the BOAMP candidates below are only read for TED notices
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
    linker: Linker | None = None,
    threshold: float = 0.6,
) -> int:
    """DECP contracts → the tender/award they came from, best candidate only, with a reason."""
    linker = linker or Linker(session)
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
    linker: Linker | None = None,
    threshold: float = 0.55,
) -> int:
    """Council deliberations → the purchase they approve (same SIREN, a year apart at most)."""
    linker = linker or Linker(session)
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
    linker = Linker(session)
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
