"""DECP JSON parsing on real slices of the 2019 files, quirks included."""

from __future__ import annotations

from datetime import date

from crawler.base_spiders.decp_json import (
    DecpRecordError,
    clean_text,
    merge_duplicates,
    normalize_cpv,
    parse_decp_date,
    parse_decp_document,
)
from veilleur.demo.sources import DEMO_SOURCES

#: the demo's slices of the real 2019 DECP files (one copy, replayed by the demo too)
DECP = DEMO_SOURCES / "decp"


def _notices(name: str):
    return [
        n
        for n in parse_decp_document((DECP / name).read_bytes(), name)
        if not isinstance(n, DecpRecordError)
    ]


def _all():
    out = []
    for path in sorted(DECP.glob("*.json")):
        out += _notices(path.name)
    return out


def test_kind_is_contract() -> None:
    assert {n.kind for n in _all()} == {"contract"}


def test_replacement_characters_are_repaired_to_match_keywords() -> None:
    titles = [n.title.lower() for n in _notices("data.gouv.fr_aife_2019-04-04.json")]
    assert any("vidéoprotection" in t for t in titles)


def test_no_replacement_character_survives() -> None:
    assert not any("\ufffd" in n.title for n in _all())


def test_c1_control_is_decoded_as_cp1252() -> None:
    assert clean_text("c\u009cur") == "cœur"


def test_br_tags_removed_from_object() -> None:
    assert not any("<br" in n.title for n in _all())


def test_cpv_check_digit_dropped() -> None:
    assert normalize_cpv("50700000-2") == "50700000"


def test_cpv_lost_leading_zero_restored() -> None:
    assert normalize_cpv("3000000") == "03000000"


def test_pes_date_with_offset() -> None:
    assert parse_decp_date("2018-12-17+01:00") == date(2018, 12, 17)


def test_zero_amount_is_no_value() -> None:
    notices = _notices("marches-publics.info_2019-03-07.json")
    zero = [n for n in notices if n.raw.get("montant") == 0]
    assert zero and all(n.estimated_value is None for n in zero)


def test_key_is_buyer_siret_and_id() -> None:
    lyon = next(n for n in _all() if "Mermoz" in n.title)
    assert lyon.source_id == "21690123100011:2018J114600"


def test_same_contract_in_two_files_becomes_one() -> None:
    merged = merge_duplicates(_all())
    assert len([n for n in merged if "Mermoz" in n.title]) == 1


def test_merged_contract_remembers_both_files() -> None:
    lyon = next(n for n in merge_duplicates(_all()) if "Mermoz" in n.title)
    assert len(lyon.raw["_files"]) == 2


def test_awardees_from_titulaires() -> None:
    lyon = next(n for n in _all() if "Mermoz" in n.title)
    assert lyon.awardees and lyon.awardees[0]["name"]


def test_modifications_summarised() -> None:
    with_mods = [n for n in _all() if n.raw.get("modifications")]
    assert with_mods and all("Modification 1:" in n.extra_text for n in with_mods)


def test_concession_uses_autorite_concedante() -> None:
    concessions = [n for n in _all() if n.raw.get("_type") == "Contrat de concession"]
    assert concessions and all(n.buyer_siret for n in concessions)


def test_record_without_object_is_kept() -> None:
    assert any(n.title.startswith("(objet non publié)") for n in _all())


def test_malformed_file_is_one_error() -> None:
    errors = list(parse_decp_document(b'{"marches": [', "broken.json"))
    assert [e.error_kind for e in errors if isinstance(e, DecpRecordError)] == ["malformed_json"]


def test_record_without_buyer_is_an_error_and_the_rest_goes_on() -> None:
    out = list(parse_decp_document(b'{"marches": [{"id": "1", "objet": "x"}, 3]}'))
    assert [type(o).__name__ for o in out] == ["DecpRecordError", "DecpRecordError"]


def test_lone_replacement_character_is_a_grave() -> None:
    assert clean_text("assistance \ufffd l'exploitation") == "assistance à l'exploitation"


def test_replacement_before_final_consonant_e_is_e_grave() -> None:
    assert clean_text("syst\ufffdme de vid\ufffdoprotection") == "système de vidéoprotection"
