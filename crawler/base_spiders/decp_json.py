"""DECP JSON (``{"marches": [...]}``) → one ``contract`` :class:`NoticeItem` per contract.

The "données essentielles de la commande publique" are published by many platforms, each with
its own defects; what this module repairs and why:

* accents destroyed into U+FFFD by one publisher (``vid\\ufffdoprotection``): the lost letter is
  guessed (``à`` alone, ``è`` before a final consonant + e, else ``é``, by far the most frequent
  accented letter in French procurement text) so keyword rules still match; the raw record is
  kept untouched;
* C1 control characters that are really cp1252 (``\\u009c`` is "œ") are decoded as cp1252;
* ``<br />`` and HTML entities inside ``objet`` become spaces / characters;
* CPV codes with or without check digit (``50700000-2``), or with the leading zero lost
  (``3000000``), become the 8-digit code;
* dates with an offset (``2018-12-17+01:00``, PES) become plain dates;
* ``montant`` 0 means "not given", not a free contract: no value is stored;
* ``id`` is only unique per buyer, so the key is ``<buyer SIRET>:<id>``; the same contract in
  several files becomes one notice (:func:`merge_duplicates`) keeping the cleanest text;
* amendments (``modifications``) stay in ``raw`` and are summarised in ``extra_text``.

Pure (json only); a bad record becomes a :class:`DecpRecordError`, never an exception.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from crawler.base_spiders.fields import departement_from_postcode
from vocabulary.items import NoticeItem

__all__ = [
    "DECP_SOURCE",
    "DecpRecordError",
    "clean_text",
    "is_filler_amount",
    "merge_duplicates",
    "normalize_cpv",
    "parse_decp_date",
    "parse_decp_document",
    "parse_decp_record",
    "undot",
    "unwrap_items",
]

DECP_SOURCE = "decp"
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][^>]{0,40}>")
_C1 = re.compile("[\u0080-\u009f]")
_WS = re.compile(r"\s+")


@dataclass
class DecpRecordError:
    """A record that could not become a notice: ``index`` in the file, why, and its id if any."""

    index: int
    record_id: str | None
    error_kind: str
    message: str


def _c1_to_cp1252(match: re.Match[str]) -> str:
    return bytes([ord(match.group(0))]).decode("cp1252", errors="ignore")


_LONE = re.compile(r"(?<!\w)\ufffd(?!\w)")
_GRAVE = re.compile(r"\ufffd(?=(?:[bcdfglmnprstv]|ch|gn|tr|vr|br)es?\b)")


def _repair_accents(text: str) -> str:
    """Guess the accent U+FFFD replaced: a lone one is "à" ("assistance à l'exploitation"),
    one before a final consonant + e is "è" ("système", "matière"), any other "é" (the most
    frequent accented letter in French procurement text: "vidéoprotection", "société")."""
    text = _LONE.sub("à", text)
    text = _GRAVE.sub("è", text)
    return text.replace("\ufffd", "é")


def clean_text(value: Any) -> str:
    """Readable text from a DECP string field (see the module docstring for the repairs)."""
    if value is None:
        return ""
    text = str(value)
    if "<" in text:
        text = _TAG.sub(" ", _BR.sub(" ", text))
    if "&" in text:
        text = html.unescape(text)
    if "\ufffd" in text:
        text = _repair_accents(text)
    text = _C1.sub(_c1_to_cp1252, text)
    return _WS.sub(" ", text).strip()


def normalize_cpv(value: Any) -> str | None:
    """``"32323500-8"`` / ``"32323500"`` / ``"3000000"`` → 8-digit code, else ``None``."""
    if value is None:
        return None
    head = str(value).strip().split("-", 1)[0].strip()
    if not head.isdigit():
        return None
    if len(head) == 7:
        head = "0" + head
    return head if len(head) == 8 else None


def parse_decp_date(value: Any) -> date | None:
    """``2018-12-17``, ``2018-12-17+01:00`` or ``2018-12-17T00:00:00Z`` → date; junk → None."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(str(value).replace(" ", "").replace(",", "."))
    except ValueError:
        return None
    return None if number != number else number  # NaN


def is_filler_amount(value: Any) -> bool:
    """An amount publishers type when they have none: all nines from 999 999 € up (9 999 999 is
    common in the ministry's datasets), or 10 billion € and more."""
    number = _number(value)
    if number is None or number < 999_999:
        return False
    return number >= 1e10 or set(f"{number:.0f}") == {"9"}


