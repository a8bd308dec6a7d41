"""Fold text for matching, and map folded positions back to the original text.

Rules are written once ("vidéoprotection") and must match however a notice spells it:
``VIDEO-PROTECTION``, ``vidéo\\nprotection``, ``vidéo-\\nprotection`` (PDF line-break hyphenation),
``vid\\ufffdoprotection`` (a DECP file where every accent became U+FFFD), with NBSP, zero-width
spaces, soft hyphens, typographic apostrophes and ligatures (œ, æ, ﬁ). Folding lowercases, strips
accents, turns dashes, apostrophes, control characters and whitespace runs into one space, marks
punctuation with BREAK or, at a sentence end, END (boundaries no phrase crosses), and joins hyphenated
line breaks. U+FFFD is kept: the rules compile a variant of each accented term
with U+FFFD in place of each accented letter.

Speed matters (the engine scans whole documents), so :func:`fold` uses whole-string C
operations only (``lower``, ``replace``, ``translate``, one regex). The offset map needed to
quote the original in a snippet is built by :func:`fold_with_offsets` only for fields where
something matched; it applies the same steps while tracking positions and gives the same string.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from vocabulary.display import ZERO_WIDTH

__all__ = [
    "BREAK",
    "END",
    "FFFD",
    "Folded",
    "fold",
    "fold_char",
    "fold_with_offsets",
    "snippet",
    "snippet_with_span",
    "word_end",
]

FFFD = "\ufffd"

#: characters deleted by folding (they hide inside words): soft hyphen, zero-width, BOM, …
_DELETE = "\u00ad" + ZERO_WIDTH
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_APOSTROPHES = "\u2018\u2019\u201b\u02bc\u2032\u00b4\uff07"
#: multi-letter folds; \x9c is cp1252 "œ" decoded as latin-1 (seen in DECP files)
_EXPAND = {
    "œ": "oe",
    "\x9c": "oe",
    "æ": "ae",
    "ß": "ss",
    "ﬀ": "ff",
    "ﬁ": "fi",
    "ﬂ": "fl",
    "ﬃ": "ffi",
    "ﬄ": "ffl",
    "ﬅ": "st",
    "ﬆ": "st",
    "ĳ": "ij",
}


@lru_cache(maxsize=8192)
def fold_char(char: str) -> str:
    """Fold one character to zero, one or (ligatures) several lowercase characters."""
    ch = char.lower()[:1] or char  # "İ".lower() is two characters: keep the letter
    if ch in _EXPAND:
        return _EXPAND[ch]
    if ch in _DELETE:
        return ""
    if ch in _DASHES:
        return "-"
    if ch in _APOSTROPHES:
        return "'"
    if ch == FFFD or ch.isascii():
        return ch
    if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp"):
        return "\n" if ch in "\x85\u2028\u2029" else " "
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if not base:
        return ""  # a lone combining mark (decomposed "e\u0301"): drop it
    if len(base) == 1 and base.isascii():
        return base
    return ch if ch.isalnum() else " "  # other scripts stay; symbols (€, •, ²) separate words


# Non-ASCII characters common in French notices, folded by whole-string replace (fast path).
_COMMON_CHARS = (
    "éèêëàâäçôöîïûùüÿñáíóúœæ"
    "ÉÈÊËÀÂÄÇÔÖÎÏÛÙÜŸÑÁÍÓÚŒÆ"
    "\xa0\u202f\u2009\u2007" + _DASHES + _APOSTROPHES + _DELETE + "«»°º\x9c\x92\x96\x97"
)
_COMMON = tuple((ch, fold_char(ch)) for ch in _COMMON_CHARS)
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")
_HYPHENATION_RE = re.compile(r"-[ \t\r\f\v]*\n\s*")
_SPACES_RE = re.compile("  +")  # literal prefix: faster than " {2,}" or a replace loop
#: every ASCII character but letters, digits and NUL (the U+FFFD stand-in) separates words
#: BREAK stands for punctuation that ends a phrase: "vidéo, protection des données" must not
#: read as "vidéo protection". It is still a word boundary; rules never contain it.
BREAK = "\x01"
#: END stands for punctuation that ends a sentence (. ; : ! ?): a phrase boundary like BREAK,
#: and also where a negation's reach stops ("hors vidéoprotection. Caméras…").
END = "\x02"
_SENTENCE = ";:.!?"
_CLAUSE = ',()[]{}<>|/\\"'
_PUNCTUATION = _CLAUSE + _SENTENCE
_ASCII_SPACE = "".join(
    chr(c) for c in range(1, 128) if not chr(c).isalnum() and chr(c) not in _PUNCTUATION
)
#: one pass for ASCII text: lowercase, every separator becomes a space, punctuation a BREAK
_TO_SPACE = str.maketrans(
    {
        **dict.fromkeys(_ASCII_SPACE, " "),
        **dict.fromkeys(_CLAUSE, BREAK),
        **dict.fromkeys(_SENTENCE, END),
        **{chr(c): chr(c + 32) for c in range(ord("A"), ord("Z") + 1)},
    }
)
_CLAUSE_RE = re.compile("[" + re.escape(_CLAUSE) + "]")
_SENTENCE_RE = re.compile("[" + re.escape(_SENTENCE) + "]")
_TO_SPACE_RE = re.compile(r"[^\w\x00\x01\x02]|_")


def _chars_fast(low: str) -> str:
    """Fold characters one to one where possible; U+FFFD becomes NUL so the text stays ASCII."""
    if "\x00" in low:
        low = low.replace("\x00", " ")
    if low.isascii():
        return low
    low = low.replace("\xad\n", "-\n")  # soft hyphen at a line end is a hyphenation
    for ch, rep in _COMMON:
        if ch in low:
            low = low.replace(ch, rep)
    if not low.isascii() and FFFD in low:
        low = low.replace(FFFD, "\x00")
    if not low.isascii():
        for ch in set(_NON_ASCII_RE.findall(low)):
            rep = fold_char(ch)
            if rep != ch:
                low = low.replace(ch, rep)
    return low


def _char_one(low: str, i: int) -> str:
    """The fold of ``low[i]`` alone, as :func:`_chars_fast` does it."""
    ch = low[i]
    if ch == "\x00":
        return " "
    if ch == FFFD:
        return "\x00"
    if ch == "\xad" and low.startswith("\n", i + 1):
        return "-"
    return ch if ch.isascii() else fold_char(ch)


def _to_space(s: str) -> str:
    if s.isascii():
        return s.translate(_TO_SPACE)
    s = s.replace(BREAK, " ").replace(END, " ")  # rare: text in other scripts
    s = _SENTENCE_RE.sub(END, _CLAUSE_RE.sub(BREAK, s))
    return _TO_SPACE_RE.sub(" ", s).lower()


def _spaces(s: str) -> str:
    s = _SPACES_RE.sub(" ", _to_space(s))
    return s.replace("\x00", FFFD) if "\x00" in s else s


def fold(text: str) -> str:
    """The folded form of ``text`` (see module docstring)."""
    s = _chars_fast(text)
    if "-" in s:
        s = _HYPHENATION_RE.sub("", s)
    return _spaces(s)


@dataclass(frozen=True)
class _StepMap:
    """How one length-changing folding step moved positions: each match ``[start, end)`` of
    its input became ``rep`` characters starting at ``out`` in its output."""

    out: list[int]
    start: list[int]
    end: list[int]
    rep: list[int]

    @classmethod
    def build(cls, spans: list[tuple[int, int]], reps: list[int]) -> _StepMap:
        removed = [e - s - r for (s, e), r in zip(spans, reps, strict=True)]
        before = list(accumulate(removed, initial=0))
        return cls(
            [s - c for (s, _), c in zip(spans, before, strict=False)],
            [s for s, _ in spans],
            [e for _, e in spans],
            reps,
        )

    def back(self, pos: int) -> int:
        k = bisect_right(self.out, pos) - 1
        if k < 0:
            return pos
        inside = pos - self.out[k]
        return self.start[k] if inside < self.rep[k] else self.end[k] + inside - self.rep[k]


@dataclass(frozen=True)
class Folded:
    """A folded text and the steps that map its positions back to the original text."""

    text: str
    original_length: int
    steps: tuple[_StepMap, ...] = ()

    def original(self, pos: int) -> int:
        """Index in the original text of the character that folded into ``pos``."""
        for step in reversed(self.steps):
            pos = step.back(pos)
        return min(max(pos, 0), max(self.original_length - 1, 0))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``[start, end)`` covering folded ``[start, end)``."""
        if not self.text:
            return 0, 0
        first = self.original(start)
        return first, max(first, self.original(max(end - 1, start))) + 1


