"""What both TED notice formats share: publication numbers, BOAMP references, element text.

Pure (lxml elements in, plain values out); :mod:`spiders.parsers.ted_xml` picks the format.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

__all__ = [
    "NOTICE_URL",
    "TED_SOURCE",
    "canonical_publication_number",
    "find_boamp_ids",
    "first_found",
    "first_text",
    "iso_date",
    "text_of",
    "to_number",
    "unique",
]

TED_SOURCE = "ted"
NOTICE_URL = "https://ted.europa.eu/en/notice/-/detail/{}"

_OJS_REF = re.compile(r"(\d{4})\s*/\s*S\s*\d{1,3}\s*-\s*(\d{3,7})")
_BOAMP_ID = re.compile(r"BOAMP[^0-9]{0,40}?(\d{2}-\d{5,6})", re.IGNORECASE)
_WS = re.compile(r"\s+")


def canonical_publication_number(raw: str) -> str:
    """``00047522-2024`` / ``047522-2024`` / ``2024/S 017-047522`` → ``47522-2024``.

    TED prints publication numbers with and without leading zeros (the search API's
    ``publication-number`` has none; R2 ``DOC_ID`` and eForms ``NoticePublicationID`` do).
    """
    text = raw.strip()
    ojs = _OJS_REF.search(text)
    if ojs:
        return f"{int(ojs.group(2))}-{ojs.group(1)}"
    number, _, year = text.partition("-")
    if number.isdigit() and year.isdigit():
        return f"{int(number)}-{year}"
    return text


def find_boamp_ids(text: str) -> list[str]:
    """BOAMP notice ids quoted in a TED notice ("BOAMP: annonce n° 15-189584")."""
    return sorted(set(_BOAMP_ID.findall(text)))


def text_of(el: Any) -> str:
    if el is None:
        return ""
    return _WS.sub(" ", "".join(el.itertext())).strip()


def first_text(root: Any, path: str) -> str:
    return text_of(root.find(path))


def to_number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.replace(" ", "").replace(",", "."))
    except ValueError:
        return None
    return number if number == number else None  # NaN is not a value


def iso_date(value: str | None) -> date | None:
    if not value:
        return None
    value = value.strip()
    try:
        if len(value) >= 8 and value[:8].isdigit():
            return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def first_found(*elements: Any) -> Any:
    """The first element that exists (lxml elements without children are falsy: no ``or``)."""
    for el in elements:
        if el is not None:
            return el
    return None


def unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
