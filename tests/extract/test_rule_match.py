"""Near words, exclusions, negation and context in linear time, and the per-field budget.

The linear conditions must decide exactly what the plain pairwise check decides (every rule
match against every condition match, counting the spaces between): a naive reference is
written here and compared on texts made of real phrases from the rules' own examples.
"""

from __future__ import annotations

import random

import pytest

import extract.automaton as automaton_module
import extract.rules as rules_module
from extract.rule_match import Sorted, WordIndex, apply_conditions
from extract.rules import RuleSet, _Seen, default_ruleset
from extract.text import fold
from vocabulary.decision import TextField

RULESET = default_ruleset()
PHRASES = sorted(
    {t for r in RULESET.rules for t in r.examples_match + r.examples_no_match}
    | {t for e in RULESET.exclusions for t in e.examples}
)


def _naive_kept(
    ruleset: RuleSet, matches: list, folded: list[str], texts: list, seen: _Seen
) -> list:
    def between(f: str, a, b) -> int:
        lo, hi = (a.end, b.start) if a.end <= b.start else (b.end, a.start)
        if lo >= hi:
            return 0
        return f.count(" ", lo, hi) - 1 if hi - lo > 1 else 0

    out = []
    for m in matches:
        if m.term.kind != "rule":
            continue
        rule = ruleset.rules[m.term.owner]
        if rule.fields and texts[m.field_index].field not in rule.fields:
            continue
        if rule.requires and m.term.owner not in seen.requires:
            continue
        if rule.context and m.term.owner not in seen.context_any:
            continue
        if rule.near:
            near = [
                n
                for n in matches
                if n.term.kind == "near"
                and n.term.owner == m.term.owner
                and n.field_index == m.field_index
            ]
            if not any(between(folded[m.field_index], m, n) < rule.window for n in near):
                continue
        dropped = False
        for x in matches:
            if x.term.kind != "exclusion":
                continue
            excl = ruleset.exclusions[x.term.owner]
            if not ruleset.applies(excl, rule):
                continue
            same = x.field_index == m.field_index
            if excl.scope == "notice" or (
                excl.scope == "overlap" and same and m.start < x.end and x.start < m.end
            ):
                dropped = True
            elif excl.scope == "window" and same:
                dropped = between(folded[m.field_index], m, x) < excl.window
            if dropped:
                break
        if not dropped:
            out.append(m)
    return out


def _matches(ruleset: RuleSet, texts: list[TextField]) -> tuple[list, list[str], _Seen]:
    folded = [fold(t.text) for t in texts]
    seen = _Seen()
    matches: list = []
    for i, f in enumerate(folded):
        matches += ruleset._scan(f, i, seen, texts[i].document)[0]
    return matches, folded, seen


@pytest.mark.parametrize("seed", range(40))
def test_linear_conditions_decide_like_the_pairwise_check(seed: int) -> None:
    rng = random.Random(seed)
    text = " ".join(rng.choice(PHRASES) for _ in range(rng.randint(2, 30)))
    texts = [TextField("description", text)]
    matches, folded, seen = _matches(RULESET, texts)
    if any(m.term.kind == "negation" for m in matches):
        pytest.skip("negation cues are not in the pairwise reference")  # covered below
    got = apply_conditions(RULESET, matches, seen, folded, texts).kept
    want = _naive_kept(RULESET, matches, folded, texts, seen)
    key = lambda m: (m.term.owner, m.field_index, m.start, m.end)  # noqa: E731
    assert sorted(map(key, got)) == sorted(map(key, want))


def test_word_index_counts_words_between() -> None:
    folded = "camera sur la voie publique"
    words = WordIndex(folded, [6, 14])
    assert words.between(6, 14) == 2  # "sur la" between "camera" and "voie"


def test_sorted_finds_the_nearest_on_each_side() -> None:
    class M:
        def __init__(self, start: int, end: int) -> None:
            self.start, self.end = start, end

    folded = "a b c d e f g h i j"
    index = Sorted([M(0, 1), M(18, 19)])  # "a" and "j"
    words = WordIndex(folded, [0, 1, 8, 9, 18, 19])
    assert index.within(M(8, 9), 4, words)  # "e": 3 words to "a"
    assert not index.within(M(8, 9), 3, words)
    assert index.overlaps(M(0, 3))


def test_dense_text_matches_the_plain_check_and_stays_whole() -> None:
    row = "Caméra dôme vidéoprotection sur mât pour la police municipale ; "
    decision = RULESET.explain(row * 400)
    assert decision.flagged and not decision.partial
    assert {h.rule for h in decision.hits} >= {"videosurveillance.terms"}


