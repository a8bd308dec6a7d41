"""Who to write to, read from the notice's own recorded data (``Notice.raw``), never guessed.

* BOAMP, 2006-era records: ``donnees.IDENT`` has the buyer's ``NOM``, ``ADRESSE``, ``CP``,
  ``VILLE`` and ``MEL``.
* BOAMP eForms records: the buyer organisation (``cac:ContractingParty`` names its id) with its
  ``cac:PostalAddress`` and ``cac:Contact``.
* BOAMP 2020-era records (``FNSimple``): the text's "I.1) NOM ET ADRESSES" line, comma
  separated; ``MAPA``: the buyer's name, postcode and town from "Correspondant : …", the rest
  of that line (minus the person's name) as a hint for the analyst.
* Everything else (TED search hits, DECP, council acts): the buyer's name and SIRET only.

BOAMP's text drops the "@" of e-mail addresses ("marches.publics agglo-ville.chartres.fr");
``courriel`` puts it back only when the value is exactly a local part and a domain, and the
hint says the address was rebuilt.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from letters.model import Recipient

__all__ = ["courriel", "recipient_from_notice"]

_DOMAIN = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$", re.I)
_LOCAL = re.compile(r"^[a-z0-9._+-]+$", re.I)
_POSTCODE = re.compile(r"^\d{5}$")
_MAPA_TOWN = re.compile(r"\b(\d{5})\s+([^\d,;:]+?)(?=\s*(?:,|t[ée]l\b|tél|courriel|\.\s|\.$|$))")
_FN_LINE = re.compile(r"NOM ET ADRESSES?\s*\n\s*([^\n]+)")
_MAPA_NAME = re.compile(r"organisme acheteur\s*:\s*([^\n]+)")
_MAPA_CONTACT = re.compile(r"Correspondant\s*:\s*([^\n]+)")
_LABELLED = ("Numéro national", "Point(s) de contact", "Téléphone", "Fax", "Courriel", "Code NUTS")


def _clean(value: Any) -> str:
    return re.sub(r"\s+", " ", str(value or "")).strip().rstrip(".,;").strip()


def courriel(value: str) -> tuple[str, bool]:
    """An e-mail address from BOAMP text, and whether its "@" had to be put back."""
    value = _clean(value)
    if "@" in value:
        return value, False
    parts = value.split()
    if len(parts) == 2 and _LOCAL.match(parts[0]) and _DOMAIN.match(parts[1]):
        return f"{parts[0]}@{parts[1]}", True
    return "", False


def _donnees(raw: Mapping[str, Any]) -> dict[str, Any]:
    value = raw.get("donnees")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def _walk(value: Any, key: str) -> Iterator[Any]:
    """Every value stored under ``key`` at any depth."""
    if isinstance(value, dict):
        for k, child in value.items():
            if k == key:
                yield child
            yield from _walk(child, key)
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child, key)


def _text(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("#text", "")
    return _clean(value)


def _old(ident: Mapping[str, Any], fallback: Recipient) -> Recipient:
    email, rebuilt = courriel(str(ident.get("MEL", "")))
    town = " ".join(p for p in (_clean(ident.get("CP")), _clean(ident.get("VILLE"))) if p)
    address = "\n".join(p for p in (_clean(ident.get("ADRESSE")), town) if p)
    return Recipient(
        name=_clean(ident.get("NOM")) or fallback.name,
        address=address,
        email=email,
        siret=fallback.siret,
        hint="adresse électronique reconstituée depuis l'avis" if rebuilt else "",
    )


def _eforms(donnees: Mapping[str, Any], fallback: Recipient) -> Recipient:
    buyer_ids = {
        _text(i) for party in _walk(donnees, "cac:ContractingParty") for i in _walk(party, "cbc:ID")
    }
    for company in _walk(donnees, "efac:Company"):
        ids = {_text(i) for i in _walk(company.get("cac:PartyIdentification", {}), "cbc:ID")}
        if buyer_ids and not ids & buyer_ids:
            continue
        names = [_text(n) for n in _walk(company.get("cac:PartyName", {}), "cbc:Name")]
        postal = company.get("cac:PostalAddress", {}) or {}
        street = _text(postal.get("cbc:StreetName"))
        town = " ".join(
            p for p in (_text(postal.get("cbc:PostalZone")), _text(postal.get("cbc:CityName"))) if p
        )
        mails = [_text(m) for m in _walk(company.get("cac:Contact", {}), "cbc:ElectronicMail")]
        return Recipient(
            name=next((n for n in names if n), fallback.name),
            address="\n".join(p for p in (street, town) if p),
            email=next((m for m in mails if "@" in m), ""),
            siret=fallback.siret,
        )
    return fallback


def _fnsimple(text: str, fallback: Recipient) -> Recipient:
    match = _FN_LINE.search(text)
    if not match:
        return fallback
    parts = [p.strip() for p in match.group(1).split(",")]
    email, rebuilt = "", False
    kept: list[str] = []
    for part in parts[1:]:
        if part.startswith("Courriel"):
            email, rebuilt = courriel(part.split(":", 1)[-1])
        elif part == "F" or part.startswith(_LABELLED) or part.startswith(("www.", "http")):
            continue
        elif part:
            kept.append(part)
    codes = [i for i, p in enumerate(kept) if _POSTCODE.match(p)]
    if codes and codes[-1] + 1 < len(kept):
        i = codes[-1]
        street, town = kept[:i], f"{kept[i]} {kept[i + 1]}"
    else:
        street, town = kept[:-1], kept[-1] if kept else ""
    address = "\n".join(p for p in (", ".join(street), town) if p)
    return Recipient(
        name=_clean(parts[0]) or fallback.name,
        address=address,
        email=email,
        siret=fallback.siret,
        hint="adresse électronique reconstituée depuis l'avis" if rebuilt else "",
    )


def _mapa(text: str, fallback: Recipient) -> Recipient:
    name = _MAPA_NAME.search(text)
    contact = _MAPA_CONTACT.search(text)
    line = contact.group(1) if contact else ""
    email = ""
    if "courriel" in line:
        email, _ = courriel(line.split("courriel :", 1)[-1].split(" adresse internet")[0])
    # the first segment names the person to write to: not kept
    rest = line.split(",", 1)[1].strip() if "," in line else ""
    rest = re.split(r",?\s*t[ée]l\.|,\s*courriel|\s*tél\.", rest)[0].strip()
    town = _MAPA_TOWN.search(line)
    hint = f"lu dans l'avis : {rest}" if rest else ""
    return Recipient(
        name=_clean(name.group(1)) if name else fallback.name,
        address=f"{town.group(1)} {_clean(town.group(2))}" if town else "",
        email=email,
        siret=fallback.siret,
        hint=hint,
    )


def recipient_from_notice(
    source: str, raw: Mapping[str, Any] | None, buyer_name: str | None, buyer_siret: str | None
) -> Recipient:
    """The buyer as the notice describes it; fields the notice does not give stay empty."""
    fallback = Recipient(name=_clean(buyer_name), siret=buyer_siret or "")
    if source != "boamp" or not raw:
        return fallback
    donnees = _donnees(raw)
    if isinstance(donnees.get("IDENT"), dict):
        return _old(donnees["IDENT"], fallback)
    if "EFORMS" in donnees:
        return _eforms(donnees, fallback)
    text = "\n".join(str(v) for v in _walk(donnees, "description") if isinstance(v, str))
    if "FNSimple" in donnees:
        return _fnsimple(text, fallback)
    if "MAPA" in donnees:
        return _mapa(text, fallback)
    return fallback