def _char_step(text: str) -> _StepMap | None:
    """Where the character step expanded (œ → oe) or dropped (zero-width) characters."""
    if text.isascii():
        return None
    specials = {
        c for c in set(_NON_ASCII_RE.findall(text)) if len(fold_char(c)) != 1 or c == "\xad"
    }
    if not specials:  # (equal lengths are not enough: one œ and one zero-width space cancel out)
        return None
    pattern = re.compile("[" + re.escape("".join(sorted(specials))) + "]")
    spans = [m.span() for m in pattern.finditer(text)]
    return _StepMap.build(spans, [len(_char_one(text, s)) for s, _ in spans])


def _regex_step(s: str, pattern: re.Pattern[str], rep: str, steps: list[_StepMap]) -> str:
    spans = [m.span() for m in pattern.finditer(s)]
    if spans:
        steps.append(_StepMap.build(spans, [len(rep)] * len(spans)))
        s = pattern.sub(rep, s)
    return s


def fold_with_offsets(text: str) -> Folded:
    """Fold ``text`` keeping the map back to it; gives the same string as :func:`fold`."""
    steps: list[_StepMap] = []
    char_step = _char_step(text)
    if char_step is not None:
        steps.append(char_step)
    chars = _chars_fast(text)
    chars = _regex_step(chars, _HYPHENATION_RE, "", steps)
    chars = _regex_step(_to_space(chars), _SPACES_RE, " ", steps)
    return Folded(chars.replace("\x00", FFFD), len(text), tuple(steps))