def test_budget_records_a_partial_decision(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules_module, "MAX_MATCHES_PER_FIELD", 50)
    decision = RULESET.evaluate(
        [TextField("document", "caméra de vidéoprotection. " * 200, document="abc", page=3)]
    )
    assert decision.partial
    assert decision.partial_reason.startswith("document p.3: match budget (50) reached")


def test_budget_keeps_what_it_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules_module, "MAX_MATCHES_PER_FIELD", 50)
    decision = RULESET.explain("caméras de vidéoprotection. " * 200)
    assert decision.flagged and decision.categories == ("videosurveillance",)


def _read_in_chunks_of(size: int, text: str, monkeypatch: pytest.MonkeyPatch) -> str:
    with monkeypatch.context() as patch:
        patch.setattr(automaton_module, "SCAN_CHUNK", size)
        return repr(RULESET.explain(text))


def _scanned_in_chunks_of(size: int, text: str, monkeypatch: pytest.MonkeyPatch) -> tuple:
    with monkeypatch.context() as patch:
        patch.setattr(automaton_module, "SCAN_CHUNK", size)
        seen = _Seen()
        found, stopped_at = RULESET._scan(fold(text), 0, seen, None)
        return found, stopped_at, repr(seen)


@pytest.mark.parametrize("size", [1, 7, 64])
def test_a_text_read_in_chunks_matches_as_read_at_once(
    size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # every rule example once, so that terms of every length straddle the chunks' edges
    text = " ; ".join(random.Random(size).sample(PHRASES, len(PHRASES)))
    whole = _scanned_in_chunks_of(len(text) + 1, text, monkeypatch)
    assert len(whole[0]) > 100
    assert _scanned_in_chunks_of(size, text, monkeypatch) == whole
    assert _read_in_chunks_of(size, text, monkeypatch) == repr(RULESET.explain(text))


def test_a_budget_reached_in_chunks_stops_where_it_stops_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rules_module, "MAX_MATCHES_PER_FIELD", 50)
    text = "caméra de vidéoprotection, drone de la police. " * 200
    whole = RULESET.explain(text)
    assert whole.partial
    assert _read_in_chunks_of(33, text, monkeypatch) == repr(whole)


def test_a_normal_text_is_not_partial() -> None:
    assert not RULESET.explain("Extension du système de vidéoprotection urbaine").partial


def test_negation_neutralises_a_listed_exclusion() -> None:
    text = (
        "Assistance à maîtrise d'ouvrage pour les systèmes industriels d'infrastructures "
        "(hors contrôle d'accès, détection intrusion, vidéo-surveillance)"
    )
    decision = RULESET.explain(text)
    assert not decision.flagged
    assert any("neutralised by negation.exclusion" in h.rule for h in decision.neutralised)


def test_hors_taxes_negates_nothing() -> None:
    text = "Extension du système de vidéoprotection urbaine, 120 000 euros hors taxes"
    assert RULESET.explain(text).flagged
    assert RULESET.explain("Montant hors taxes de la vidéoprotection urbaine").flagged


def test_negation_stops_at_mais() -> None:
    text = "il ne s'agit pas de capter vos conversations mais les bruits suspects"
    assert RULESET.explain(text).categories == ("audio_detection",)


def test_negation_stops_at_the_end_of_the_sentence() -> None:
    text = "Aucune modification du marché. Extension du système de vidéoprotection urbaine."
    assert RULESET.explain(text).flagged


def test_negation_spares_what_comes_before_it() -> None:
    text = "Fourniture de caméras de vidéoprotection, hors maintenance des mâts"
    assert RULESET.explain(text).flagged


def _platform_pages(context_page: str) -> list[TextField]:
    return [
        TextField("title", "Création d'un outil d'aide à la décision"),
        TextField("document", context_page, document="cctp", page=1),
        TextField(
            "document",
            "Le tableau de bord affiche pour chaque quartier des valeurs seuil",
            document="cctp",
            page=14,
        ),
    ]


def test_document_context_carries_to_another_page() -> None:
    decision = RULESET.evaluate(_platform_pages("Big Data de la Tranquillité Publique"))
    hit = next(h for h in decision.hits if h.rule == "big_data_policing.platform_functions")
    assert hit.page == 14 and "big_data_policing" in decision.categories


def test_document_context_is_needed() -> None:
    decision = RULESET.evaluate(_platform_pages("Gestion des consommations d'énergie"))
    assert not any(h.rule == "big_data_policing.platform_functions" for h in decision.hits)


def test_context_in_another_document_does_not_count() -> None:
    other = TextField("document", "la tranquillité publique", document="other", page=1)
    fields = [*_platform_pages("Gestion des consommations d'énergie"), other]
    decision = RULESET.evaluate(fields)
    assert not any(h.rule == "big_data_policing.platform_functions" for h in decision.hits)
