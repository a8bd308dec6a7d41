"""The caps document extraction works under, and how a worker stops at its time budget.

What extraction returns (``ExtractionResult``, ``PageText``, statuses) is shared vocabulary:
see ``vocabulary.documents``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BudgetExceeded", "Limits"]


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


class BudgetExceeded(BaseException):
    """Raised inside a worker when the document's wall-clock budget runs out.

    A ``BaseException`` so that library code catching ``Exception`` cannot swallow it; the
    extractors catch it, keep the pages read so far and record ``timeout``.
    """
