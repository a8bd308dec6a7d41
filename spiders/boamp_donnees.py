"""Parsing of BOAMP's ``donnees`` field (a JSON document inside a string) for every shape the
dataset has carried.

The first key names the shape: ``MAPA``, ``FNSimple``, ``EFORMS``; the 2006-era schema has
``IDENT``/``OBJET``/``LOTS``… keys (``old``). A shape we do not know is not an error: all its
text leaves land in ``extra_text`` so the rules and the search still see them.

Pure functions: no Scrapy, no database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson

__all__ = ["ParsedDonnees", "detect_shape", "parse_donnees", "text_leaves"]

_CPV = re.compile(r"\b(\d{8})(?:-\d)?\b")
#: keys whose values are personal contact data: never copied into searchable text
_PERSONAL_KEYS = re.compile(
    r"^(TEL|FAX|MEL|PRM|POSTE|nomContact|telContact|adresseMailContact|faxContact|"
    r"cbc:Telephone|cbc:Telefax|cbc:ElectronicMail|cac:Contact)$",
    re.IGNORECASE,
)
_CPV_KEYS = re.compile(r"cpv|classprincipale|classsupplementaire|ItemClassificationCode", re.I)


@dataclass
class ParsedDonnees:
    shape: str
    description: str = ""
    cpv_codes: list[str] = field(default_factory=list)
    lots: list[dict[str, Any]] = field(default_factory=list)
    estimated_value: float | None = None
    currency: str | None = None
    awardees: list[dict[str, Any]] = field(default_factory=list)
    related_ids: list[str] = field(default_factory=list)
    buyer_siret: str | None = None
    extra_text: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def detect_shape(donnees: dict[str, Any]) -> str:
    for shape in ("EFORMS", "FNSimple", "MAPA"):
        if shape in donnees:
            return shape
    if {"IDENT", "OBJET"} & donnees.keys() or "AUTRES" in donnees:
        return "old"
    return "unknown"


def text_leaves(value: Any, key: str = "") -> Iterator[str]:
    """Every text leaf of a JSON document, personal contact fields left out."""
    if _PERSONAL_KEYS.match(key):
        return
    if isinstance(value, dict):
        for child_key, child in value.items():
            yield from text_leaves(child, str(child_key))
    elif isinstance(value, list):
        for child in value:
            yield from text_leaves(child, key)
    elif isinstance(value, str):
        text = value.strip()
        if text and not text.startswith(("http://", "https://")):
            yield text


_WANTED: dict[str, re.Pattern[str]] = {
    "cpv": _CPV_KEYS,
    "titulaire": re.compile(r"^(titulaire|attributaire)s?$", re.I),
    "organization": re.compile(r"^efac:Organization$"),
    "tendering_party": re.compile(r"^efac:TenderingParty$"),
}


@lru_cache(maxsize=4096)
def _kinds(key: str) -> tuple[str, ...]:
    return tuple(name for name, pattern in _WANTED.items() if pattern.search(key))


def _collect(value: Any, out: dict[str, list[Any]] | None = None) -> dict[str, list[Any]]:
    """One walk over the document: the values under every key of interest, by kind."""
    if out is None:
        out = {name: [] for name in _WANTED}
    if isinstance(value, dict):
        for child_key, child in value.items():
            for kind in _kinds(str(child_key)):
                out[kind].append(child)
            if isinstance(child, dict | list):
                _collect(child, out)
    elif isinstance(value, list):
        for child in value:
            if isinstance(child, dict | list):
                _collect(child, out)
    return out


def _cpv_codes(found_values: list[Any]) -> list[str]:
    codes: list[str] = []
    for found in found_values:
        for leaf in text_leaves(found):
            for code in _CPV.findall(leaf):
                if code not in codes:
                    codes.append(code)
        if isinstance(found, int | float):
            code = f"{int(found):08d}"
            if code not in codes:
                codes.append(code)
    return codes


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str:
    """The text of a leaf in any rendering: plain string, ``{"#text": …}``, list of those."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict):
        return _text(value.get("#text"))
    if isinstance(value, list):
        return " ".join(t for t in (_text(v) for v in value) if t)
    return ""


def _number(value: Any) -> float | None:
    text = _text(value).replace("\u202f", "").replace(" ", "").replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _idweb_list(value: Any) -> list[str]:
    out: list[str] = []
    for leaf in text_leaves(value):
        for match in re.findall(r"\b\d{2}-\d{5,7}\b|\bB[A-Z]P\d{8,12}[0-9A-Z]\b", leaf):
            if match not in out:
                out.append(match)
    return out


def _parse_old(doc: dict[str, Any], out: ParsedDonnees) -> None:
    objet = doc.get("OBJET") or {}
    if isinstance(objet, dict):
        parts = [_text(objet.get("TITRE_MARCHE")), _text(objet.get("OBJET_COMPLET"))]
        out.description = " ".join(p for p in parts if p)
    for lot in _as_list(
        (doc.get("LOTS") or {}).get("LOT") if isinstance(doc.get("LOTS"), dict) else doc.get("LOTS")
    ):
        if isinstance(lot, dict):
            out.lots.append(
                {
                    "number": _text(lot.get("NUM")),
                    "title": _text(lot.get("INTITULE")),
                    "description": _text(lot.get("DESCRIPTION")),
                }
            )
    rectif = doc.get("RECTIF")
    if rectif is not None:
        out.related_ids.extend(i for i in _idweb_list(rectif) if i not in out.related_ids)


