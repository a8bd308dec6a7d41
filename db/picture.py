"""Who buys what from whom, where and when: fill ``parties``, ``notice_parties`` and
``notice_facets`` from stored notices.

Notices keep buyers, awardees, départements and categories as JSON lists, which SQLite and
PostgreSQL index differently; these tables put them in indexed columns so the map, the timeline
and the buyer and vendor pages answer at 200 000 notices. :func:`refresh_picture` rebuilds the
rows of the notices it is given (all of them by default); the crawl's story linker runs it on
what a crawl stored and ``veilleur picture refresh`` on demand.

Identity: a party is a legal unit (SIREN). A SIRET names an establishment of it; a TED national
id may be a SIREN, a SIRET or a French VAT number (``FRkk`` + SIREN). A name-only awardee (BOAMP
gives no identifier) joins a SIREN party only when that exact normalized name was seen with one
SIREN and no other; otherwise it is a party of its own, keyed by its normalized name. Nothing
is merged on a guess.

Amounts are counted once per purchase: a tender whose story already holds an award or a
contract carries no amount on the map (the award's or contract's amount stands for it). DECP
uses 0 and 9 999 999 as fillers: they are not amounts. Session first, never commits.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from db.models.notices import Notice, NoticeLink
from db.models.picture import NoticeFacet, NoticeParty, Party
from vocabulary.places import departements_of_siren

__all__ = ["PartyRef", "amount_of", "name_key", "party_refs", "refresh_picture", "siren_of"]

_CHUNK = 500
_LEGAL_FORMS = re.compile(
    r"\b(sas|sasu|sarl|eurl|sa|snc|scop|sca|scs|gie|sem|spl|eirl|ei|ste|societe|soc)\b"
)
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_FILLERS = {0.0, 9999999.0, 99999999.0}
#: links that make two notices one purchase (the amount of the later one counts)
_SAME_PURCHASE = ("awards", "contract_of")


def name_key(name: str | None) -> str:
    """A name folded for matching: no accents, lower case, no legal form, no punctuation."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower().replace(".", "")
    text = _LEGAL_FORMS.sub(" ", _NOT_WORD.sub(" ", text))
    return " ".join(text.split())[:240]


def siren_of(identifier: Any) -> tuple[str | None, str | None]:
    """(SIREN, SIRET) of an identifier as sources print it; (None, None) when it is neither."""
    raw = re.sub(r"[\s.\-]", "", str(identifier or "")).upper()
    if re.fullmatch(r"\d{14}", raw):
        return raw[:9], raw
    if re.fullmatch(r"\d{9}", raw):
        return raw, None
    if re.fullmatch(r"FR[0-9A-Z]{2}\d{9}", raw):
        return raw[4:], None
    return None, None


def amount_of(value: Any) -> float | None:
    """A euro amount, or None for missing values and DECP's fillers."""
    try:
        amount = float(value)
    except (TypeError, ValueError):
        return None
    return None if amount in _FILLERS or amount < 0 else amount


@dataclass(frozen=True)
class PartyRef:
    role: str
    siren: str | None
    siret: str | None
    name: str
    amount: float | None = None

    @property
    def key(self) -> str:
        return f"siren:{self.siren}" if self.siren else f"name:{name_key(self.name)}"


def party_refs(
    buyer_name: str | None,
    buyer_siret: str | None,
    awardees: Sequence[Any],
    amount: float | None,
) -> list[PartyRef]:
    """The buyer and the suppliers of one notice; ``amount`` (the notice's) is shared between
    suppliers that have no value of their own."""
    out: list[PartyRef] = []
    siren, siret = siren_of(buyer_siret)
    if siren or name_key(buyer_name):
        out.append(PartyRef("buyer", siren, siret, (buyer_name or "").strip()))
    suppliers = [a for a in awardees if isinstance(a, dict) and (a.get("name") or a.get("id"))]
    share = amount / len(suppliers) if amount and suppliers else None
    seen: set[str] = set()
    for a in suppliers:
        siren, siret = siren_of(a.get("id"))
        ref = PartyRef(
            "supplier",
            siren,
            siret,
            str(a.get("name") or a.get("id") or "").strip(),
            amount_of(a.get("value")) or share,
        )
        if ref.key in seen or ref.key == "name:":
            continue
        seen.add(ref.key)
        out.append(ref)
    return out


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


