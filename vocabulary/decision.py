"""Typed values shared by the rules engine and its callers (pipelines, CLI, web UI, digests)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Decision", "Hit", "TextField"]


@dataclass(frozen=True)
class TextField:
    """One piece of text to classify and where it comes from.

    ``field`` names the part: title, description, buyer, lots, extra, descriptor, cpv,
    document. ``document`` (sha256 of the document) and ``page`` (1-based) are set for text
    read from a document, so that a hit can cite its page.
    """

    field: str
    text: str
    document: str | None = None
    page: int | None = None


@dataclass(frozen=True)
class Hit:
    """One rule firing on one field, with the match in context.

    ``term`` is the matched text as the field spells it ("CAMÉRAS", "32323500"), ``start`` and
    ``end`` its offsets in the field's text; ``snippet_start``/``snippet_end`` are its offsets in
    ``snippet``, so a page can highlight exactly what matched. They stay empty for hits made
    before the rules engine recorded them.
    """

    rule: str
    rule_version: str
    category: str
    field: str
    snippet: str
    weight: float
    document: str | None = None
    page: int | None = None
    term: str = ""
    start: int | None = None
    end: int | None = None
    snippet_start: int | None = None
    snippet_end: int | None = None


@dataclass(frozen=True)
class Decision:
    """The verdict of the rules on one notice or one text."""

    flagged: bool
    score: float
    categories: tuple[str, ...] = ()
    hits: tuple[Hit, ...] = field(default_factory=tuple)
    rules_version: str = ""
    #: hits a negation neutralised ("hors vidéoprotection"): shown to explain, never counted
    neutralised: tuple[Hit, ...] = field(default_factory=tuple)
    #: True when a field was too dense to read whole (the per-field match budget was reached);
    #: the decision then comes from the part that was read, and ``partial_reason`` says where
    partial: bool = False
    partial_reason: str = ""
