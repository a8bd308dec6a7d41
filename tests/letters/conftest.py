"""Real BOAMP records of the demo (``veilleur/demo/data/boamp/records.json``), by idweb, and
request facts built around them."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from typing import Any

import pytest

from letters.catalogue import choose
from letters.model import NoticeFacts, Party, Recipient, RequestFacts
from veilleur.demo import DEMO_DATA


@cache
def _records() -> dict[str, dict[str, Any]]:
    rows = json.loads((DEMO_DATA / "boamp" / "records.json").read_text(encoding="utf-8"))
    return {r["idweb"]: r for r in rows}


def boamp_record(idweb: str) -> dict[str, Any]:
    return _records()[idweb]


def facts(kind: str = "award", categories: tuple[str, ...] = ("videosurveillance",), **over: Any):
    notice = NoticeFacts(
        title="Fourniture et installation de caméras de vidéoprotection",
        kind=kind,
        source="boamp",
        source_id="20-100747",
        url="https://www.boamp.fr/pages/avis/?q=idweb:20-100747",
        published_at=date(2020, 7, 3),
        buyer_name="CA des deux baies en Montreuillois",
        categories=categories,
        awardees=("Eiffage Énergie Systèmes",) if kind in ("award", "contract") else (),
    )
    base = dict(
        notice=notice,
        documents=tuple(choose(kind, categories)),
        requester=Party(
            name="Camille Martin", address="12 rue des Lilas\n62170 Montreuil", email="c@ex.org"
        ),
        recipient=Recipient(
            name="CA des deux baies en Montreuillois",
            address="11-13 Place Gambetta - BP 3\n62170 Montreuil-sur-Mer",
            email="contact@ca2bm.fr",
        ),
        place="Montreuil",
        written_on=date(2025, 3, 3),
        request_id=12,
    )
    base.update(over)
    return RequestFacts(**base)  # type: ignore[arg-type]


@pytest.fixture
def award_facts() -> RequestFacts:
    return facts()