class _PartyBook:
    """Party ids by key, created on first sight; name-only refs resolved to a sole SIREN."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.ids: dict[str, int] = {}
        self.sirens_by_name: dict[str, set[str]] = {}

    def load(self, refs: Iterable[PartyRef]) -> None:
        refs = list(refs)
        keys = {r.key for r in refs} | {f"siren:{r.siren}" for r in refs if r.siren}
        names = {name_key(r.name) for r in refs} - {""}
        wanted = [k for k in keys if k not in self.ids]
        for i in range(0, len(wanted), _CHUNK):
            for pid, key in self.session.execute(
                select(Party.id, Party.key).where(Party.key.in_(wanted[i : i + _CHUNK]))
            ):
                self.ids[key] = pid
        todo = [n for n in names if n not in self.sirens_by_name]
        for n in todo:
            self.sirens_by_name[n] = set()
        for i in range(0, len(todo), _CHUNK):
            for key, siren in self.session.execute(
                select(Party.name_key, Party.siren).where(
                    Party.name_key.in_(todo[i : i + _CHUNK]), Party.siren.is_not(None)
                )
            ):
                if siren:
                    self.sirens_by_name[key].add(siren)
        for r in refs:  # sirens named in this batch count too
            if r.siren and name_key(r.name):
                self.sirens_by_name.setdefault(name_key(r.name), set()).add(r.siren)

    def resolve(self, ref: PartyRef) -> PartyRef:
        if ref.siren:
            return ref
        sirens = self.sirens_by_name.get(name_key(ref.name), set())
        if len(sirens) == 1:
            return PartyRef(ref.role, next(iter(sirens)), None, ref.name, ref.amount)
        return ref

    def party_id(self, ref: PartyRef) -> int:
        pid = self.ids.get(ref.key)
        if pid is None:  # a name resolved to a SIREN party this batch did not load
            pid = self.session.scalars(select(Party.id).where(Party.key == ref.key)).first()
        party = self.session.get(Party, pid) if pid else None
        if party is None:
            party = Party(key=ref.key, siren=ref.siren, name=ref.name, name_key=name_key(ref.name))
            party.sirets, party.names = [], []
            self.session.add(party)
            self.session.flush()
            self.ids[ref.key] = party.id
        names, sirets = list(party.names or []), list(party.sirets or [])
        if ref.name and ref.name not in names:
            party.names = [*names, ref.name][:50]
            if not party.name:
                party.name, party.name_key = ref.name, name_key(ref.name)
        if ref.siret and ref.siret not in sirets:
            party.sirets = [*sirets, ref.siret][:200]
        return party.id


_COLUMNS = (
    Notice.id, Notice.kind, Notice.buyer_name, Notice.buyer_siret, Notice.awardees,
    Notice.estimated_value, Notice.published_at, Notice.flagged, Notice.categories,
    Notice.departements, Notice.commune_insee,
)  # fmt: skip


def _superseded(session: Session, ids: Sequence[int]) -> set[int]:
    """Notices of ``ids`` whose purchase has a later award or contract (its amount counts)."""
    rows = session.scalars(
        select(NoticeLink.target_notice_id).where(
            NoticeLink.target_notice_id.in_(ids), NoticeLink.relation.in_(_SAME_PURCHASE)
        )
    )
    return {int(r) for r in rows if r is not None}


def _facets(row: Any, amount: float | None) -> list[dict[str, Any]]:
    if not row.flagged or not row.categories:
        return []
    deps = [str(d) for d in row.departements or [] if d] or list(
        departements_of_siren(row.buyer_siret)
    )
    return [
        {
            "notice_id": row.id,
            "departement": dep[:3],
            "commune_insee": row.commune_insee,
            "category": str(cat),
            "kind": row.kind,
            "published_at": row.published_at,
            "amount": amount,
        }
        for dep in dict.fromkeys(deps)
        for cat in dict.fromkeys(row.categories)
    ]


def _refresh_chunk(session: Session, book: _PartyBook, ids: Sequence[int]) -> None:
    rows = session.execute(select(*_COLUMNS).where(Notice.id.in_(ids))).all()
    superseded = _superseded(session, ids)
    session.execute(delete(NoticeParty).where(NoticeParty.notice_id.in_(ids)))
    session.execute(delete(NoticeFacet).where(NoticeFacet.notice_id.in_(ids)))
    per_notice = []
    for row in rows:
        amount = amount_of(row.estimated_value)
        refs = party_refs(row.buyer_name, row.buyer_siret, row.awardees or [], amount)
        per_notice.append((row, amount, refs))
    book.load(r for _, _, refs in per_notice for r in refs)
    parties: list[dict[str, Any]] = []
    facets: list[dict[str, Any]] = []
    for row, amount, refs in per_notice:
        category = str(row.categories[0]) if row.flagged and row.categories else None
        seen: set[tuple[int, str]] = set()
        for ref in refs:
            ref = book.resolve(ref)
            pid = book.party_id(ref)
            if (pid, ref.role) in seen:
                continue
            seen.add((pid, ref.role))
            parties.append(
                {
                    "notice_id": row.id,
                    "party_id": pid,
                    "role": ref.role,
                    "name": ref.name,
                    "siret": ref.siret,
                    "amount": ref.amount if ref.role == "supplier" else None,
                    "category": category,
                    "published_at": row.published_at,
                }
            )
        facets += _facets(row, None if row.id in superseded else amount)
    if parties:
        session.execute(insert(NoticeParty), parties)
    if facets:
        session.execute(insert(NoticeFacet), facets)


def refresh_picture(
    session: Session, notice_ids: Iterable[int] | None = None, since: date | None = None
) -> int:
    """Rebuild parties and facets of ``notice_ids`` (default: every notice, or those published
    on or after ``since``); returns how many notices were refreshed."""
    if notice_ids is None:
        stmt = select(Notice.id).order_by(Notice.id)
        if since is not None:
            stmt = stmt.where(Notice.published_at >= since)
        ids = list(session.scalars(stmt))
    else:
        ids = sorted(set(notice_ids))
    book = _PartyBook(session)
    for chunk in _chunks(ids):
        _refresh_chunk(session, book, chunk)
    return len(ids)


def picture_rows_for(session: Session, notice_id: int) -> list[NoticeParty]:
    """The party rows of one notice (for its page and its OCDS release)."""
    return list(
        session.scalars(
            select(NoticeParty).where(NoticeParty.notice_id == notice_id).order_by(NoticeParty.id)
        )
    )


__all__ += ["picture_rows_for"]


def refresh_seen_since(session: Session, seen_since: datetime) -> int:
    """Refresh what a crawl touched: notices seen at or after ``seen_since`` and the notices
    they link to (a new contract changes its tender's amount on the map)."""
    seen = list(session.scalars(select(Notice.id).where(Notice.last_seen_at >= seen_since)))
    targets: set[int] = set()
    for chunk in _chunks(seen):
        targets.update(
            int(t)
            for t in session.scalars(
                select(NoticeLink.target_notice_id).where(NoticeLink.notice_id.in_(chunk))
            )
            if t is not None
        )
    return refresh_picture(session, set(seen) | targets)


__all__ += ["refresh_seen_since"]
