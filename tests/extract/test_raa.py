"""Recueils split into acts, and an authorisation's details, on the real Var bundles."""

from __future__ import annotations

import pytest

from extract.documents import extract_document
from extract.raa import is_nominative, read_toc, split_bundle
from extract.raa_details import read_details, redact_persons
from tests.conftest import FIXTURES
from vocabulary.documents import PageText

BUNDLES = FIXTURES / "prefectures" / "var" / "bundles"


def _text_bundle(stem: str) -> list[PageText]:
    return [PageText(1, (BUNDLES / f"{stem}.txt").read_text(encoding="utf-8"))]


@pytest.fixture(scope="module")
def pdf_pages() -> list[PageText]:
    """RAA N°242 of 15 July 2025, the original 75-page PDF."""
    return extract_document((BUNDLES / "e7e832000544b858.pdf").read_bytes()).pages


def test_pdf_bundle_split_on_its_table_of_contents(pdf_pages: list[PageText]) -> None:
    acts = split_bundle(pdf_pages)
    assert len(acts) == 17
    first = acts[0]
    # "(1 page) Page 4": the separator page 4 and the act's page 5
    assert (first.act_id, first.first_page, first.last_page) == ("83-2025-07-04-00012", 4, 5)
    assert [p.page_number for p in first.pages] == [4, 5]
    assert all(first.act_id in p.text for p in first.pages)
    last = acts[-1]
    assert (last.act_id, last.first_page, last.last_page) == ("83-2025-07-07-00016", 73, 75)
    assert last.service.startswith("Préfecture du VAR / Direction des titres")
    assert acts[14].title.startswith("ARRÊTÉ PRÉFECTORAL n° 2025/53/MCI")


def test_text_bundle_split_and_cited_at_the_act_page() -> None:
    acts = split_bundle(_text_bundle("02db690e8470fb80"))  # RAA N°192 of 6 June 2025
    assert [a.act_id for a in acts] == [
        "83-2025-06-06-00001",
        "83-2025-06-06-00003",
        "83-2025-06-06-00002",
    ]
    drone = acts[0]
    assert (drone.first_page, drone.last_page) == (3, 7)
    assert drone.pages[0].page_number == 3
    assert "Mavic" in drone.text and "83-2025-06-06-00003" not in drone.text
    assert drone.service == "Préfecture du VAR / Direction des sécurités"
    assert drone.date == "2025-06-06" and drone.departement == "83"


def test_toc_entry_fields() -> None:
    head = _text_bundle("02db690e8470fb80")[0].text[:1500]
    entries = read_toc(head)
    assert entries[1].heading.startswith("Arrêté préfectoral n°2025-06-06-BPAS")
    assert (entries[1].first_page, entries[1].page_count) == (8, 6)


def test_drone_authorisation_details() -> None:
    acts = split_bundle(_text_bundle("02db690e8470fb80"))
    details = read_details(acts[0].text)
    assert details.service == "le groupement de gendarmerie du Var"
    assert details.cameras == 1
    assert details.equipment == "caméra sur un drone de type DJI Mavic 3T"
    assert "08juin 2025 de 12h00 à 20h00" in details.period
    assert details.place.startswith("Puget-sur-Argens")
    assert details.legal_basis == ["CSI L242-4"]


def test_details_of_another_prefecture_wording() -> None:
    acts = split_bundle(_text_bundle("282af24826c9a76d"))  # RAA N°69 spécial, 4 March 2025
    details = read_details(acts[0].text)
    assert details.service == "la direction interdépartementale de la Police Nationale du Var"
    assert details.period == "du mardi 04 au vendredi 07 mars 2025"
    assert details.equipment == "installée sur un drone DJI Mavic 3T"
    assert "CSI L242-5" in details.legal_basis
    assert "Nombre de caméras : 1" in details.lines()


def test_details_stay_empty_when_the_text_does_not_say() -> None:
    details = read_details("Arrêté portant approbation des dispositions spécifiques ORSEC.")
    assert details.lines() == []


def test_names_after_a_civility_are_removed() -> None:
    title = "portant délégation de signature à M. Thibaut DARGON, directeur, et Mme Joséphine GUIGLIANO-BOUTONNET"
    assert redact_persons(title) == (
        "portant délégation de signature à M. [nom retiré], directeur, et Mme [nom retiré]"
    )


def test_nominative_recueil_recognised_from_its_cover() -> None:
    # the cover of the Var's RAA N°010 of 9 January 2025
    assert is_nominative(
        "VAR\nRECUEIL DES ACTES\nADMINISTRATIFS SPÉCIAL\n(NOMINATIFS)\nN°83-2025-010"
    )
    assert not is_nominative(_text_bundle("02db690e8470fb80")[0].text)


NOMINATIVE = FIXTURES / "prefectures" / "nominative" / "raa-010-2025-head.txt"


def test_commission_act_split_into_its_arretes() -> None:
    acts = split_bundle([PageText(1, NOMINATIVE.read_text(encoding="utf-8"))])
    assert [a.act_id for a in acts][:3] == [
        "83-2024-12-20-00006-001",
        "83-2024-12-20-00006-002",
        "83-2024-12-20-00006-003",
    ]
    flassans = acts[2]
    assert flassans.title.startswith(
        "Arrêté préfectoral portant autorisation d'installation d'un système de Vidéoprotection "
        "Commune de FLASSANS"
    )
    # the footer after its first lines prints 25: content precedes its page's footer
    assert flassans.first_page == 25
    assert read_details(flassans.text).cameras == 7
    assert "ROQUEBRUNE" in acts[0].title and "refus" in acts[0].title
