"""Folding: what a rule writer can rely on, and the map back to the original text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extract.text import FFFD, fold, fold_with_offsets, snippet

CORPUS_PAGES = (
    Path(__file__).parents[1] / "fixtures" / "corpus_labels" / "pages_documents_dev.jsonl"
)


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("VIDÉOPROTECTION", "videoprotection"),
        ("Vidéo-Protection", "video protection"),
        ("vidéo—protection", "video protection"),
        ("vidéo-\nprotection", "videoprotection"),
        ("vidéo- \n   protection", "videoprotection"),
        ("vidéo\u00ad\nprotection", "videoprotection"),
        ("vidéo\u00a0\u00a0protection", "video protection"),
        ("vidéo\u200bprotection", "videoprotection"),
        ("vide\u0301oprotection", "videoprotection"),
        ("mise en œuvre", "mise en oeuvre"),
        ("mise en \x9cuvre", "mise en oeuvre"),
        ("ÆTHER ﬁchier", "aether fichier"),
        ("caméra d’inspection", "camera d inspection"),
        ("a\tb\r\nc", "a b c"),
        ("x\x01\x02y", "x y"),
    ],
)
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_fffd_is_kept_for_damaged_accents() -> None:
    assert fold("Vid\ufffdoprotection") == f"vid{FFFD}oprotection"


def test_other_scripts_survive_folding() -> None:
    assert fold("Привет мир") == "привет мир"


def test_offsets_fold_equals_fast_fold_on_real_pages() -> None:
    texts = [
        json.loads(line)["text"] for line in CORPUS_PAGES.read_text(encoding="utf-8").splitlines()
    ]
    assert all(fold_with_offsets(t).text == fold(t) for t in texts)


def test_offsets_point_back_to_original_word() -> None:
    text = "Mise en \x9cuvre de la vidéo-\nprotection urbaine"
    folded = fold_with_offsets(text)
    start = folded.text.index("videoprotection")
    a, b = folded.span(start, start + len("videoprotection"))
    assert text[a:b] == "vidéo-\nprotection"


def test_every_folded_letter_comes_from_its_original_character() -> None:
    text = "ÆTHER  ﬁchier\u200b — Œuvre vid\ufffdo-\n  protection\u00a0CAMÉRAS"
    folded = fold_with_offsets(text)
    assert all(
        ch in fold(text[folded.original(i)]) for i, ch in enumerate(folded.text) if ch != " "
    )


def test_every_folded_letter_maps_back_on_real_pages() -> None:
    texts = [
        json.loads(line)["text"] for line in CORPUS_PAGES.read_text(encoding="utf-8").splitlines()
    ]
    bad = [
        (t[:30], i)
        for t in texts
        for f in [fold_with_offsets(t)]
        for i, ch in enumerate(f.text)
        if ch != " " and ch not in fold(t[f.original(i)])
    ]
    assert bad == []


def test_snippet_quotes_original_with_context() -> None:
    text = "Le marché porte sur la VIDÉO-PROTECTION de la ville."
    start = text.index("VIDÉO")
    assert snippet(text, start, start + 16, context=10) == "…sur la VIDÉO-PROTECTION de la…"


def test_fold_of_empty_text_is_empty() -> None:
    assert fold("") == ""


def test_offsets_when_expansion_and_deletion_cancel_out() -> None:
    text = "a\u200bb œuvre vidéoprotection"
    folded = fold_with_offsets(text)
    start = folded.text.index("videoprotection")
    a, b = folded.span(start, start + len("videoprotection"))
    assert text[a:b] == "vidéoprotection"
