"""The rules engine: every rule's examples, folding at match time, exclusions, bad input."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from extract.rules import RuleError, RuleSet, default_ruleset
from vocabulary.decision import TextField
from vocabulary.terms import CATEGORIES

RULESET = default_ruleset()


def _example_cases() -> list[tuple[str, str, bool]]:
    cases = []
    for rule in RULESET.rules:
        cases += [(rule.id, text, True) for text in rule.examples_match]
        cases += [(rule.id, text, False) for text in rule.examples_no_match]
    return cases


@pytest.mark.parametrize(("rule_id", "text", "should_match"), _example_cases())
def test_rule_example(rule_id: str, text: str, should_match: bool) -> None:
    rule = next(r for r in RULESET.rules if r.id == rule_id)
    where = rule.fields[0] if rule.fields else "description"
    fired = any(h.rule == rule_id for h in RULESET.explain(text, where).hits)
    assert fired is should_match


@pytest.mark.parametrize(
    ("excl_id", "text"), [(e.id, t) for e in RULESET.exclusions for t in e.examples]
)
def test_exclusion_example_leaves_text_unflagged(excl_id: str, text: str) -> None:
    assert not RULESET.explain(text).flagged


def test_every_rule_has_examples_both_ways() -> None:
    assert all(r.examples_match and r.examples_no_match for r in RULESET.rules)


def test_every_category_has_rules() -> None:
    assert set(CATEGORIES) <= {r.category for r in RULESET.rules}


def test_version_names_the_file_version() -> None:
    assert RULESET.version.startswith("surveillance@")


def test_fffd_damaged_accent_matches() -> None:
    assert RULESET.explain("EXTENSION DU DISPOSITIF DE VID\ufffdOPROTECTION").flagged


def test_hyphenated_line_break_matches() -> None:
    assert RULESET.explain("installation d'un système de vidéo-\nprotection").flagged


def test_word_boundary_is_respected() -> None:
    assert not RULESET.explain("un lapin et des clapiers").hits


def test_plural_is_accepted() -> None:
    assert RULESET.explain("achat de lecteurs LAPIs").flagged


def test_snippet_quotes_original_text() -> None:
    hit = RULESET.explain("Extension du système de VIDÉO-PROTECTION urbaine").hits[0]
    assert "VIDÉO-PROTECTION" in hit.snippet


def test_hit_records_field_and_page() -> None:
    d = RULESET.evaluate(
        [TextField("document", "caméras de vidéoprotection", document="abc", page=3)]
    )
    assert (d.hits[0].field, d.hits[0].document, d.hits[0].page) == ("document", "abc", 3)


def test_cpv_field_with_check_digit() -> None:
    assert RULESET.evaluate([TextField("cpv", "35125300-2")]).flagged


def test_guarding_cpv_is_not_flagged() -> None:
    assert not RULESET.evaluate(
        [TextField("cpv", "79714000-2"), TextField("title", "Services de surveillance")]
    ).flagged


def test_camera_near_public_space_is_flagged() -> None:
    assert RULESET.explain("pose de caméras sur la voie publique").flagged


def test_camera_alone_is_not_flagged() -> None:
    assert not RULESET.explain("achat d'une caméra pour le service communication").flagged


def test_exclusion_neutralises_only_the_covered_hit() -> None:
    text = "Lot 1 : vidéo, protection des données. Lot 2 : extension de la vidéoprotection urbaine."
    hits = RULESET.explain(text).hits
    assert [h.snippet.count("Lot 2") > 0 for h in hits] == [True]


def test_excluded_phrase_alone_is_not_flagged() -> None:
    assert not RULESET.explain("matériel vidéo, protection des données").flagged


def test_real_positive_survives_incidental_exclusion() -> None:
    text = (
        "Extension de la vidéoprotection ; curage et inspection vidéo des réseaux d'assainissement"
    )
    assert RULESET.explain(text).flagged


def test_teaching_exclusion_spares_strong_hits_of_other_rules() -> None:
    text = "Bac Pro : logiciel de reconnaissance faciale"
    assert RULESET.explain(text).categories == ("facial_recognition",)


def test_notice_exclusion_drops_ambiguous_cpv() -> None:
    fields = [
        TextField("title", "Équipements pédagogiques du Bac Pro"),
        TextField("cpv", "32323500"),
    ]
    assert not RULESET.evaluate(fields).flagged


def test_requires_needs_cooccurrence() -> None:
    assert not RULESET.explain("Fourniture de smartphones Huawei").flagged


def test_requires_met_elsewhere_in_notice() -> None:
    fields = [
        TextField("title", "Plateforme Huawei"),
        TextField("description", "pour les caméras de la ville"),
    ]
    assert any(h.rule == "videosurveillance.huawei" for h in RULESET.evaluate(fields).hits)


def test_categories_are_sorted() -> None:
    d = RULESET.explain(
        "reconnaissance faciale et lecture automatique de plaques et vidéoprotection"
    )
    assert list(d.categories) == sorted(d.categories)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x00\x01\x02\x1b[31m\x7f",
        "中文文本 العربية Ελληνικά " * 100,
        "\ud800 lone surrogate",
        "é" * 10,
    ],
)
def test_bad_input_gives_a_decision(text: str) -> None:
    assert RULESET.explain(text).flagged is False


def test_binary_garbage_gives_a_decision() -> None:
    garbage = random.Random(7).randbytes(200_000).decode("latin-1")
    assert isinstance(RULESET.explain(garbage).score, float)


def test_five_megabytes_of_text() -> None:
    text = ("Le marché comprend des travaux de voirie et de réseaux. " * 90_000) + "vidéoprotection"
    assert RULESET.explain(text).flagged


def test_many_hits_are_capped_per_rule_and_field() -> None:
    d = RULESET.explain("vidéoprotection, " * 500)
    assert len(d.hits) == 3


def test_malformed_rule_file_raises(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nid = "x"\ncategory = "c"\nterms = "caméra\n', encoding="utf-8")
    with pytest.raises(RuleError):
        RuleSet.load([bad])


def test_unknown_rule_key_raises(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[rule]]\nid = "x"\ncategory = "c"\nterms = ["a"]\nwieght = 2\n', encoding="utf-8"
    )
    with pytest.raises(RuleError):
        RuleSet.load([bad])


def test_unknown_category_raises_naming_the_valid_ones(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nid = "x"\ncategory = "dronez"\nterms = ["a"]\n', encoding="utf-8")
    with pytest.raises(RuleError, match=r"'dronez' is not one of .*drones"):
        RuleSet.load([bad])


def test_custom_rule_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        '[ruleset]\nname = "mine"\nversion = "3"\n[[rule]]\nid = "m.x"\ncategory = "drones"\n'
        'terms = ["quadricoptère"]\n',
        encoding="utf-8",
    )
    d = RuleSet.load([path]).explain("achat d'un QUADRICOPTERE")
    assert (d.flagged, d.rules_version) == (True, "mine@3")


def test_rules_examples_all_pass() -> None:
    assert RULESET.check_examples() == []


def test_non_string_text_gives_a_decision() -> None:
    assert RULESET.evaluate([TextField("title", None)]).flagged is False


DOCS = Path(__file__).parents[2] / "docs" / "rules.md"


@pytest.mark.parametrize("category", sorted({r.category for r in RULESET.rules}))
def test_every_category_is_documented(category: str) -> None:
    assert f"`{category}`" in DOCS.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "command",
    [
        "classify",
        "rules test",
        "rules explain",
        "rules eval",
        "rules report",
        "rules train",
        "rules opinions",
        "rules suggest",
    ],
)
def test_every_command_is_documented(command: str) -> None:
    assert f"veilleur {command}" in DOCS.read_text(encoding="utf-8")


def test_descriptor_rule_only_reads_descriptors() -> None:
    hits = RULESET.evaluate([TextField("descriptor", "Vidéosurveillance")]).hits
    assert "videosurveillance.boamp_descriptor" in {h.rule for h in hits}


def test_descriptor_rule_ignores_other_fields() -> None:
    hits = RULESET.evaluate([TextField("title", "Vidéosurveillance")]).hits
    assert "videosurveillance.boamp_descriptor" not in {h.rule for h in hits}


def test_telesurveillance_descriptor_alone_is_not_flagged() -> None:
    assert not RULESET.evaluate([TextField("descriptor", "Télésurveillance")]).flagged


def test_punctuation_breaks_a_phrase() -> None:
    assert not RULESET.explain("matériel audio et vidéo. Protection des bâtiments").flagged


def test_term_right_after_punctuation_matches() -> None:
    assert RULESET.explain("Travaux (vidéoprotection) de la commune").flagged


def test_negation_needs_terms(tmp_path: Path) -> None:
    path = tmp_path / "r.toml"
    path.write_text('[[negation]]\nid = "n"\n', encoding="utf-8")
    with pytest.raises(RuleError, match="negation needs id and terms"):
        RuleSet.load([path])


def test_context_scope_must_be_known(tmp_path: Path) -> None:
    path = tmp_path / "r.toml"
    path.write_text(
        '[[rule]]\nid = "x"\ncategory = "lapi"\nterms = ["a"]\ncontext = ["b"]\n'
        'context_scope = "page"\n',
        encoding="utf-8",
    )
    with pytest.raises(RuleError, match="context_scope must be one of"):
        RuleSet.load([path])


@pytest.mark.parametrize(
    ("excl_id", "text"),
    [(n.id, t) for n in RULESET.negations for t in n.examples_kept],
)
def test_negation_leaves_these_flagged(excl_id: str, text: str) -> None:
    assert RULESET.explain(text).flagged


@pytest.mark.parametrize(
    ("neg_id", "text"), [(n.id, t) for n in RULESET.negations for t in n.examples]
)
def test_negation_example_leaves_text_unflagged(neg_id: str, text: str) -> None:
    assert not RULESET.explain(text).flagged
