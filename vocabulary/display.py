"""Scraped text made safe to show: the invisible characters that reorder or hide text are
taken out of what a reader sees, never out of what is stored.

Bidirectional controls (U+202A–U+202E embeddings and overrides, U+2066–U+2069 isolates,
U+200E/U+200F/U+061C marks) make a title or buyer name display in another order than it reads
— "Trojan Source" (CVE-2021-42574, https://trojansource.codes/) — and zero-width characters
(U+200B–U+200D, U+2060, U+FEFF, U+180E) make two different strings look the same. Neither has a
place in a procurement notice's title or a buyer's name: the web desk, the mails and the feeds
print text through :func:`for_display`; the raw payload keeps them for whoever investigates.
"""

from __future__ import annotations

__all__ = ["HIDDEN", "ZERO_WIDTH", "for_display"]

#: zero-width space, non-joiner, joiner, word joiner, BOM, Mongolian vowel separator (the rules'
#: folding deletes them too: they hide inside words)
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u180e"
#: the characters :func:`for_display` removes
HIDDEN = frozenset(
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings, overrides, pop
    "\u2066\u2067\u2068\u2069"  # isolates
    "\u200e\u200f\u061c" + ZERO_WIDTH  # left-to-right, right-to-left and Arabic letter marks
)
_TABLE = dict.fromkeys(map(ord, HIDDEN))


def for_display(text: str) -> str:
    """``text`` without the characters of :data:`HIDDEN` (the same string when it has none)."""
    return text.translate(_TABLE) if not text.isascii() else text