def _parse_fnsimple(body: dict[str, Any], out: ParsedDonnees, found: dict[str, list[Any]]) -> None:
    initial = body.get("initial") or body.get("rectif") or body
    if not isinstance(initial, dict):
        return
    nature = initial.get("natureMarche") or {}
    descriptions = [_text(nature.get("intitule")), _text(nature.get("description"))]
    descriptions.append(_text(initial.get("description")))
    out.description = " ".join(d for d in descriptions if d)
    lots = (initial.get("lots") or {}).get("lot") if isinstance(initial.get("lots"), dict) else None
    for lot in _as_list(lots):
        if isinstance(lot, dict):
            out.lots.append(
                {
                    "number": _text(lot.get("numero") or lot.get("num")),
                    "title": _text(lot.get("intitule")),
                    "description": _text(lot.get("description")),
                }
            )
    value = _number(nature.get("valeurEstimee") or initial.get("valeurEstimee"))
    if value is not None:
        out.estimated_value, out.currency = value, "EUR"
    avis_initial = body.get("avisInitial") or initial.get("avisInitial")
    if avis_initial:
        out.related_ids.extend(_idweb_list(avis_initial))
    for value in found["titulaire"]:
        for item in _as_list(value):
            name = (
                _text(item.get("denomination") or item.get("nom"))
                if isinstance(item, dict)
                else _text(item)
            )
            if name:
                out.awardees.append({"name": name})


_EFORMS_ROOTS = ("ContractNotice", "ContractAwardNotice", "PriorInformationNotice")


def _parse_eforms(body: dict[str, Any], out: ParsedDonnees, found: dict[str, list[Any]]) -> None:
    root: dict[str, Any] = {}
    for name in _EFORMS_ROOTS:
        if isinstance(body.get(name), dict):
            root = body[name]
            out.shape = f"EFORMS/{name}"
            break
    if not root:
        return
    project = root.get("cac:ProcurementProject") or {}
    texts = [_text(project.get("cbc:Name")), _text(project.get("cbc:Description"))]
    for lot in _as_list(root.get("cac:ProcurementProjectLot")):
        if not isinstance(lot, dict):
            continue
        lot_project = lot.get("cac:ProcurementProject") or {}
        out.lots.append(
            {
                "number": _text(lot.get("cbc:ID")),
                "title": _text(lot_project.get("cbc:Name")),
                "description": _text(lot_project.get("cbc:Description")),
            }
        )
    out.description = " ".join(t for t in texts if t)
    amount = (
        project.get("cac:RequestedTenderTotal", {}).get("cbc:EstimatedOverallContractAmount")
        if isinstance(project.get("cac:RequestedTenderTotal"), dict)
        else None
    )
    value = _number(amount)
    if value is not None:
        out.estimated_value = value
        out.currency = amount.get("@currencyID") if isinstance(amount, dict) else None
    orgs: dict[str, str] = {}
    for org in found["organization"]:
        for item in _as_list(org):
            company = item.get("efac:Company") if isinstance(item, dict) else None
            if isinstance(company, dict):
                org_id = _text((company.get("cac:PartyIdentification") or {}).get("cbc:ID"))
                name = _text((company.get("cac:PartyName") or {}).get("cbc:Name"))
                if org_id:
                    orgs[org_id] = name
                legal = _text((company.get("cac:PartyLegalEntity") or {}).get("cbc:CompanyID"))
                if legal and not out.buyer_siret and re.fullmatch(r"\d{14}", legal):
                    out.buyer_siret = legal
    for party in found["tendering_party"]:
        for item in _as_list(party):
            for tenderer in _as_list(item.get("efac:Tenderer") if isinstance(item, dict) else None):
                ref = _text(tenderer.get("cbc:ID")) if isinstance(tenderer, dict) else ""
                if ref and {"id": ref, "name": orgs.get(ref, ref)} not in out.awardees:
                    out.awardees.append({"id": ref, "name": orgs.get(ref, ref)})


def parse_donnees(raw: str | dict[str, Any] | None) -> ParsedDonnees:
    """Parse ``donnees``; raises ``ValueError`` on malformed JSON (the caller records it)."""
    if raw in (None, ""):
        return ParsedDonnees(shape="empty")
    doc = orjson.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(doc, dict):
        raise ValueError(f"donnees is a {type(doc).__name__}, not an object")
    out = ParsedDonnees(shape=detect_shape(doc), data=doc)
    found = _collect(doc)
    if out.shape == "old":
        _parse_old(doc, out)
    elif out.shape in ("FNSimple", "MAPA"):
        body = doc[out.shape]
        if isinstance(body, dict):
            _parse_fnsimple(body, out, found)
    elif out.shape == "EFORMS" and isinstance(doc["EFORMS"], dict):
        _parse_eforms(doc["EFORMS"], out, found)
    out.cpv_codes = _cpv_codes(found["cpv"])
    # what the description and lots already say is not repeated: it would be indexed and
    # scanned twice (the MAPA/FNSimple description is most of the document)
    known = out.description + "\n" + "\n".join(str(lot.get("description", "")) for lot in out.lots)
    leaves = [leaf for leaf in dict.fromkeys(text_leaves(doc)) if leaf not in known]
    out.extra_text = "\n".join(leaves)[:200_000]
    return out
