"""Rendering helpers for hostile scraped text: safe links and highlighted snippets (CSV cells:
``db.notice_export.csv_cell``).

Everything a template prints is autoescaped by Jinja; these helpers return ``Markup`` only
after escaping every piece of source text themselves.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import urlsplit

from markupsafe import Markup, escape

__all__ = ["fold", "highlight", "highlight_span", "rule_terms", "safe_url"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) URL with a host, else None (rendered as text).
    Refuses javascript:, data:, protocol-relative and control-character tricks."""
    if not url or _CONTROL.search(url) or len(url) > 4000:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def fold(text: str) -> str:
    """Lower case without accents, one output character per input character (so offsets in
    the folded text are offsets in the original)."""
    out = []
    for ch in text:
        base = unicodedata.normalize("NFD", ch)[0] if ch.isalpha() else ch
        low = base.lower()
        out.append(low if len(low) == 1 else ch)
    return "".join(out)


def rule_terms(rule_id: str) -> list[str]:
    """Words worth highlighting guessed from a rule id such as ``videosurveillance.camera_ip``
    (the rules engine stores the snippet, not the matched term's offsets)."""
    return [w for w in re.split(r"[^0-9a-zA-Z]+", rule_id.split(".", 1)[-1]) if len(w) >= 4]


def highlight(text: str, terms: Iterable[str]) -> Markup:
    """``text`` escaped, with each occurrence of any term (case- and accent-insensitive)
    wrapped in ``<mark>``."""
    wanted = sorted({fold(t) for t in terms if t and len(t) >= 2}, key=len, reverse=True)
    if not wanted or not text:
        return Markup(escape(text))
    pattern = re.compile("|".join(re.escape(t) for t in wanted))
    folded = fold(text)
    pieces: list[str] = []
    last = 0
    for m in pattern.finditer(folded):
        pieces.append(str(escape(text[last : m.start()])))
        pieces.append(f"<mark>{escape(text[m.start() : m.end()])}</mark>")
        last = m.end()
    pieces.append(str(escape(text[last:])))
    return Markup("".join(pieces))


def highlight_span(text: str, start: int | None, end: int | None) -> Markup | None:
    """``text`` escaped with exactly ``[start, end)`` wrapped in ``<mark>`` (the matched term
    the rules engine recorded); None when the span is missing or does not fit the text."""
    if start is None or end is None or not (0 <= start < end <= len(text)):
        return None
    return Markup(
        f"{escape(text[:start])}<mark>{escape(text[start:end])}</mark>{escape(text[end:])}"
    )
