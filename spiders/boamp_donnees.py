"""Parsing of BOAMP's ``donnees`` field (a JSON document inside a string) for every shape the
dataset has carried.

The first key names the shape: ``MAPA``, ``FNSimple``, ``EFORMS``; the 2006-era schema has
``IDENT``/``OBJET``/``LOTS``… keys (``old``). A shape we do not know is not an error: all its
text leaves land in ``extra_text`` so the rules and the search still see them.

Pure functions: no Scrapy, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson

from spiders.parsers.xmljson import as_list as _as_list
from spiders.parsers.xmljson import number as _number
from spiders.parsers.xmljson import text as _text

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
    #: the low end when the value is published as a range (``fourchette``)
    estimated_value_low: float | None = None
    currency: str | None = None
    #: free-text places of performance (whole procedure first, then lots)
    places: list[str] = field(default_factory=list)
    #: NUTS codes of the places of performance (eForms)
    nuts: list[str] = field(default_factory=list)
    #: the deadline as the publisher wrote it (offset or not)
    deadline: str | None = None
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


def text_leaves(value: Any, key: str = "") -> list[str]:
    """Every text leaf of a JSON document in document order, personal contact fields left out.

    Collected by plain recursion into one list: a generator of ``yield from`` hands each leaf up
    through every level of the document, which made this walk most of a record's parsing."""
    leaves: list[str] = []

    def walk(node: Any, name: str) -> None:
        if _personal(name):
            return
        if isinstance(node, dict):
            for child_key, child in node.items():
                walk(child, str(child_key))
        elif isinstance(node, list):
            for child in node:
                walk(child, name)
        elif isinstance(node, str):
            text = node.strip()
            if text and not text.startswith(("http://", "https://")):
                leaves.append(text)

    walk(value, key)
    return leaves


@lru_cache(maxsize=4096)
def _personal(key: str) -> bool:
    return _PERSONAL_KEYS.match(key) is not None


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


def _idweb_list(value: Any) -> list[str]:
    out: list[str] = []
    for leaf in text_leaves(value):
        for match in re.findall(r"\b\d{2}-\d{5,7}\b|\bB[A-Z]P\d{8,12}[0-9A-Z]\b", leaf):
            if match not in out:
                out.append(match)
    return out


def _parse_value(value: Any, out: ParsedDonnees) -> None:
    """``valeurEstimee``: ``{"@devise": "EUR", "valeur": "…"}`` or a range
    ``{"fourchette": {"valeurBasse": "1", "valeurHaute": "75000"}}``; 0 means not given."""
    if not isinstance(value, dict):
        number = _number(value)
        if number:
            out.estimated_value, out.currency = number, "EUR"
        return
    currency = _text(value.get("@devise")) or "EUR"
    span = value.get("fourchette")
    if isinstance(span, dict):
        high, low = _number(span.get("valeurHaute")), _number(span.get("valeurBasse"))
        if high:
            out.estimated_value, out.estimated_value_low, out.currency = high, low, currency
        return
    number = _number(value.get("valeur") or value.get("#text"))
    if number:
        out.estimated_value, out.currency = number, currency


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
    _parse_value(nature.get("valeurEstimee") or initial.get("valeurEstimee"), out)
    organisme: dict[str, Any] = body["organisme"] if isinstance(body.get("organisme"), dict) else {}
    siret = _text(organisme.get("codeIdentificationNational")).replace(" ", "")
    if re.fullmatch(r"\d{14}", siret):
        out.buyer_siret = siret
    out.places = [_text(nature.get("lieuExecution"))] + [
        _text(lot.get("lieuExecutionLivraison")) for lot in _as_list(lots) if isinstance(lot, dict)
    ]
    out.places = [p for p in out.places if p]
    procedure: dict[str, Any] = (
        initial["procedure"] if isinstance(initial.get("procedure"), dict) else {}
    )
    out.deadline = _text(procedure.get("dateReceptionOffres")) or None
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
        from spiders.boamp_eforms import parse_eforms  # eForms reader fills the same record

        parse_eforms(doc["EFORMS"], out)
    out.cpv_codes = _cpv_codes(found["cpv"])
    # what the description and lots already say is not repeated: it would be indexed and
    # scanned twice (the MAPA/FNSimple description is most of the document)
    known = out.description + "\n" + "\n".join(str(lot.get("description", "")) for lot in out.lots)
    leaves = [leaf for leaf in dict.fromkeys(text_leaves(doc)) if leaf not in known]
    out.extra_text = "\n".join(leaves)[:200_000]
    return out
