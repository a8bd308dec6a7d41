"""Text clean-up shared by every extractor: line endings, control characters, hyphenation,
and the "are these real words?" test that decides whether a page needs OCR.

PostgreSQL refuses NUL in text columns and the rules engine matches words, so both engines'
output goes through :func:`clean_text`; this is also what keeps pdfium's and pdfplumber's
text identical for the rules.
"""

from __future__ import annotations

import re
from collections import Counter

__all__ = ["clean_text", "fix_hyphenation", "has_real_words", "rule_words"]

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\uffff]")
# "surveil-\nlance" -> "surveillance"; "Saint-\nÉtienne" -> "Saint-Étienne"
_HYPHEN_LOWER_RE = re.compile(r"(?<=[^\W\d_])[-\u00ad\u2010]\n[ \t]*(?=[^\W\d_A-ZÀ-Ý])")
_HYPHEN_UPPER_RE = re.compile(r"(?<=[^\W\d_])([-\u2010])\n[ \t]*(?=[A-ZÀ-Ý])")
_SPACES_RE = re.compile(r"[ \t\u00a0]+\n")
_WORD_RE = re.compile(r"[^\W\d_]{2,}")
_RULE_WORD_RE = re.compile(r"[^\W\d_]{3,}")
_VOWELS = set("aeiouyàâäéèêëîïôöùûüÿœæAEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜŸŒÆ")


def fix_hyphenation(text: str) -> str:
    """Join words split across lines by a hyphen, keeping the hyphen before a capital."""
    text = _HYPHEN_LOWER_RE.sub("", text)
    return _HYPHEN_UPPER_RE.sub(r"\1", text)


def clean_text(raw: str) -> str:
    """Normalized page text: ``\\n`` line ends, no control characters, hyphenation fixed."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    # pdfium reports a hyphen it judged "soft" (end of a text run) as U+0002 or U+FFFE: it is
    # a printed hyphen; the hyphenation fix below decides whether it joins a split word
    text = text.replace("\x02", "-").replace("\ufffe", "-")
    text = _CONTROL_RE.sub("", text)
    text = _SPACES_RE.sub("\n", text)
    text = fix_hyphenation(text)
    text = text.replace("\u00ad", "")
    return text.strip()


def has_real_words(text: str, minimum: int = 3) -> bool:
    """True when ``text`` holds at least ``minimum`` word-like tokens (letters with a vowel)
    making up a fair share of it. Glyph soup from a font without a Unicode map, or a lone
    page number over a scanned image, is not real words: such a page goes to OCR."""
    tokens = text.split()
    if not tokens:
        return False
    words = [w for w in _WORD_RE.findall(text) if _VOWELS.intersection(w) and len(set(w)) > 1]
    return len(words) >= minimum and len(words) / len(tokens) >= 0.3


def rule_words(text: str) -> Counter[str]:
    """The words a keyword rule can match: lower case, hyphens dropped, 3+ letters.

    Used to check that two engines give "the same words for the rules": they may differ on
    superscripts (``n°`` read as ``n o``) and on where a line-end hyphen belonged.
    """
    folded = text.lower().replace("-", "").replace("\u2010", "")
    return Counter(_RULE_WORD_RE.findall(folded))
