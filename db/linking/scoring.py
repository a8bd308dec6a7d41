"""The pure side of linking: how alike two notices are, which candidate is best, and why.

No session here: every function takes :class:`LinkRow` values (the fields linking reads) and
returns a score, a confidence or a reason, so each judgement can be tested on its own and the
database walk (:mod:`db.linking.linker`) only reads rows and writes edges.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

from vocabulary.items import normalize_source_id

__all__ = [
    "RELATION_BY_KIND",
    "TENDER_KINDS",
    "LinkRow",
    "TenderIndex",
    "best_contract",
    "best_deliberation",
    "best_twin",
    "boamp_quotes",
    "buyer_key",
    "by_division",
    "contract_ids",
    "ojs_refs",
    "score_contract",
    "siren",
    "title_similarity",
]

#: how a notice of this kind relates to the notices it names in ``related_ids``
RELATION_BY_KIND = {
    "correction": "corrects",
    "cancellation": "cancels",
    "award": "awards",
    "contract": "contract_of",
    "deliberation": "deliberation_of",
}
TENDER_KINDS = ("tender", "award", "prior_information")
#: days either side of a TED notice's publication where its BOAMP twin may be
TWIN_WINDOW_DAYS = 15
TWIN_MIN_SIMILARITY = 0.85
_OJS = re.compile(r"(20\d\d)\s*/\s*S\s*\d{1,3}\s*-\s*(\d{3,7})")
_BOAMP_QUOTE = re.compile(r"BOAMP (\d{2}-\d{5,6})")
_LEGAL = re.compile(r"\b(ville|commune|mairie|de|du|la|le|les|des|d|l)\b")
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


@dataclass(slots=True)
class LinkRow:
    """The fields of a stored notice that linking reads."""

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


@lru_cache(maxsize=200_000)
def _content(text: str | None) -> str:
    """The words that say what is bought (no stop words, no procurement boilerplate)."""
    return " ".join(w for w in _fold(text).split() if len(w) > 2 and w not in _STOP)


def title_similarity(a: str, b: str) -> float:
    """0..1: how alike two objects of purchase read, boilerplate aside."""
    ca, cb = _content(a), _content(b)
    if not ca or not cb:
        return 0.0
    return fuzz.token_sort_ratio(ca, cb) / 200 + fuzz.token_set_ratio(ca, cb) / 200


@lru_cache(maxsize=100_000)
def buyer_key(name: str | None) -> str:
    """A buyer's name without accents, punctuation or "ville de", for comparing spellings."""
    return " ".join(_LEGAL.sub(" ", _fold(name)).split())


def siren(siret: str) -> str:
    return siret[:9] if len(siret) >= 9 and siret[:9].isdigit() else ""


def ojs_refs(text: str) -> set[str]:
    """TED notice numbers (``123456-2020``) quoted as OJS references in ``text``."""
    return {f"{int(num)}-{year}" for year, num in _OJS.findall(text)}


def boamp_quotes(text: str) -> list[str]:
    """BOAMP notice ids quoted in a TED notice's text."""
    return list(_BOAMP_QUOTE.findall(text))


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


def contract_ids(row: LinkRow) -> set[str]:
    """The contract numbers a tender or award carries (its awardees' and its procedure's)."""
    ids = {normalize_source_id(a["contract_no"]) for a in row.awardees if a.get("contract_no")}
    if row.procedure_key:
        ids.add(normalize_source_id(row.procedure_key))
    return ids


def by_division(rows: Iterable[LinkRow]) -> dict[str, list[LinkRow]]:
    """Rows bucketed by CPV division (two digits); rows without CPV under ``""``."""
    out: dict[str, list[LinkRow]] = defaultdict(list)
    for row in rows:
        for division in {c[:2] for c in row.cpv} or {""}:
            out[division].append(row)
    return out


def _candidates(buckets: Mapping[str, list[LinkRow]] | None, cpv: list[str]) -> list[LinkRow]:
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


def best_twin(
    row: LinkRow, pool: Sequence[LinkRow], days: Sequence[int]
) -> tuple[float, LinkRow, str] | None:
    """The BOAMP notice most like TED ``row``: published within the window, in a shared
    département, title and buyer alike. ``pool`` is sorted by date, ``days`` its ordinals."""
    if row.published is None:
        return None
    day = row.published.toordinal()
    best: tuple[float, LinkRow] | None = None
    window = slice(
        bisect_left(days, day - TWIN_WINDOW_DAYS), bisect_right(days, day + TWIN_WINDOW_DAYS)
    )
    for cand in pool[window]:
        if (
            row.departements
            and cand.departements
            and not set(row.departements) & set(cand.departements)
        ):
            continue
        title = title_similarity(row.title, cand.title)
        if title < TWIN_MIN_SIMILARITY:
            continue
        buyer = fuzz.token_set_ratio(buyer_key(row.buyer), buyer_key(cand.buyer)) / 100
        if buyer < TWIN_MIN_SIMILARITY:
            continue
        score = (title + buyer) / 2
        if best is None or score > best[0]:
            best = (score, cand)
    if best is None:
        return None
    score, cand = best
    gap = abs(cand.published.toordinal() - day) if cand.published else 0  # pool rows are dated
    reason = (
        f"same kind, published {gap} days apart, title {score:.0%} alike, "
        f"buyer {cand.buyer!r} alike"
    )
    return 0.9 * score, cand, reason


