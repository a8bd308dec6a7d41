"""One story per purchase: link notices of all sources into ``notice_links`` with a reason.

Analysts ask "who won, for how much, what exactly was bought"; the answer is spread over a
tender, its corrections, its award, its TED twin, the DECP contract and the council
deliberation. Each ``link_*`` function adds edges, idempotently, each with a ``relation``, a
human-readable ``reason`` and a ``confidence``:

1. :func:`link_declared` — what a notice itself declares (``related_ids``): corrections,
   cancellations, awards and modifications point at the notice they concern (confidence 1).
2. :func:`link_twins` — a TED notice and its BOAMP twin: the TED text quotes the BOAMP id
   (or the BOAMP text quotes the OJS number), else same département, kind, close dates and
   near-identical buyer and title (rapidfuzz).
3. :func:`link_contracts` — a DECP contract to the tender or award it came from: identifiers
   first (the contract number of an award), then buyer SIREN + CPV + dates + title similarity.
4. :func:`link_deliberations` — a council deliberation to the purchase it approves: same
   SIREN, dates within a year, title similarity.

:func:`link_all` runs the four; :func:`story` walks the edges for ``veilleur show``.
Session first, never commits (the caller owns the transaction).
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from db.models.notices import Notice, NoticeLink
from db.queries import RELATION_BY_KIND
from vocabulary.items import normalize_source_id

__all__ = [
    "LinkStats",
    "link_all",
    "link_contracts",
    "link_declared",
    "link_deliberations",
    "link_twins",
    "story",
]

log = logging.getLogger(__name__)

TENDER_KINDS = ("tender", "award", "prior_information")
_OJS = re.compile(r"(20\d\d)\s*/\s*S\s*\d{1,3}\s*-\s*(\d{3,7})")
_BOAMP_QUOTE = re.compile(r"BOAMP (\d{2}-\d{5,6})")
_LEGAL = re.compile(r"\b(ville|commune|mairie|de|du|la|le|les|des|d|l)\b")


@dataclass
class LinkStats:
    """How many edges each step added (or refreshed)."""

    declared: int = 0
    twins: int = 0
    contracts: int = 0
    deliberations: int = 0
    details: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.declared + self.twins + self.contracts + self.deliberations


@dataclass(slots=True)
class _Row:
    id: int
    source: str
    key: str
    kind: str
    title: str
    buyer: str
    siret: str
    cpv: list[str]
    published: date | None
    related: list[str]
    text: str
    procedure_key: str
    awardees: list[dict[str, Any]]
    departements: list[str]


def _fold(text: str | None) -> str:
    """Lower case, no accents, no punctuation: what two spellings of one name share."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(
        ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch)
    )
    return " ".join(plain.split())


_STOP = frozenset(
    [
        "les",
        "des",
        "une",
        "aux",
        "pour",
        "par",
        "sur",
        "dans",
        "avec",
        "sans",
        "leur",
        "ses",
        "son",
        "entre",
        "vers",
        "chez",
        "est",
        "sont",
        "du",
        "de",
        "la",
        "le",
        "et",
        "en",
        "un",
        "au",
        "ou",
        "d",
        "l",
        "a",
        "marche",
        "marches",
        "lot",
        "lots",
        "accord",
        "cadre",
        "prestations",
        "prestation",
        "fourniture",
        "fournitures",
        "travaux",
        "service",
        "services",
        "commune",
        "ville",
    ]
)


@lru_cache(maxsize=200_000)
def _content(text: str | None) -> str:
    """The words that say what is bought (no stop words, no procurement boilerplate)."""
    return " ".join(w for w in _fold(text).split() if len(w) > 2 and w not in _STOP)


def _title_similarity(a: str, b: str) -> float:
    ca, cb = _content(a), _content(b)
    if not ca or not cb:
        return 0.0
    return fuzz.token_sort_ratio(ca, cb) / 200 + fuzz.token_set_ratio(ca, cb) / 200


@lru_cache(maxsize=100_000)
def _buyer_key(name: str | None) -> str:
    return " ".join(_LEGAL.sub(" ", _fold(name)).split())