def _amount(value: Any) -> float | None:
    """A usable amount: ``None`` for 0 (= not given) and for fillers (kept raw, never summed)."""
    number = _number(value)
    if number is None or number <= 0 or is_filler_amount(number):
        return None
    return number


def _subcontracts_text(acts: Any) -> str:
    lines = []
    for act in unwrap_items(acts):
        holder: dict[str, Any] = (
            act["sousTraitant"] if isinstance(act.get("sousTraitant"), dict) else {}
        )
        bits = ["Sous-traitance:", str(holder.get("id") or "")]
        amount = _amount(act.get("montant"))
        if amount:
            bits.append(f"montant {amount:.2f}")
        lines.append(" ".join(b for b in bits if b))
    return "\n".join(lines)


def _departements(lieu: Any) -> tuple[list[str], str | None]:
    if not isinstance(lieu, dict):
        return [], None
    code = str(lieu.get("code") or "").strip()
    kind = str(lieu.get("typeCode") or "").lower()
    if "département" in kind or "departement" in kind:
        return ([code.zfill(2)] if code.isalnum() and 1 <= len(code) <= 3 else []), None
    if "postal" in kind:
        dep = departement_from_postcode(code)
        return ([dep] if dep else []), None
    if "commune" in kind and len(code) == 5 and code[:2].isalnum():
        return [code[:3] if code.startswith("97") else code[:2]], code
    return [], None


#: the 2022 format wraps each list item in a one-key object named after the list's element
_WRAPPERS = (
    "titulaire",
    "concessionnaire",
    "modification",
    "acteSousTraitance",
    "modificationActeSousTraitance",
)


def unwrap_items(items: Any) -> list[dict[str, Any]]:
    """The objects of a DECP list in any published shape: plain (2019), each wrapped in
    ``{"titulaire": {...}}`` (2022, schema v2.0.3), or nested in extra lists (``[[{...}]]``,
    seen in consolidated files)."""
    out: list[dict[str, Any]] = []
    for item in items if isinstance(items, list) else [items] if isinstance(items, dict) else []:
        if isinstance(item, list):
            out += unwrap_items(item)
            continue
        if not isinstance(item, dict):
            continue
        if len(item) == 1 and next(iter(item)) in _WRAPPERS:
            inner = next(iter(item.values()))
            out += unwrap_items(inner if isinstance(inner, list) else [inner])
            continue
        out.append(item)
    return out


def undot(record: dict[str, Any]) -> dict[str, Any]:
    """A record with flat dotted keys (``"acheteur.id"``, ``"lieuExecution.code"``, seen in
    2019-format files and the ministry's exports) as the nested tree the format defines; a key
    already nested wins over its dotted twin."""
    if not any("." in key for key in record):
        return record
    tree: dict[str, Any] = {k: v for k, v in record.items() if "." not in k}
    for key, value in record.items():
        if "." not in key:
            continue
        head, _, rest = key.partition(".")
        branch = tree.setdefault(head, {})
        if isinstance(branch, dict):
            branch.setdefault(rest, value)
    return tree


def _parties(items: Any, via: str | None = None) -> list[dict[str, Any]]:
    out = []
    for party in unwrap_items(items):
        ident = str(party.get("id") or "").replace(" ", "") or None
        # the 2022 format publishes no name for a holder: the id stands for it
        entry = {
            "name": clean_text(party.get("denominationSociale")) or None,
            "id": ident,
            "id_type": party.get("typeIdentifiant"),
        }
        if entry["name"] is None and ident is None:
            continue
        if via:
            entry["via"] = via
        out.append(entry)
    return out


def _modifications_text(mods: list[Any]) -> tuple[str, list[dict[str, Any]]]:
    lines, parties = [], []
    for number, mod in enumerate(unwrap_items(mods), 1):
        bits = [f"Modification {number}:", clean_text(mod.get("objetModification"))]
        amount = _amount(mod.get("montant") or mod.get("valeurGlobale"))
        if amount:
            bits.append(f"montant {amount:.2f}")
        if mod.get("dureeMois"):
            bits.append(f"durée {mod['dureeMois']} mois")
        lines.append(" ".join(b for b in bits if b))
        parties += _parties(mod.get("titulaires") or mod.get("concessionnaires"), "modification")
    return "\n".join(lines), parties


