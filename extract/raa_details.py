"""What analysts want from a prefectoral authorisation, read from its text. Pure.

A drone authorisation (Code de la sécurité intérieure L. 242-5 and following) or a camera
authorisation is written from one template in every prefecture: "la captation … d'images par
<service>, est autorisée …", "Le nombre maximal de caméras … est fixé à une, installée sur un
drone DJI Mavic 3 T", "La présente autorisation est limitée au périmètre …", "… délivrée pour la
durée …, le dimanche 08 juin 2025 de 12h00 à 20h00". :func:`read_details` picks those phrases
out; a detail the text does not give stays empty rather than guessed.

:func:`redact_persons` removes the names that follow a civility ("M. Jean DUPONT", "Mme …"):
digests and feeds show act titles and snippets, and nominative recueils name private persons.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["AuthorisationDetails", "read_details", "redact_persons"]

_WS = re.compile(r"\s+")
_NUMBERS = {
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "six": 6,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
}
_NAME = r"[A-ZÀ-ÖØ-Þ][\wÀ-ÿ'’-]*"
_PERSON = re.compile(
    rf"\b(M\.|Mme|Mlle|MM\.|Monsieur|Madame|Mademoiselle|Me|Maître)\s+(?:{_NAME}[\s-]*){{1,4}}"
)
_SERVICE = re.compile(
    r"(?:d'images|des images)\s+par\s+(?P<service>(?:le|la|les|l')\s*[^,;]{5,160}?)"
    r"\s*,?\s+(?:sont|est)\s+autoris",
    re.I,
)
_REQUEST = re.compile(
    r"demande\s+(?:en date du [^,]{4,40},?\s*)?(?:formulée|présentée|déposée|transmise)\s+"
    r"(?:le [^,]{4,40},?\s*)?par\s+(?P<service>[^,;]{5,160}?)\s*(?:,|;|le \d|visant|afin|en date)",
    re.I,
)
_CAMERAS = re.compile(
    r"nombre maximal de caméras[^.]{0,120}?fixé à\s+(?P<n>\d+|une?|deux|trois|quatre|cinq|six"
    r"|sept|huit|neuf|dix)\b",
    re.I,
)
_CAMERA_COUNT = re.compile(
    r"(?:composé de|total de|comprenant)\s+(?P<n>\d+)\s+caméras?(?P<rest>(?:\s+\w+){0,1}"
    r"(?:\s+et de\s+\d+\s+caméras?(?:\s+\w+)?)?)",
    re.I,
)
_EQUIPMENT = re.compile(
    r"(?P<what>(?:caméras?|installées?|embarquées?)\s+sur\s+(?:un|une|des|les|deux|trois)\s+"
    r"(?:drones?|aéronefs?|hélicoptères?|avions?|ballons?)[^.;]{0,60}?)"
    r"(?=\.|;|,|\s+Article\b|\s+Préfecture\b|\s+Considérant\b|$)",
    re.I,
)
_PERIMETER = re.compile(
    r"(?:autorisation|dispositif)\s+est\s+limitée?\s+(?:au|à la|aux)\s+(?P<where>[^;]{10,300}?)"
    r"(?:\.\s|;|\s+Article\b|$)",
    re.I,
)
_TOWN = (
    r"[A-ZÀ-Þ][\wÀ-ÿ'’]*(?:[ -](?:sur|sous|en|de|du|des|les|la|le|l'|d')?[ -]?[A-ZÀ-Þ][\wÀ-ÿ'’]*)*"
)
_PLACE = re.compile(
    r"(?:sur la commune de|sur le territoire de la commune de|organisée?\s+le\s+\d{1,2}\s+\w+"
    rf"\s+\d{{4}}\s+à|dans le quartier d[eu]s?)\s+(?P<place>{_TOWN})"
)
_PERIOD = re.compile(
    r"(?:délivrée|autorisée?|valable)\s+(?:pour|du|à compter du|jusqu)[^.;]{0,200}?"
    r"\d{1,2}(?:er)?\s*[a-zéû]+\s+\d{4}[^.;]{0,80}",
    re.I,
)
_DATE_SPAN = re.compile(
    r"(?:du|à compter du)\s+(?:\w+\s+)?\d{1,2}(?:er)?\s*[a-zéû]*\s*\d{0,4}[^.;]{0,20}?"
    r"\s+(?:au|jusqu'au)\s+(?:\w+\s+)?\d{1,2}(?:er)?\s+[a-zéû]+\s+\d{4}(?:\s+(?:à|inclus)[^.;,]{0,12})?",
    re.I,
)
_LEGAL = re.compile(
    r"\b(?:articles?\s+)?L\.?\s?(?P<art>2(?:42|51|52|53|55)-\d+)(?:\s+à\s+L\.?\s?(?P<to>\d{3}-\d+))?",
)
_JO_LAW = re.compile(r"loi\s+n°\s*2023-380", re.I)


@dataclass
class AuthorisationDetails:
    """The details of one authorisation; empty when the text does not say."""

    service: str = ""
    period: str = ""
    place: str = ""
    cameras: int | None = None
    equipment: str = ""
    legal_basis: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def lines(self) -> list[str]:
        """The details as the notice page and digests print them (French, one per line)."""
        out = []
        if self.service:
            out.append(f"Service demandeur : {self.service}")
        if self.period:
            out.append(f"Période : {self.period}")
        if self.place:
            out.append(f"Lieu / périmètre : {self.place}")
        if self.cameras is not None:
            out.append(f"Nombre de caméras : {self.cameras}")
        if self.equipment:
            out.append(f"Matériel : {self.equipment}")
        if self.legal_basis:
            out.append("Base légale : " + ", ".join(self.legal_basis))
        return out


def _clean(text: str) -> str:
    return _WS.sub(" ", text).strip(" ,;:-–")


def redact_persons(text: str) -> str:
    """``text`` without the names following a civility: "M. Jean DUPONT" → "M. [nom retiré]"."""
    return _PERSON.sub(lambda m: f"{m.group(1)} [nom retiré]", text)


def _number(word: str) -> int | None:
    word = word.lower()
    if word.isdigit():
        return int(word)
    return _NUMBERS.get(word)


def _cameras(text: str) -> int | None:
    match = _CAMERAS.search(text)
    if match:
        return _number(match.group("n"))
    counts = []
    for found in _CAMERA_COUNT.finditer(text):
        counts.append(
            int(found.group("n")) + sum(int(n) for n in re.findall(r"\d+", found["rest"]))
        )
    return max(counts) if counts else None


def _legal_basis(text: str) -> list[str]:
    seen: list[str] = []
    for match in _LEGAL.finditer(text):
        label = f"CSI L{match.group('art')}"
        if match.group("to"):
            label += f" à L{match.group('to')}"
        if label not in seen:
            seen.append(label)
    if _JO_LAW.search(text):
        seen.append("loi n° 2023-380 (art. 10, traitements algorithmiques)")
    return seen


def read_details(text: str) -> AuthorisationDetails:
    """The details an authorisation's text gives (``text``: the act's pages)."""
    flat = _WS.sub(" ", text)
    details = AuthorisationDetails()
    service = _SERVICE.search(flat) or _REQUEST.search(flat)
    if service:
        details.service = redact_persons(_clean(service.group("service")))[:160]
    period = _DATE_SPAN.search(flat) or _PERIOD.search(flat)
    if period:
        details.period = _clean(period.group(0))[:200]
    perimeter = _PERIMETER.search(flat)
    place = _PLACE.search(flat)
    if perimeter:
        details.place = _clean(perimeter.group("where"))[:300]
    if place and place.group("place").strip() not in details.place:
        details.place = _clean(f"{place.group('place')} ; {details.place}")[:300]
    details.cameras = _cameras(flat)
    found = [m.group("what") for m in _EQUIPMENT.finditer(flat)]
    # the article naming the aircraft ("… sur un drone DJI Mavic 3 T") beats the title's wording
    named = [f for f in found if re.search(r"drone|type|modèle|DJI|Parrot", f, re.I)]
    if named or found:
        details.equipment = _clean((named or found)[0])[:160]
    details.legal_basis = _legal_basis(flat)
    return details