def _load_rows(session: Session) -> list[_Row]:
    query = select(
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
    return [
        _Row(
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
        for r in session.execute(query)
    ]


class _Linker:
    """Adds or refreshes edges, remembering the existing ones to stay idempotent and fast."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.existing: dict[tuple[int, str, str, str], NoticeLink] = {
            (link.notice_id, link.target_source, link.target_key, link.relation): link
            for link in session.scalars(select(NoticeLink))
        }
        self.relations = {(k[0], k[3]) for k in self.existing}
        self._rows: list[_Row] | None = None

    def rows(self) -> list[_Row]:
        """Every stored notice's linking fields, read once per linking pass."""
        if self._rows is None:
            self._rows = _load_rows(self.session)
        return self._rows

    def add(
        self,
        row_id: int,
        target_source: str,
        target_key: str,
        target_id: int | None,
        relation: str,
        reason: str,
        confidence: float,
    ) -> bool:
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
        return (row_id, relation) in self.relations


def _rows(linker: _Linker, since: date | None, kinds: Iterable[str] | None = None) -> list[_Row]:
    """The notices to (re)link: of these kinds, published since ``since`` (or undated)."""
    wanted = set(kinds) if kinds is not None else None
    return [
        r
        for r in linker.rows()
        if (wanted is None or r.kind in wanted)
        and (since is None or r.published is None or r.published >= since)
    ]


def _index(linker: _Linker) -> dict[tuple[str, str], int]:
    return {(r.source, r.key): r.id for r in linker.rows()}


def link_declared(
    session: Session, since: date | None = None, linker: _Linker | None = None
) -> int:
    """Edges from each notice to the same-source notices its ``related_ids`` name."""
    linker = linker or _Linker(session)
    index = _index(linker)
    added = 0
    for row in _rows(linker, since):
        relation = RELATION_BY_KIND.get(row.kind, "related")
        for rid in row.related:
            key = normalize_source_id(str(rid))
            if key == row.key:
                continue
            reason = f"{row.source} notice {row.key} declares it concerns {key}"
            added += linker.add(
                row.id, row.source, key, index.get((row.source, key)), relation, reason, 1.0
            )
    return added


def _ojs_refs(text: str) -> set[str]:
    return {f"{int(num)}-{year}" for year, num in _OJS.findall(text)}


def link_twins(session: Session, since: date | None = None, linker: _Linker | None = None) -> int:
    """TED ↔ BOAMP: quoted identifiers first, else same département/kind/dates + fuzzy names."""
    linker = linker or _Linker(session)
    index = _index(linker)
    ted = [r for r in _rows(linker, since) if r.source == "ted"]
    boamp = [r for r in _rows(linker, since) if r.source == "boamp"]
    added = 0
    for row in ted:
        for quoted in _BOAMP_QUOTE.findall(row.text):
            key = normalize_source_id(quoted)
            added += linker.add(
                row.id,
                "boamp",
                key,
                index.get(("boamp", key)),
                "twin",
                f"TED notice {row.key} quotes BOAMP notice {quoted}",
                1.0,
            )
    raw_by_id = {
        i: json.dumps(raw, ensure_ascii=False, default=str)
        for i, raw in session.execute(select(Notice.id, Notice.raw).where(Notice.source == "boamp"))
    }
    for row in boamp:
        for ref in _ojs_refs(f"{row.text} {raw_by_id.get(row.id, '')}"):
            target = index.get(("ted", normalize_source_id(ref)))
            if target is not None:
                added += linker.add(
                    target,
                    "boamp",
                    row.key,
                    row.id,
                    "twin",
                    f"BOAMP notice {row.key} quotes TED notice {ref}",
                    1.0,
                )
    by_kind: dict[str, list[_Row]] = defaultdict(list)
    for row in sorted((r for r in boamp if r.published), key=lambda r: r.published):  # type: ignore[arg-type, return-value]
        by_kind[row.kind].append(row)
    days_of = {kind: [r.published.toordinal() for r in rows] for kind, rows in by_kind.items()}  # type: ignore[union-attr]
    for row in ted:
        if row.published is None or linker.has(row.id, "twin"):
            continue
        pool, days = by_kind.get(row.kind, []), days_of.get(row.kind, [])
        day = row.published.toordinal()
        best: tuple[float, _Row] | None = None
        for cand in pool[bisect_left(days, day - 15) : bisect_right(days, day + 15)]:
            if (
                row.departements
                and cand.departements
                and not set(row.departements) & set(cand.departements)
            ):
                continue
            title = _title_similarity(row.title, cand.title)
            if title < 0.85:
                continue
            buyer = fuzz.token_set_ratio(_buyer_key(row.buyer), _buyer_key(cand.buyer)) / 100
            if buyer < 0.85:
                continue
            score = (title + buyer) / 2
            if best is None or score > best[0]:
                best = (score, cand)
        if best is not None:
            score, cand = best
            gap = abs(cand.published.toordinal() - day)  # type: ignore[union-attr]
            reason = (
                f"same kind, published {gap} days apart, title {score:.0%} alike, "
                f"buyer {cand.buyer!r} alike"
            )
            added += linker.add(row.id, "boamp", cand.key, cand.id, "twin", reason, 0.9 * score)
    return added


def _siren(siret: str) -> str:
    return siret[:9] if len(siret) >= 9 and siret[:9].isdigit() else ""


def _cpv_score(a: list[str], b: list[str]) -> tuple[float, str]:
    best, why = 0.0, ""
    for x in a:
        for y in b:
            if x[:5] == y[:5]:
                return 1.0, f"CPV {x}~{y}"
            if x[:3] == y[:3] and best < 0.6:
                best, why = 0.6, f"CPV group {x[:3]}"
            elif x[:2] == y[:2] and best < 0.3:
                best, why = 0.3, f"CPV division {x[:2]}"
    return best, why


def _contract_ids(row: _Row) -> set[str]:
    ids = {normalize_source_id(a["contract_no"]) for a in row.awardees if a.get("contract_no")}
    if row.procedure_key:
        ids.add(normalize_source_id(row.procedure_key))
    return ids


def _by_division(rows: Iterable[_Row]) -> dict[str, list[_Row]]:
    out: dict[str, list[_Row]] = defaultdict(list)
    for row in rows:
        for division in {c[:2] for c in row.cpv} or {""}:
            out[division].append(row)
    return out


def _candidates(buckets: dict[str, list[_Row]] | None, cpv: list[str]) -> Iterable[_Row]:
    """Tenders of one buyer sharing a CPV division with the contract (or without CPV).

    Blocking on the division keeps a large buyer's thousands of contracts from being compared
    with every one of its tenders; a tender filed under another division is not considered.
    """
    if not buckets:
        return []
    if not cpv:
        return [row for rows in buckets.values() for row in rows]
    keys = {c[:2] for c in cpv} | {""}
    return [row for key in keys for row in buckets.get(key, [])]


def link_contracts(
    session: Session,
    since: date | None = None,
    linker: _Linker | None = None,
    threshold: float = 0.6,
) -> int:
    """DECP contracts → the tender/award they came from, best candidate only, with a reason."""
    linker = linker or _Linker(session)
    siren_rows: dict[str, list[_Row]] = defaultdict(list)
    buyer_rows: dict[str, list[_Row]] = defaultdict(list)
    by_number: dict[tuple[str, str], _Row] = {}
    for row in _rows(linker, None, TENDER_KINDS):
        siren = _siren(row.siret)
        if siren:
            siren_rows[siren].append(row)
        if row.buyer:
            buyer_rows[_buyer_key(row.buyer)].append(row)
        for number in _contract_ids(row):
            by_number[(siren or _buyer_key(row.buyer), number)] = row
    by_siren = {k: _by_division(v) for k, v in siren_rows.items()}
    by_buyer = {k: _by_division(v) for k, v in buyer_rows.items()}
    added = 0
    for contract in _rows(linker, since, ["contract"]):
        local_id = normalize_source_id(contract.key.split(":", 1)[-1])
        siren = _siren(contract.siret)
        buyer = _buyer_key(contract.buyer)
        exact = by_number.get((siren, local_id)) or by_number.get((buyer, local_id))
        best: tuple[float, _Row, str] | None = None
        if local_id and exact is not None:
            best = (1.0, exact, f"contract number {local_id} appears in {exact.source} {exact.key}")
        else:
            candidates = (
                {c.id: c for c in _candidates(by_siren.get(siren), contract.cpv)} if siren else {}
            )
            for c in _candidates(by_buyer.get(buyer), contract.cpv):
                candidates.setdefault(c.id, c)
            for cand in candidates.values():
                score, why = _score_contract(contract, cand, siren)
                if score >= threshold and (best is None or score > best[0]):
                    best = (score, cand, why)
        if best is not None:
            score, cand, why = best
            added += linker.add(
                contract.id, cand.source, cand.key, cand.id, "contract_of", why, score
            )
    return added


def _score_contract(contract: _Row, cand: _Row, siren: str) -> tuple[float, str]:
    if contract.published and cand.published:
        days = (contract.published - cand.published).days
        if days < -30 or days > 900:
            return 0.0, ""
    else:
        days = None
    title = _title_similarity(contract.title, cand.title)
    cpv, cpv_why = _cpv_score(contract.cpv, cand.cpv)
    if title < 0.6 or (cpv == 0 and title < 0.8):
        return 0.0, ""
    same_siren = bool(siren) and _siren(cand.siret) == siren
    buyer_why = f"buyer SIREN {siren}" if same_siren else "same buyer name"
    score = 0.55 * title + 0.2 * (1.0 if same_siren else 0.6) + 0.15 * cpv
    score += 0.1 if days is not None and 0 <= days <= 365 else 0.0
    bits = [buyer_why, cpv_why, f"object {title:.0%} alike"]
    if days is not None:
        bits.append(f"notified {days} days after publication")
    return min(score, 0.99), " + ".join(b for b in bits if b)


def link_deliberations(
    session: Session,
    since: date | None = None,
    linker: _Linker | None = None,
    threshold: float = 0.55,
) -> int:
    """Council deliberations → the purchase they approve (same SIREN, a year apart at most)."""
    linker = linker or _Linker(session)
    by_siren: dict[str, list[_Row]] = defaultdict(list)
    for row in _rows(linker, None, (*TENDER_KINDS, "contract")):
        if _siren(row.siret):
            by_siren[_siren(row.siret)].append(row)
    added = 0
    for delib in _rows(linker, since, ["deliberation"]):
        best: tuple[float, _Row] | None = None
        for cand in by_siren.get(_siren(delib.siret), []):
            if (
                delib.published
                and cand.published
                and abs((cand.published - delib.published).days) > 400
            ):
                continue
            title = _title_similarity(delib.title, cand.title)
            if title >= threshold and (best is None or title > best[0]):
                best = (title, cand)
        if best is not None:
            title, cand = best
            reason = f"same collectivité SIREN {_siren(delib.siret)}, object {title:.0%} alike"
            added += linker.add(
                delib.id, cand.source, cand.key, cand.id, "deliberation_of", reason, 0.9 * title
            )
    return added


def link_all(session: Session, since: date | None = None) -> LinkStats:
    """Run every linking step; ``since`` limits the notices whose links are (re)computed."""
    linker = _Linker(session)
    stats = LinkStats(
        declared=link_declared(session, since, linker),
        twins=link_twins(session, since, linker),
        contracts=link_contracts(session, since, linker),
        deliberations=link_deliberations(session, since, linker),
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


@dataclass
class StoryEdge:
    """One edge of a story as ``veilleur show`` prints it."""

    from_id: int
    to_id: int | None
    to_label: str
    relation: str
    reason: str
    confidence: float


def story(
    session: Session, notice_id: int, max_nodes: int = 200
) -> tuple[list[Notice], list[StoryEdge]]:
    """Every notice connected to ``notice_id`` (links followed both ways), oldest first."""
    seen: set[int] = {notice_id}
    frontier = [notice_id]
    edges: dict[int, StoryEdge] = {}
    while frontier and len(seen) < max_nodes:
        links = session.scalars(
            select(NoticeLink).where(
                or_(NoticeLink.notice_id.in_(frontier), NoticeLink.target_notice_id.in_(frontier))
            )
        ).all()
        frontier = []
        for link in links:
            edges[link.id] = StoryEdge(
                link.notice_id,
                link.target_notice_id,
                f"{link.target_source}:{link.target_key}",
                link.relation,
                link.reason,
                link.confidence,
            )
            for other in (link.notice_id, link.target_notice_id):
                if other is not None and other not in seen:
                    seen.add(other)
                    frontier.append(other)
    notices = session.scalars(select(Notice).where(Notice.id.in_(seen))).all()
    ordered = sorted(notices, key=lambda n: (n.published_at or date.max, n.id))
    return ordered, sorted(edges.values(), key=lambda e: (e.from_id, e.relation))
