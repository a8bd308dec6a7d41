"""The catalogue of documents: what each kind of notice and each category asks for."""

from __future__ import annotations

from pathlib import Path

import pytest

from letters.catalogue import catalogue, choose, load, offered
from vocabulary.errors import ConfigError
from vocabulary.terms import CATEGORIES, NOTICE_KINDS


@pytest.mark.parametrize("kind", NOTICE_KINDS)
def test_every_kind_asks_for_something_by_default(kind: str) -> None:
    assert choose(kind, ())


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_category_adds_a_default_document(category: str) -> None:
    assert len(choose("award", (category,))) > len(choose("award", ()))


def test_a_tender_does_not_ask_for_the_offers() -> None:
    keys = {a.key for a in choose("tender", ())}
    assert not keys & {"offre_technique", "rapport_analyse", "prix_titulaire", "marche_signe"}


def test_an_award_asks_for_the_contract_prices_report_and_technical_offer() -> None:
    keys = {a.key for a in choose("award", ())}
    assert {"marche_signe", "prix_titulaire", "rapport_analyse", "offre_technique"} <= keys


def test_videoprotection_asks_for_the_prefect_and_the_commission() -> None:
    keys = {a.key for a in choose("contract", ("videosurveillance",))}
    assert {"arrete_prefectoral", "avis_commission"} <= keys


def test_facial_recognition_asks_for_the_impact_assessment() -> None:
    assert "aipd" in {a.key for a in choose("tender", ("facial_recognition",))}


def test_a_deliberation_asks_for_its_annexes() -> None:
    assert [a.key for a in choose("deliberation", ())] == ["deliberation_annexes"]


def test_offered_includes_what_is_not_ticked() -> None:
    keys = {e.key for e in offered("award", ())}
    assert "pv_cao" in keys and "pv_cao" not in {a.key for a in choose("award", ())}


def test_keys_choose_exactly_those_documents_in_catalogue_order() -> None:
    assert [a.key for a in choose("tender", (), ["aipd", "cctp"])] == ["cctp", "aipd"]


def test_an_unknown_key_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown document"):
        choose("tender", (), ["cctp", "plans"])


def test_labels_are_unique() -> None:
    labels = [e.label for e in catalogue()]
    assert len(labels) == len(set(labels))


def test_a_bad_entry_is_named(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.toml"
    path.write_text('[[document]]\nkey = "x"\nlabel = "x"\nkinds = ["tendre"]\n', "utf-8")
    with pytest.raises(ConfigError, match=r"#1 \(x\): unknown kinds \['tendre'\]"):
        load(path)