def score_contract(contract: LinkRow, cand: LinkRow, contract_siren: str) -> tuple[float, str]:
    """How likely ``contract`` came from tender ``cand`` (0..0.99), and the evidence."""
    if contract.published and cand.published:
        days = (contract.published - cand.published).days
        if days < -30 or days > 900:
            return 0.0, ""
    else:
        days = None
    title = title_similarity(contract.title, cand.title)
    cpv, cpv_why = _cpv_score(contract.cpv, cand.cpv)
    if title < 0.6 or (cpv == 0 and title < 0.8):
        return 0.0, ""
    same_siren = bool(contract_siren) and siren(cand.siret) == contract_siren
    buyer_why = f"buyer SIREN {contract_siren}" if same_siren else "same buyer name"
    score = 0.55 * title + 0.2 * (1.0 if same_siren else 0.6) + 0.15 * cpv
    score += 0.1 if days is not None and 0 <= days <= 365 else 0.0
    bits = [buyer_why, cpv_why, f"object {title:.0%} alike"]
    if days is not None:
        bits.append(f"notified {days} days after publication")
    return min(score, 0.99), " + ".join(b for b in bits if b)


@dataclass
class TenderIndex:
    """The tenders and awards a contract may come from, indexed three ways."""

    by_number: dict[tuple[str, str], LinkRow]
    by_siren: dict[str, dict[str, list[LinkRow]]]
    by_buyer: dict[str, dict[str, list[LinkRow]]]

    @classmethod
    def of(cls, tenders: Iterable[LinkRow]) -> TenderIndex:
        siren_rows: dict[str, list[LinkRow]] = defaultdict(list)
        buyer_rows: dict[str, list[LinkRow]] = defaultdict(list)
        by_number: dict[tuple[str, str], LinkRow] = {}
        for row in tenders:
            row_siren = siren(row.siret)
            if row_siren:
                siren_rows[row_siren].append(row)
            if row.buyer:
                buyer_rows[buyer_key(row.buyer)].append(row)
            for number in contract_ids(row):
                by_number[(row_siren or buyer_key(row.buyer), number)] = row
        return cls(
            by_number,
            {k: by_division(v) for k, v in siren_rows.items()},
            {k: by_division(v) for k, v in buyer_rows.items()},
        )


def best_contract(
    contract: LinkRow, tenders: TenderIndex, threshold: float
) -> tuple[float, LinkRow, str] | None:
    """The tender or award a DECP contract came from: its contract number first, else the
    best-scoring tender of the same buyer at or above ``threshold``."""
    local_id = normalize_source_id(contract.key.split(":", 1)[-1])
    contract_siren = siren(contract.siret)
    buyer = buyer_key(contract.buyer)
    exact = tenders.by_number.get((contract_siren, local_id)) or tenders.by_number.get(
        (buyer, local_id)
    )
    if local_id and exact is not None:
        return 1.0, exact, f"contract number {local_id} appears in {exact.source} {exact.key}"
    candidates: dict[int, LinkRow] = {}
    if contract_siren:
        candidates = {
            c.id: c for c in _candidates(tenders.by_siren.get(contract_siren), contract.cpv)
        }
    for c in _candidates(tenders.by_buyer.get(buyer), contract.cpv):
        candidates.setdefault(c.id, c)
    best: tuple[float, LinkRow, str] | None = None
    for cand in candidates.values():
        score, why = score_contract(contract, cand, contract_siren)
        if score >= threshold and (best is None or score > best[0]):
            best = (score, cand, why)
    return best


def best_deliberation(
    delib: LinkRow, candidates: Iterable[LinkRow], threshold: float
) -> tuple[float, LinkRow, str] | None:
    """The purchase a council deliberation approves: same SIREN (the caller's candidates),
    published within 400 days, the most alike object at or above ``threshold``."""
    best: tuple[float, LinkRow] | None = None
    for cand in candidates:
        if (
            delib.published
            and cand.published
            and abs((cand.published - delib.published).days) > 400
        ):
            continue
        title = title_similarity(delib.title, cand.title)
        if title >= threshold and (best is None or title > best[0]):
            best = (title, cand)
    if best is None:
        return None
    title, cand = best
    reason = f"same collectivité SIREN {siren(delib.siret)}, object {title:.0%} alike"
    return 0.9 * title, cand, reason