def parse_decp_record(record: dict[str, Any], file_label: str = "") -> NoticeItem:
    """One DECP contract; raises ``ValueError`` when the record names no buyer."""
    record = undot(record)
    buyer = record.get("acheteur") or record.get("autoriteConcedante")
    if not isinstance(buyer, dict) or not buyer.get("id"):
        raise ValueError("no acheteur/autoriteConcedante id")
    siret = str(buyer["id"]).replace(" ", "")
    raw_id = record.get("id") or record.get("uuid")
    if not raw_id:
        blob = json.dumps(record, sort_keys=True, ensure_ascii=False).encode("utf-8")
        raw_id = "H" + hashlib.sha1(blob).hexdigest()[:15]
    # a contract published without its object is still a contract: keep it, say so
    title = (
        clean_text(record.get("objet"))
        or f"(objet non publié) {clean_text(record.get('nature'))}".strip()
    )
    departements, commune = _departements(record.get("lieuExecution"))
    cpv = normalize_cpv(record.get("codeCPV"))
    raw_mods = record.get("modifications")
    mods: list[Any] = raw_mods if isinstance(raw_mods, list) else []
    mods_text, mod_parties = _modifications_text(mods)
    published = (
        parse_decp_date(record.get("dateNotification"))
        or parse_decp_date(record.get("dateSignature"))
        or parse_decp_date(record.get("datePublicationDonnees"))
    )
    amount = record.get("montant") or record.get("valeurGlobale")
    warnings = (
        [f"montant {amount} looks like a filler: kept raw, left out of values and sums"]
        if is_filler_amount(amount)
        else []
    )
    extra = "\n".join(
        t for t in (mods_text, _subcontracts_text(record.get("actesSousTraitance"))) if t
    )
    facts = [
        clean_text(record.get("nature")),
        clean_text(record.get("procedure")),
        f"{record['dureeMois']} mois" if record.get("dureeMois") else "",
    ]
    return NoticeItem(
        source=DECP_SOURCE,
        source_id=f"{siret}:{str(raw_id).strip()}",
        kind="contract",
        title=title,
        url="",
        description=" · ".join(f for f in facts if f),
        buyer_name=clean_text(buyer.get("nom")) or None,
        buyer_siret=siret if len(siret) == 14 and siret.isdigit() else None,
        departements=departements,
        commune_insee=commune,
        cpv_codes=[cpv] if cpv else [],
        published_at=published,
        estimated_value=_amount(amount),
        currency="EUR",
        awardees=_parties(record.get("titulaires") or record.get("concessionnaires")) + mod_parties,
        extra_text=extra,
        warnings=warnings,
        raw={**record, "_files": [file_label] if file_label else []},
    )


def parse_decp_document(
    data: bytes | str | dict[str, Any], file_label: str = ""
) -> Iterator[NoticeItem | DecpRecordError]:
    """Every contract of one DECP file; a broken file yields one error with index -1."""
    try:
        doc = json.loads(data) if isinstance(data, bytes | str) else data
    except (ValueError, UnicodeDecodeError) as exc:
        yield DecpRecordError(-1, None, "malformed_json", f"not JSON: {exc}")
        return
    records = doc.get("marches") if isinstance(doc, dict) else None
    if isinstance(records, dict):  # schema 2.0 wraps lists in {"marche": [...]}
        records = list(records.get("marche") or []) + list(records.get("contrat-concession") or [])
    if not isinstance(records, list):
        yield DecpRecordError(-1, None, "unknown_shape", "no 'marches' list in the document")
        return
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            yield DecpRecordError(index, None, "bad_record", "record is not an object")
            continue
        try:
            yield parse_decp_record(record, file_label)
        except (ValueError, TypeError, KeyError) as exc:
            yield DecpRecordError(
                index, str(record.get("id") or "") or None, "bad_record", str(exc)
            )


def _damage(notice: NoticeItem) -> int:
    raw = notice.raw
    buyer = raw.get("acheteur") or raw.get("autoriteConcedante") or {}
    text = f"{raw.get('objet', '')}{buyer.get('nom', '') if isinstance(buyer, dict) else ''}"
    return text.count("\ufffd") + len(_C1.findall(text))


def merge_duplicates(notices: Iterable[NoticeItem]) -> list[NoticeItem]:
    """One notice per key: the least damaged copy wins; awardees and source files are united."""
    best: dict[str, NoticeItem] = {}
    for notice in notices:
        current = best.get(notice.key)
        if current is None:
            best[notice.key] = notice
            continue
        keep, other = (
            (current, notice) if _damage(current) <= _damage(notice) else (notice, current)
        )
        files = list(dict.fromkeys(keep.raw.get("_files", []) + other.raw.get("_files", [])))
        keep.raw["_files"] = files
        seen = {(a.get("id"), a.get("name")) for a in keep.awardees}
        keep.awardees += [a for a in other.awardees if (a.get("id"), a.get("name")) not in seen]
        best[notice.key] = keep
    return list(best.values())
