"""Place names: départements, communes and EPCI of the Code officiel géographique (COG).

The desk's map and tables and the digests print a commune's name where notices only carry its
INSEE code, and a buyer without a commune code can still be placed: a commune's SIRET starts with
the commune's SIREN, and an EPCI's SIREN names its member communes. The tables are the COG 2026
files in ``vocabulary/data`` (Licence Ouverte, attribution in its README); they load once, on
first use (about 40 000 rows, a few megabytes in memory).
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

__all__ = [
    "Commune",
    "commune",
    "commune_name",
    "departement_name",
    "departements",
    "departements_of_siren",
    "epci_communes",
]


@dataclass(frozen=True)
class Commune:
    insee: str
    name: str
    departement: str
    #: commune-actuelle, commune-deleguee, commune-associee or arrondissement-municipal
    type: str
    siren: str


def _rows(name: str) -> list[dict[str, str]]:
    blob = resources.files("vocabulary").joinpath("data", name).read_bytes()
    text = gzip.decompress(blob).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@lru_cache(maxsize=1)
def departements() -> dict[str, str]:
    """Département code -> name (``2A`` Corse-du-Sud, ``974`` La Réunion …), COG order."""
    return {r["code"]: r["nom"] for r in _rows("departements-cog2026.csv.gz")}


@lru_cache(maxsize=1)
def _communes() -> tuple[dict[str, Commune], dict[str, Commune]]:
    by_code: dict[str, Commune] = {}
    by_siren: dict[str, Commune] = {}
    for r in _rows("communes-cog2026.csv.gz"):
        c = Commune(r["insee"], r["nom"], r["departement"], r["type"], r["siren"])
        # a current commune wins over the delegated commune that shares its code
        if c.insee not in by_code or c.type == "commune-actuelle":
            by_code[c.insee] = c
        if c.siren and c.type == "commune-actuelle":
            by_siren[c.siren] = c
    return by_code, by_siren


@lru_cache(maxsize=1)
def _epcis() -> dict[str, tuple[str, tuple[str, ...]]]:
    return {r["siren"]: (r["nom"], tuple(r["communes"].split())) for r in _rows("epci-2026.csv.gz")}


def departement_name(code: str | None) -> str | None:
    return departements().get(code or "")


def commune(insee: str | None) -> Commune | None:
    return _communes()[0].get((insee or "").strip())


def commune_name(insee: str | None) -> str | None:
    """The commune's name, or None for a code the COG does not know."""
    found = commune(insee)
    return found.name if found else None


def epci_communes(siren: str) -> tuple[str, ...]:
    """INSEE codes of an EPCI's member communes (empty when ``siren`` is not an EPCI)."""
    found = _epcis().get(siren[:9])
    return found[1] if found else ()


def departements_of_siren(siren_or_siret: str | None) -> tuple[str, ...]:
    """Where a public buyer is, from its SIREN (or a SIRET, whose first 9 digits are it):
    a commune's département, or the départements of an EPCI's member communes."""
    siren = (siren_or_siret or "")[:9]
    if len(siren) != 9 or not siren.isdigit():
        return ()
    found = _communes()[1].get(siren)
    if found:
        return (found.departement,)
    deps = {c.departement for code in epci_communes(siren) if (c := commune(code))}
    return tuple(sorted(deps))
