"""Where the work is, from the free text publishers write: ``"(59) Nord"``, ``"Argonay (74)"``,
``"2 rue de la Gendarmerie à Doulaincourt-Saucourt 52270"``, ``"… (52 270)"``, ``"Normandie"``
(all seen in recorded BOAMP FNSimple records, ``tests/fixtures/realworld/boamp/``).

Pure: text in, INSEE département codes out (``01``…``95``, ``2A``, ``2B``, ``971``…``976``).
"""

from __future__ import annotations

import re
import unicodedata

from crawler.base_spiders.fields import departement_from_postcode

__all__ = ["REGIONS", "departements_in_text"]

_DEPT = r"(?:0[1-9]|[1-8]\d|9[0-5]|2[AB]|97[1-6])"
#: a département in brackets: "(59)", "(2A)", "(974)"
_BRACKETED = re.compile(rf"\(\s*({_DEPT})\s*\)", re.IGNORECASE)
#: a postcode, also written "52 270"
_POSTCODE = re.compile(r"(?<![\w,.])(\d{2}) ?(\d{3})(?![\w,])")

#: the 18 regions (2016 names) and their départements
REGIONS: dict[str, tuple[str, ...]] = {
    "auvergne rhone alpes": (
        "01",
        "03",
        "07",
        "15",
        "26",
        "38",
        "42",
        "43",
        "63",
        "69",
        "73",
        "74",
    ),
    "bourgogne franche comte": ("21", "25", "39", "58", "70", "71", "89", "90"),
    "bretagne": ("22", "29", "35", "56"),
    "centre val de loire": ("18", "28", "36", "37", "41", "45"),
    "corse": ("2A", "2B"),
    "grand est": ("08", "10", "51", "52", "54", "55", "57", "67", "68", "88"),
    "hauts de france": ("02", "59", "60", "62", "80"),
    "ile de france": ("75", "77", "78", "91", "92", "93", "94", "95"),
    "normandie": ("14", "27", "50", "61", "76"),
    "nouvelle aquitaine": (
        "16",
        "17",
        "19",
        "23",
        "24",
        "33",
        "40",
        "47",
        "64",
        "79",
        "86",
        "87",
    ),
    "occitanie": ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"),
    "pays de la loire": ("44", "49", "53", "72", "85"),
    "provence alpes cote d azur": ("04", "05", "06", "13", "83", "84"),
    "guadeloupe": ("971",),
    "martinique": ("972",),
    "guyane": ("973",),
    "la reunion": ("974",),
    "mayotte": ("976",),
}


def _folded(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z]+", " ", plain.lower()).strip()


def departements_in_text(text: str | None) -> list[str]:
    """The départements a place text names, in order: bracketed codes, then postcodes, else a
    region name standing alone (``"Normandie"``). Empty when the text names none."""
    if not text:
        return []
    found: list[str] = []
    for match in _BRACKETED.finditer(text):
        code = match.group(1).upper()
        if code not in found:
            found.append(code)
    for match in _POSTCODE.finditer(text):
        code = departement_from_postcode(match.group(1) + match.group(2))
        if code and code not in found:
            found.append(code)
    if found:
        return found
    folded = _folded(text)
    region = REGIONS.get(folded.removeprefix("region "))
    return list(region) if region else []
