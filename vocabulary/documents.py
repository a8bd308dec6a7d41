"""What reading a document yields: its status, why, and its pages of text.

Shared by ``extract`` (which produces an :class:`ExtractionResult`), the crawler (which carries
pages on the item) and ``db`` (which stores them). A document is never "read, nothing found"
unless it was read: ``status`` says how far reading got and ``reason`` says why, in words an
analyst can act on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

__all__ = [
    "DOCUMENT_STATUSES",
    "FINAL_OK",
    "RETRYABLE_REASONS",
    "DocumentStatus",
    "ExtractionResult",
    "PageText",
    "is_retryable",
]

#: Every status a document can have. ``pending``: not read yet (the database's "not yet").
DocumentStatus = Literal[
    "pending",
    "ok",  # every page read from its text layer
    "ocr",  # every page read, some of them by OCR
    "partial",  # some pages or members could not be read (reason says which)
    "encrypted",  # a password is needed to open it
    "corrupt",  # the bytes claim a format but do not parse (or the download was truncated)
    "too_large",  # over a size, page, member or decompression cap
    "timeout",  # the wall-clock budget ran out (pages read until then are kept)
    "resource_limit",  # the worker hit its memory cap or died
    "not_a_document",  # empty body, HTML page, image, unsupported format
]
#: the statuses reading can end with (everything but ``pending``)
DOCUMENT_STATUSES: tuple[DocumentStatus, ...] = get_args(DocumentStatus)[1:]
#: statuses meaning "read as completely as a document can be read"
FINAL_OK: tuple[DocumentStatus, ...] = ("ok", "ocr")

#: reason codes (the text before the first ":") of outcomes that say more about the download
#: than about the document: the pipeline fetches such a URL again on the next run
RETRYABLE_REASONS = ("empty", "html", "truncated")


def is_retryable(status: str, reason: str | None) -> bool:
    """True when the outcome is likely a bad download (retry next run), not a bad document."""
    if status == "pending":
        return True
    code = (reason or "").split(":", 1)[0].strip()
    return status in ("not_a_document", "corrupt") and code in RETRYABLE_REASONS


@dataclass
class PageText:
    """One page's text. ``member`` names the archive member ("" for the document itself);
    ``method`` is ``text`` (text layer), ``pdfplumber``, ``ocr`` or ``office``."""

    page_number: int
    text: str
    member: str = ""
    method: str = "text"


@dataclass
class ExtractionResult:
    """The outcome of reading one document."""

    status: DocumentStatus
    reason: str | None = None
    media_type: str | None = None
    page_count: int | None = None
    pages: list[PageText] = field(default_factory=list)
    #: things worth knowing that did not change the status (skipped links, images in a ZIP)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def text(self) -> str:
        return "\n\f".join(p.text for p in self.pages)
