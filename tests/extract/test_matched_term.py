"""Hits carry the matched term and its offsets, in the field and in the snippet."""

from __future__ import annotations

from extract.rules import default_ruleset
from vocabulary.decision import TextField

TEXT = "Installation de CAMERAS de vidéo-\nprotection sur la voie publique"


def _hit(rule: str, text: str = TEXT):
    decision = default_ruleset().evaluate([TextField("description", text)])
    return next(h for h in decision.hits if h.rule == rule)


def test_plural_is_quoted_whole() -> None:
    assert _hit("videosurveillance.camera_context").term == "CAMERAS"


def test_offsets_point_into_the_field() -> None:
    hit = _hit("videosurveillance.camera_context")
    assert TEXT[hit.start : hit.end] == "CAMERAS"


def test_snippet_offsets_point_at_the_term() -> None:
    hit = _hit("videosurveillance.terms")
    assert hit.snippet[hit.snippet_start : hit.snippet_end] == hit.term == "vidéo- protection"
