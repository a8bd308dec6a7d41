"""The pure side of linking (``db.linking.scoring``): judgements on rows, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from db.linking.scoring import (
    LinkRow,
    TenderIndex,
    best_contract,
    buyer_key,
    ojs_refs,
    siren,
    title_similarity,
)

# SYNTHETIC rows around the real Lyon Mermoz contract title (tests/db/test_linking.py)
TENDER = LinkRow(
    id=1, source="boamp", key="18-999999", kind="tender",
    title="Extension de la vidéoprotection des espaces publics du quartier Mermoz Nord",
    buyer="Ville de Lyon", siret="21690123100011", cpv=["35125300"],
    published=date(2018, 6, 1), related=[], procedure_key="", awardees=[],
    departements=["69"],
)  # fmt: skip
CONTRACT = replace(
    TENDER, id=2, source="decp", key="21690123100011:2018J114600", kind="contract",
    title="Extension vidéoprotection Mermoz Nord", published=date(2018, 11, 5),
)  # fmt: skip


def test_boilerplate_does_not_make_titles_alike() -> None:
    assert title_similarity("Marché de fournitures et services", "Fourniture de services") == 0


def test_accents_and_order_do_not_matter() -> None:
    assert title_similarity("Vidéoprotection Mermoz", "MERMOZ videoprotection") == 1


def test_buyer_key_drops_ville_de() -> None:
    assert buyer_key("Ville de Lyon") == buyer_key("LYON")


def test_siren_of_a_siret() -> None:
    assert (siren("21690123100011"), siren("CDL")) == ("216901231", "")


def test_ojs_reference_becomes_a_ted_notice_number() -> None:
    assert ojs_refs("Avis publié au JOUE 2020/S 163-381341") == {"381341-2020"}


def test_contract_finds_its_tender_with_the_evidence() -> None:
    found = best_contract(CONTRACT, TenderIndex.of([TENDER]), threshold=0.6)
    assert found is not None and (found[1].id, "buyer SIREN 216901231" in found[2]) == (1, True)


def test_contract_years_after_the_tender_finds_nothing() -> None:
    late = replace(CONTRACT, published=date(2021, 6, 1))
    assert best_contract(late, TenderIndex.of([TENDER]), threshold=0.6) is None
