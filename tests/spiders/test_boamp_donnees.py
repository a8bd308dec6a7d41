"""``donnees`` parsing on real records, one shape per test group."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from spiders.boamp_donnees import detect_shape, parse_donnees, text_leaves
from veilleur.demo import DEMO_DATA

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "boamp"


def api_records() -> list[dict[str, Any]]:
    return json.loads((FIXTURES / "boamp_records_2024-02-29.json").read_text(encoding="utf-8"))[
        "results"
    ]


def demo(idweb: str) -> dict[str, Any]:
    records = json.loads((DEMO_DATA / "boamp" / "records.json").read_text(encoding="utf-8"))
    return next(r for r in records if r["idweb"] == idweb)


def by_id(idweb: str) -> dict[str, Any]:
    return next(r for r in api_records() if r["idweb"] == idweb)


def test_old_schema_is_detected() -> None:
    assert parse_donnees(by_id("BXP06181020621O")["donnees"]).shape == "old"


def test_old_schema_description() -> None:
    parsed = parse_donnees(by_id("BXP06181020621O")["donnees"])
    assert parsed.description.startswith("restructuration, extension et création d'un bassin")


def test_old_schema_cpv_with_trailing_dot() -> None:
    assert parse_donnees(by_id("BWP061840703432")["donnees"]).cpv_codes == ["45000000"]


def test_old_schema_rectif_names_the_initial_notice() -> None:
    assert "06-114068" in parse_donnees(by_id("BWP06181000031P")["donnees"]).related_ids


def test_contact_fields_stay_out_of_searchable_text() -> None:
    parsed = parse_donnees(by_id("BWP061810102313")["donnees"])
    assert "03-83-31-91-60" not in parsed.extra_text


def test_searchable_text_keeps_the_object() -> None:
    parsed = parse_donnees(by_id("BWP061810102313")["donnees"])
    assert "fourniture et pose d'une classe en modulaire" in parsed.extra_text


def test_mapa_shape_is_detected() -> None:
    assert parse_donnees(demo("20-102077")["donnees"]).shape == "MAPA"


def test_fnsimple_main_cpv() -> None:
    assert parse_donnees(demo("20-100747")["donnees"]).cpv_codes[0] == "32323500"


def test_eforms_shape_names_its_root() -> None:
    assert parse_donnees(demo("00041387-2024")["donnees"]).shape == "EFORMS/ContractNotice"


def test_eforms_lots_are_read() -> None:
    assert parse_donnees(demo("00041387-2024")["donnees"]).lots


def test_unknown_shape_keeps_every_text_leaf() -> None:
    parsed = parse_donnees({"NOUVEAU": {"objet": {"texte": "caméras piétons pour la police"}}})
    assert (parsed.shape, "caméras piétons" in parsed.extra_text) == ("unknown", True)


def test_malformed_json_raises_value_error() -> None:
    with pytest.raises(ValueError):
        parse_donnees('{"IDENT": ')


def test_non_object_json_raises_value_error() -> None:
    with pytest.raises(ValueError):
        parse_donnees("[1, 2]")


def test_empty_donnees_is_a_shape_not_an_error() -> None:
    assert parse_donnees(None).shape == "empty"


def test_detect_shape_prefers_named_shapes() -> None:
    assert detect_shape({"FNSimple": {}, "IDENT": {}}) == "FNSimple"


def test_text_leaves_skip_urls() -> None:
    assert list(text_leaves({"a": "https://x.fr", "b": "texte"})) == ["texte"]
