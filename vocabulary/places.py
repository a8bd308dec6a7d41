"""Names of places from their codes: communes (INSEE code) and départements (COG code).

The tables are the Code officiel géographique 2026 (INSEE, Licence Ouverte) shipped in
``vocabulary/data/`` (see its README for the source and attribution). Loaded on first use, once
per process. A code the COG does not know gives ``None``: the caller shows the code itself.
A buyer without a commune code is placed by its SIREN: a commune's SIRET starts with the
commune's SIREN, and an EPCI's SIREN names its member communes (DGCL table, same folder).
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = [
    "DATA_DIR",
    "Commune",
    "commune_departement",
    "commune_name",
    "communes",
    "departement_codes",
    "departement_name",
    "departements_of_siren",
    "epci_communes",
    "place_label",
]

DATA_DIR = Path(__file__).parent / "data"
#: when a code names several COG rows (a commune déléguée keeps its former code), the first of
#: these types names it
_TYPE_ORDER = (
    "commune-actuelle",
    "arrondissement-municipal",
    "commune-deleguee",
    "commune-associee",
)


@cache
def _communes() -> dict[str, tuple[str, str]]:
    """INSEE code -> (name, département code)."""
    with gzip.open(DATA_DIR / "communes-cog2026.csv.gz") as raw:
        rows = list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")))
    ranked = sorted(
        rows, key=lambda r: _TYPE_ORDER.index(r["type"]) if r["type"] in _TYPE_ORDER else 9
    )
    out: dict[str, tuple[str, str]] = {}
    for row in ranked:
        out.setdefault(row["insee"], (row["nom"], row["departement"]))
    return out


@cache
def _departements() -> dict[str, str]:
    with (DATA_DIR / "departements-cog2026.csv").open(encoding="utf-8", newline="") as fh:
        return {row["code"]: row["nom"] for row in csv.DictReader(fh)}


def commune_name(insee: str | None) -> str | None:
    """ "Lyon" for ``69123``; None for an unknown or empty code."""
    found = _communes().get((insee or "").strip().upper())
    return found[0] if found else None


def commune_departement(insee: str | None) -> str | None:
    """The département code of a commune (``69`` for ``69123``), from the COG."""
    found = _communes().get((insee or "").strip().upper())
    return found[1] if found else None


def departement_name(code: str | None) -> str | None:
    """ "Rhône" for ``69``; None for an unknown code."""
    return _departements().get((code or "").strip().upper())


def departement_codes() -> tuple[str, ...]:
    """Every département code of the COG, in its order (01 … 95, 2A, 2B, 971 …)."""
    return tuple(_departements())


def place_label(commune_insee: str | None, departements: tuple[str, ...] | list[str]) -> str:
    """Where a notice is, in words: "Lyon (69 – Rhône)", "Pas-de-Calais (62)", "29, 50, 83"
    for several départements; "" when nothing is known."""
    parts: list[str] = []
    commune = commune_name(commune_insee)
    dept_of_commune = commune_departement(commune_insee)
    if commune:
        dept = dept_of_commune or ""
        name = departement_name(dept)
        parts.append(f"{commune} ({dept} – {name})" if name else commune)
    elif commune_insee:
        parts.append(f"commune {commune_insee}")
    others = [d for d in departements if d != dept_of_commune]
    if len(others) == 1:
        name = departement_name(others[0])
        parts.append(f"{name} ({others[0]})" if name else others[0])
    elif others:
        parts.append(
            ", ".join(f"{departement_name(d)} ({d})" if departement_name(d) else d for d in others)
        )
    return " · ".join(parts)


# -- buyers placed by their SIREN (a commune's, or an EPCI's member communes) ---------------


@dataclass(frozen=True)
class Commune:
    insee: str
    name: str
    departement: str
    #: commune-actuelle, commune-deleguee, commune-associee or arrondissement-municipal
    type: str
    siren: str


@cache
def communes() -> tuple[Commune, ...]:
    """Every row of the COG communes table."""
    with gzip.open(DATA_DIR / "communes-cog2026.csv.gz") as raw:
        rows = list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")))
    return tuple(
        Commune(r["insee"], r["nom"], r["departement"], r["type"], r["siren"]) for r in rows
    )


@cache
def _by_siren() -> dict[str, Commune]:
    return {c.siren: c for c in communes() if c.siren and c.type == "commune-actuelle"}


@cache
def _epcis() -> dict[str, tuple[str, ...]]:
    """EPCI SIREN -> INSEE codes of its member communes (DGCL 2026, see data/README.md)."""
    with gzip.open(DATA_DIR / "epci-2026.csv.gz") as raw:
        rows = list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")))
    return {r["siren"]: tuple(r["communes"].split()) for r in rows}


def epci_communes(siren: str) -> tuple[str, ...]:
    """INSEE codes of an EPCI's member communes (empty when ``siren`` is not an EPCI)."""
    return _epcis().get(siren[:9], ())


def departements_of_siren(siren_or_siret: str | None) -> tuple[str, ...]:
    """Where a public buyer is, from its SIREN (or a SIRET, whose first 9 digits are it): a
    commune's département, or the départements of an EPCI's member communes."""
    siren = (siren_or_siret or "")[:9]
    if len(siren) != 9 or not siren.isdigit():
        return ()
    found = _by_siren().get(siren)
    if found:
        return (found.departement,)
    deps = {d for code in epci_communes(siren) if (d := commune_departement(code))}
    return tuple(sorted(deps))
