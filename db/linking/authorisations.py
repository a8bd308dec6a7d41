"""A prefectoral authorisation → the purchases of the commune it concerns.

A commune's camera system is authorised by the prefect after the departmental vidéoprotection
commission, and bought through a tender or a contract; a drone flight is authorised over a
commune whose own purchases may equip the same place. The authorisation names the commune in
its heading ("… Commune de LA CRAU", but not "Commune de DRAGUIGNAN (Monoprix)": a shop's
system there) or in the place its details give
("Lieu / périmètre : Puget-sur-Argens ; …", see :mod:`extract.raa_details` via the crawl). A
purchase is linked when its buyer is that commune ("Commune de …", "Ville de …", "Mairie de …"
folded alike), in the same département, about cameras, video or drones, published within
:data:`WINDOW_DAYS` of the act. Relation ``authorisation_for``; the reason names the commune.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.chunked import in_chunks
from db.linking.edges import Linker, published_since
from db.linking.scoring import TENDER_KINDS, LinkRow, buyer_key
from db.models.notices import Notice

__all__ = ["RELATION", "WINDOW_DAYS", "communes_named", "link_authorisations"]

RELATION = "authorisation_for"
#: an authorisation and the purchase it concerns are rarely more than two years apart
WINDOW_DAYS = 730
_COMMUNE = re.compile(
    r"\b(?:commune|ville)\s+d[eu']\s*(?P<name>[A-ZÀ-Þ][\wÀ-ÿ'’-]*(?:[ -][A-ZÀ-Þ][\wÀ-ÿ'’-]*)*)",
    re.I,
)
_PLACE = re.compile(r"^Lieu / périmètre : (?P<name>[^;]+?)\s*(?:;|$)", re.M)
#: "Commune de DRAGUIGNAN (Monoprix)": a shop's system in that commune, not the commune's
_ESTABLISHMENT = re.compile(r"\s*\((?P<what>[^)]*)\)?")
_COMMUNE_OWN = re.compile(
    r"mairie|ville|commune|police municipale|hôtel de ville|voie publique|espaces? publics?|CSU",
    re.I,
)
_ABOUT = re.compile(r"vid[ée]o|cam[ée]ra|drone|surveillance|CSU|supervision", re.I)


def communes_named(title: str, description: str) -> set[str]:
    """The communes an authorisation concerns, as buyer keys."""
    names = set()
    for found in _COMMUNE.finditer(title):
        after = _ESTABLISHMENT.match(title, found.end())
        if after and not _COMMUNE_OWN.search(after.group("what")):
            continue
        names.add(found.group("name"))
    place = _PLACE.search(description or "")
    if place and len(place.group("name").split()) <= 5:
        names.add(place.group("name"))
    return {buyer_key(n) for n in names if buyer_key(n)}


def link_authorisations(session: Session, since: date | None, linker: Linker) -> int:
    """Edges from each authorisation of the window to the purchases of the commune it names
    (purchases of the window too)."""
    acts = linker.window(since, Notice.kind == "authorisation")
    if not acts:
        return 0
    described: dict[int, str] = {}
    for chunk in in_chunks([act.id for act in acts]):
        query = select(Notice.id, Notice.description).where(Notice.id.in_(chunk))
        described.update((notice_id, text or "") for notice_id, text in session.execute(query))
    purchases: dict[str, list[LinkRow]] = defaultdict(list)
    # the purchases are only pointed at: read without their edges
    kinds = (*TENDER_KINDS, "contract")
    for row in linker.rows(*published_since(since), Notice.kind.in_(kinds)):
        if _ABOUT.search(row.title):
            purchases[buyer_key(row.buyer)].append(row)
    added = 0
    for act in acts:
        for commune in communes_named(act.title, described.get(act.id) or ""):
            for cand in purchases.get(commune, []):
                if not _near(act.published, cand.published):
                    continue
                if (
                    act.departements
                    and cand.departements
                    and not (set(act.departements) & set(cand.departements))
                ):
                    continue
                reason = (
                    f"the authorisation concerns the commune {commune!r}, buyer of this "
                    f"{cand.kind} about cameras, video or drones"
                )
                target = (cand.source, cand.key, cand.id)
                added += linker.add(act.id, target, RELATION, reason, 0.6)
    return added


def _near(one: date | None, other: date | None) -> bool:
    return one is None or other is None or abs((one - other).days) <= WINDOW_DAYS