_WS_RE = re.compile(r"\s+")
_CTRL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def snippet(original: str, start: int, end: int, context: int = 80) -> str:
    """The original text around ``[start, end)``, whitespace collapsed, match kept verbatim."""
    return snippet_with_span(original, start, end, context)[0]


def _collapse(text: str) -> str:
    return _WS_RE.sub(" ", _CTRL_RE.sub(" ", text))


def snippet_with_span(
    original: str, start: int, end: int, context: int = 80
) -> tuple[str, int, int]:
    """:func:`snippet` and where the match lies in it: ``(text, match_start, match_end)``."""
    left = max(0, start - context)
    right = min(len(original), end + context)
    if left > 0:
        space = original.find(" ", left, start)
        left = space + 1 if space != -1 else left
    if right < len(original):
        space = original.rfind(" ", end, right)
        right = space if space > end else right
    before = _collapse(original[left:start]).lstrip()
    match = _collapse(original[start:end])
    after = _collapse(original[end:right])
    body = (before + match + after).rstrip()
    if not before and match.startswith(" "):  # the match itself opened with whitespace
        match = match.lstrip()
        body = body.lstrip()
    head = "…" if left > 0 else ""
    m_start = len(head) + len(before)
    m_end = min(m_start + len(match), len(head) + len(body))
    tail = "…" if right < len(original) else ""
    return head + body + tail, m_start, m_end


def word_end(folded: str, end: int, *, whole_word: bool = False) -> int:
    """Where the word a match ends in really ends, for quoting: with ``whole_word`` (a prefix
    term such as "vidéosurveill*") up to the end of the word; otherwise past an accepted plural
    "s"/"x" ("caméras"), so a quote never stops inside a word."""
    n = len(folded)
    if whole_word:
        while end < n and (folded[end].isalnum() or folded[end] == FFFD):
            end += 1
    elif (
        end < n
        and folded[end] in "sx"
        and (end + 1 >= n or not (folded[end + 1].isalnum() or folded[end + 1] == FFFD))
    ):
        end += 1
    return end
