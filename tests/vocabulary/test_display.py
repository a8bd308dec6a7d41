"""Invisible characters that reorder or hide text are not shown (vocabulary.display)."""

from __future__ import annotations

import pytest

from vocabulary.display import HIDDEN, for_display

#: a real BOAMP title (20-102325) with a right-to-left override hiding "exe." inside it
SPOOFED = "Vidéoprotection urbaine \u202eexe.fdp\u202c — Collonges"


def test_right_to_left_override_is_taken_out() -> None:
    assert for_display(SPOOFED) == "Vidéoprotection urbaine exe.fdp — Collonges"


@pytest.mark.parametrize("char", sorted(HIDDEN))
def test_every_hidden_character_is_taken_out(char: str) -> None:
    assert for_display(f"vid{char}éo") == "vidéo"


@pytest.mark.parametrize(
    "char",
    ["\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f", "\u202a", "\u202d", "\u200b"],
)
def test_the_characters_the_issue_names_are_hidden(char: str) -> None:
    assert char in HIDDEN


def test_ordinary_french_text_is_unchanged() -> None:
    text = "Marché n° 2020-14 : caméras « nomades », 1\u202f234 € — lot 2\u00a0!"
    assert for_display(text) == text
