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
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from db.linking.authorisations import link_authorisations
from db.linking.edges import Linker, published_since
from db.linking.scoring import (
    RELATION_BY_KIND,
    TENDER_KINDS,
    TWIN_WINDOW_DAYS,
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
#: days of TED notices twinned at a time (their BOAMP candidates span TWIN_WINDOW_DAYS more
#: on each side)
_TWIN_SLICE_DAYS = 7


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


def link_declared(session: Session, since: date | None = None, linker: Linker | None = None) -> int:
    """Edges from each notice to the same-source notices its ``related_ids`` name."""
    linker = linker or Linker(session)
    # a notice declaring nothing stores "[]" (the filter keeps a superset: a JSON null is
    # read and declares nothing)
    declaring = linker.window(since, cast(Notice.related_ids, String) != "[]")
    declared = [
        (row, key)
        for row in declaring
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


def _quoted_twins(session: Session, linker: Linker, since: date | None) -> int:
    """Twins that name each other: a TED text quoting a BOAMP id, a BOAMP one quoting OJS."""
    quotes = [
        (notice_id, key, quoted)
        for notice_id, key, (extra_text,) in _window_texts(session, since, "ted", Notice.extra_text)
        for quoted in boamp_quotes(extra_text or "")
    ]
    index = linker.ids_of(("boamp", normalize_source_id(quoted)) for _, _, quoted in quotes)
    added = 0
    for notice_id, ted_key, quoted in quotes:
        key = normalize_source_id(quoted)
        reason = f"TED notice {ted_key} quotes BOAMP notice {quoted}"
        target = ("boamp", key, index.get(("boamp", key)))
        added += linker.add(notice_id, target, "twin", reason, 1.0)
    if not linker.holds("ted"):
        return added  # no TED notice stored: no BOAMP record can quote one
    chunk: list[tuple[int, str, str]] = []
    texts = _window_texts(session, since, "boamp", Notice.extra_text, Notice.raw)
    for notice_id, key, (extra_text, raw) in texts:
        raw_text = json.dumps(raw or "", ensure_ascii=False, default=str)
        chunk.extend((notice_id, key, ref) for ref in ojs_refs(f"{extra_text or ''} {raw_text}"))
        if len(chunk) >= _TEXT_CHUNK:
            added += _twin_quoted_ted(linker, chunk)
            chunk = []
    return added + _twin_quoted_ted(linker, chunk)


def _twin_quoted_ted(linker: Linker, refs: list[tuple[int, str, str]]) -> int:
    """Edges from the TED notices that BOAMP notices quote (OJS numbers) to those notices."""
    index = linker.ids_of(("ted", normalize_source_id(ref)) for _, _, ref in refs)
    added = 0
    for notice_id, key, ref in refs:
        ted_id = index.get(("ted", normalize_source_id(ref)))
        if ted_id is not None:
            reason = f"BOAMP notice {key} quotes TED notice {ref}"
            added += linker.add(ted_id, ("boamp", key, notice_id), "twin", reason, 1.0)
    return added


def _window_texts(
    session: Session, since: date | None, source: str, *columns: Any
) -> Iterator[tuple[int, str, tuple[Any, ...]]]:
    """Each notice of ``source`` in the window with these columns (the texts and raw records
    read whole), a chunk at a time in id order: holding every raw record of a large backfill
    at once cost ~60 KB of memory per notice."""
    last_id = 0
    while True:
        query = (
            select(Notice.id, Notice.source_key, *columns)
            .where(Notice.source == source, Notice.id > last_id, *published_since(since))
            .order_by(Notice.id)
            .limit(_TEXT_CHUNK)
        )
        chunk = session.execute(query).all()
        for notice_id, key, *values in chunk:
            yield notice_id, key, tuple(values)
        if len(chunk) < _TEXT_CHUNK:
            return
        last_id = chunk[-1][0]


def link_twins(session: Session, since: date | None = None, linker: Linker | None = None) -> int:
    """TED ↔ BOAMP: quoted identifiers first, else same département/kind/dates + fuzzy names.

    The TED notices of the window are read ``_TWIN_SLICE_DAYS`` at a time, and the BOAMP
    candidates as the dates advance (each within ``TWIN_WINDOW_DAYS`` of a TED notice of the
    slice, read once): a backfill holds about a month of BOAMP notices, not its whole window."""
    linker = linker or Linker(session)
    added = _quoted_twins(session, linker, since)
    ted_dates = select(func.min(Notice.published_at), func.max(Notice.published_at)).where(
        Notice.source == "ted", *published_since(since)
    )
    first, last = session.execute(ted_dates).one()
    if first is None or last is None:
        return added  # no dated TED notice: nothing to twin by dates
    margin = timedelta(days=TWIN_WINDOW_DAYS)
    pool: list[LinkRow] = []  # BOAMP candidates read so far, in date order
    read_until: date | None = None
    day = first
    while day <= last:
        end = day + timedelta(days=_TWIN_SLICE_DAYS - 1)
        ted = linker.window(since, Notice.source == "ted", Notice.published_at.between(day, end))
        day = end + timedelta(days=1)
        if not ted:
            continue
        lowest = min(r.published for r in ted if r.published) - margin
        read_from = lowest if since is None else max(lowest, since)
        if read_until is not None:
            read_from = max(read_from, read_until + timedelta(days=1))
        read_until = end + margin
        pool = [r for r in pool if r.published and r.published >= lowest]
        pool += linker.rows(
            Notice.source == "boamp",
            Notice.published_at >= read_from,
            Notice.published_at <= read_until,
        )
        added += _twins_by_dates(linker, ted, pool)
    return added


def _twins_by_dates(linker: Linker, ted: list[LinkRow], pool: list[LinkRow]) -> int:
    """Each TED notice without a twin yet → the BOAMP notice of ``pool`` (date order) most
    like it."""
    by_kind: dict[str, list[LinkRow]] = defaultdict(list)
    for row in pool:
        by_kind[row.kind].append(row)
    days_of = {
        kind: [r.published.toordinal() for r in rows if r.published]
        for kind, rows in by_kind.items()
    }
    added = 0
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
    contracts = linker.window(since, Notice.kind == "contract")
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
    deliberations = linker.window(since, Notice.kind == "deliberation")
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
        authorisations=link_authorisations(session, since, linker),
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
