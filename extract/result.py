"""What document extraction returns, and the caps it works under.

Kept free of Scrapy and SQLAlchemy: the crawler converts :class:`Page` to
``crawler.items.PageText`` and the database layer stores :class:`ExtractionResult` as it is.
A document is never "read, nothing found" unless it was read: ``status`` says how far we got
and ``reason`` says why, in words an analyst can act on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "FINAL_OK",
    "RETRYABLE_REASONS",
    "STATUSES",
    "BudgetExceeded",
    "ExtractionResult",
    "Limits",
    "Page",
    "is_retryable",
    "needs_attention",
]

#: every status a document can end with (``pending`` is the database's "not yet")
STATUSES = (
    "ok",  # every page read from its text layer
    "ocr",  # every page read, some of them by OCR
    "partial",  # some pages or members could not be read (reason says which)
    "encrypted",  # a password is needed to open it
    "corrupt",  # the bytes claim a format but do not parse (or the download was truncated)
    "too_large",  # over a size, page, member or decompression cap
    "timeout",  # the wall-clock budget ran out (pages read until then are kept)
    "resource_limit",  # the worker hit its memory cap or died
    "not_a_document",  # empty body, HTML page, image, unsupported format
)
#: statuses meaning "read as completely as a document can be read"
FINAL_OK = ("ok", "ocr")

#: reason codes (the text before the first ":") of outcomes that say more about the download
#: than about the document: the pipeline fetches such a URL again on the next run
RETRYABLE_REASONS = ("empty", "html", "truncated")


def needs_attention(status: str) -> bool:
    """True when an analyst should look: anything not read in full."""
    return status not in FINAL_OK


def is_retryable(status: str, reason: str | None) -> bool:
    """True when the outcome is likely a bad download (retry next run), not a bad document."""
    if status == "pending":
        return True
    code = (reason or "").split(":", 1)[0].strip()
    return status in ("not_a_document", "corrupt") and code in RETRYABLE_REASONS


@dataclass(frozen=True)
class Limits:
    """Caps for one document. Defaults suit a nightly crawl on a 2-core box with 2 GB spare.

    Every cap turns into a recorded status (``too_large``, ``partial``, ``timeout``,
    ``resource_limit``), never a crash.
    """

    #: largest body accepted at all (the downloader's DOWNLOAD_MAXSIZE should match)
    max_bytes: int = 100 * 1024 * 1024
    #: pages read per document (a 3 000-page annex is rare and can wait for an analyst)
    max_pages: int = 2000
    #: characters kept per page: a normal page has ~5 000; 100 000 means a generated trap
    max_chars_per_page: int = 100_000
    #: OCR is ~2 s a page: cap it per document so one scanned annex cannot eat the night
    max_ocr_pages: int = 60
    ocr: bool = True
    ocr_languages: str = "fra+eng"
    ocr_dpi: int = 300
    #: seconds a single tesseract call may take
    ocr_page_timeout_s: float = 120.0
    #: "pdfium" (fast, same words for the rules) or "pdfplumber" (reference layout)
    pdf_engine: str = "pdfium"
    #: wall-clock budget per document; the worker stops reading pages at this point
    time_budget_s: float = 300.0
    #: address-space cap of a worker process, in MiB (RLIMIT_AS)
    memory_mb: int = 2048
    #: the sum of inflated FlateDecode streams a PDF may declare, in bytes
    max_pdf_inflated_bytes: int = 512 * 1024 * 1024
    # archives (ZIP, and the ZIP inside DOCX/XLSX/ODT), judged from the table of contents
    max_members: int = 2000
    max_member_bytes: int = 200 * 1024 * 1024
    max_archive_total_bytes: int = 1024 * 1024 * 1024
    #: inflated/compressed ratio above which a large member counts as a bomb
    max_ratio: float = 200.0
    #: archives inside archives: a DCE zip holding per-lot zips is common, deeper is not
    max_depth: int = 1


@dataclass
class Page:
    """One page's text. ``member`` names the archive member ("" for the document itself);
    ``method`` is ``text`` (text layer), ``pdfplumber``, ``ocr`` or ``office``."""

    page_number: int
    text: str
    member: str = ""
    method: str = "text"


@dataclass
class ExtractionResult:
    """The outcome of reading one document."""

    status: str
    reason: str | None = None
    media_type: str | None = None
    page_count: int | None = None
    pages: list[Page] = field(default_factory=list)
    #: things worth knowing that did not change the status (skipped links, images in a ZIP)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def text(self) -> str:
        return "\n\f".join(p.text for p in self.pages)


class BudgetExceeded(BaseException):
    """Raised inside a worker when the document's wall-clock budget runs out.

    A ``BaseException`` so that library code catching ``Exception`` cannot swallow it; the
    extractors catch it, keep the pages read so far and record ``timeout``.
    """
