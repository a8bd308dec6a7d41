"""PDF text, page by page, with memory flat whatever the page count.

pypdfium2 opens the document (it decides ``encrypted`` / ``corrupt`` and counts pages) and by
default reads each page's text layer: it is faster than poppler's ``pdftotext`` and sees the
same words as pdfplumber once both go through :func:`extract.textclean.clean_text`
(bench/documents_speed.py compares them). ``pdf_engine="pdfplumber"`` reads the text with
pdfplumber instead — the reference for layout — closing each page after use (without
``page.close()`` pdfplumber keeps every page's objects: 1.7 GB at 520 pages).

A page without real words but with an image is a scan: it is rendered at 300 dpi and OCR'd.
Before any parsing, FlateDecode streams are inflated in bounded chunks and counted, so a
decompression bomb is recorded as ``too_large`` instead of exhausting the worker.
"""

from __future__ import annotations

import io
import logging
import re
import time
import zlib
from collections.abc import Iterator
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from extract.ocr import OcrError, ocr_available, ocr_image, render_page_png
from extract.result import BudgetExceeded, Limits
from extract.textclean import clean_text, has_real_words
from vocabulary.documents import ExtractionResult, PageText

__all__ = ["extract_pdf", "inflated_size_exceeds"]

log = logging.getLogger(__name__)

_STREAM_RE = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
_CHUNK = 1 << 20
_PDFIUM_PASSWORD_ERROR = 4
#: FPDF_ERR_SECURITY: an /Encrypt dictionary whose security handler pdfium does not know
#: (a DRM plug-in's /Filter, a certificate handler): still a document nobody can read as it is
_PDFIUM_SECURITY_ERROR = 5


#: filter chains longer than this are not followed (no real producer nests more than two)
_MAX_FILTER_DEPTH = 8


class _OverCap(Exception):
    pass


class _Counter:
    def __init__(self, total: int, cap: int) -> None:
        self.total, self.cap = total, cap

    def add(self, n: int) -> None:
        self.total += n
        if self.total > self.cap:
            raise _OverCap


def _raw_chunks(data: bytes, start: int) -> Iterator[bytes]:
    for pos in range(start, len(data), 65536):
        yield data[pos : pos + 65536]


def _inflate(chunks: Iterator[bytes], counter: _Counter) -> Iterator[bytes]:
    """One FlateDecode level over ``chunks``, at most ``_CHUNK`` bytes held at a time; every
    inflated byte counts (an inner level's bomb and an outer level's alike)."""
    inflater = zlib.decompressobj()
    for chunk in chunks:
        pending = chunk
        while pending:
            out = inflater.decompress(pending, _CHUNK)
            counter.add(len(out))
            if out:
                yield out
            if inflater.eof:
                return
            pending = inflater.unconsumed_tail
            if pending and not out:
                return  # no progress: not inflatable, pdfium will judge it


def inflated_size_exceeds(data: bytes, cap: int) -> int | None:
    """Offset of the stream that pushes the total inflated FlateDecode size over ``cap``.

    A stream filtered ``[/FlateDecode /FlateDecode]`` is inflated through both levels (a
    small outer level can hide the bomb inside). Inflates with ``max_length`` so at most one
    chunk per level is ever held; streams that do not inflate (encrypted, other filters,
    broken) are skipped: pdfium decides about them.
    """
    counter = _Counter(0, cap)
    for match in _STREAM_RE.finditer(data):
        header = data[max(0, match.start() - 600) : match.start()]
        levels = header[header.rfind(b"obj") :].count(b"FlateDecode")
        if not levels:
            continue
        chunks: Iterator[bytes] = _raw_chunks(data, match.end())
        for _ in range(min(levels, _MAX_FILTER_DEPTH)):
            chunks = _inflate(chunks, counter)
        try:
            for _chunk in chunks:
                pass
        except _OverCap:
            return match.start()
        except zlib.error:
            continue
    return None


_PAGE_RE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def _tree_repeats_pages(data: bytes, total: int) -> bool:
    """Whether pdfium counts more pages than the file has page objects: a page tree that loops
    back on itself (pdfium walks into the loop once and lists its pages twice). Page objects
    packed in object streams cannot be counted from the bytes; such files are taken as read."""
    return b"/ObjStm" not in data and len(_PAGE_RE.findall(data)) < total


def _open(data: bytes) -> tuple[Any, ExtractionResult | None]:
    try:
        return pdfium.PdfDocument(data), None
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == _PDFIUM_PASSWORD_ERROR:
            return None, ExtractionResult("encrypted", "encrypted: a password is needed to open it")
        if code == _PDFIUM_SECURITY_ERROR:
            return None, ExtractionResult(
                "encrypted", "encrypted: its security handler is not supported (not a password)"
            )
        return None, ExtractionResult("corrupt", f"corrupt: {exc}")


def _has_image(page: Any) -> bool:
    for _obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3):
        return True
    return False


class _Plumber:
    """pdfplumber opened lazily; a failure falls back to pdfium text for the rest."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pdf: Any = None
        self.failed: str | None = None

    def text(self, index: int) -> str | None:
        if self.failed:
            return None
        try:
            if self._pdf is None:
                import pdfplumber

                self._pdf = pdfplumber.open(io.BytesIO(self._data))
            page = self._pdf.pages[index]
            try:
                # dedupe_chars: "fake bold" PDFs print each glyph twice (pdfplumber issue 71)
                return str(page.dedupe_chars().extract_text() or "")
            finally:
                page.close()
        except Exception as exc:
            self.failed = f"pdfplumber: {type(exc).__name__}: {exc}"
            return None

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()


def _page_text(
    pdf: Any, index: int, limits: Limits, plumber: _Plumber | None, problems: list[str]
) -> tuple[str, bool]:
    """(clean text, looks scanned) of one page; the page is closed before returning."""
    page = pdf[index]
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        if count > limits.max_chars_per_page:
            problems.append(
                f"page {index + 1}: {count} characters, kept the first {limits.max_chars_per_page}"
            )
            raw = textpage.get_text_range(0, limits.max_chars_per_page)
        else:
            raw = (plumber.text(index) if plumber else None) or textpage.get_text_range()
        text = clean_text(raw)
        scanned = not has_real_words(text) and _has_image(page)
        return text, scanned
    finally:
        textpage.close()
        page.close()


def _ocr_page(pdf: Any, index: int, limits: Limits) -> str:
    page = pdf[index]
    try:
        png = render_page_png(page, limits.ocr_dpi)
    finally:
        page.close()
    raw = ocr_image(
        png, languages=limits.ocr_languages, dpi=limits.ocr_dpi, timeout_s=limits.ocr_page_timeout_s
    )
    return clean_text(raw)


def extract_pdf(
    data: bytes, limits: Limits, *, deadline: float | None = None, member: str = ""
) -> ExtractionResult:
    """Read every page of a PDF (see the module docstring for the rules)."""
    bomb_at = inflated_size_exceeds(data, limits.max_pdf_inflated_bytes)
    if bomb_at is not None:
        cap_mb = limits.max_pdf_inflated_bytes // (1024 * 1024)
        return ExtractionResult(
            "too_large",
            f"bomb: compressed streams inflate beyond {cap_mb} MB (stream at byte {bomb_at})",
        )
    pdf, failure = _open(data)
    if failure is not None:
        return failure
    result = ExtractionResult("ok")
    plumber = _Plumber(data) if limits.pdf_engine == "pdfplumber" else None
    problems: list[str] = []
    ocr_pages = 0
    try:
        total = len(pdf)
        result.page_count = total
        if total == 0:
            return ExtractionResult(
                "corrupt", "corrupt: no readable page (broken page tree)", page_count=0
            )
        if total > limits.max_pages:
            problems.append(f"pages: {total} pages, read the first {limits.max_pages}")
        seen: set[tuple[str, float, float]] | None = (
            set() if _tree_repeats_pages(data, total) else None
        )
        for index in range(min(total, limits.max_pages)):
            if deadline is not None and time.monotonic() > deadline:
                raise BudgetExceeded
            method = "pdfplumber" if plumber and not plumber.failed else "text"
            try:
                text, scanned = _page_text(pdf, index, limits, plumber, problems)
                if scanned:
                    text, method, ocr_pages = _maybe_ocr(
                        pdf, index, limits, text, ocr_pages, problems
                    )
            except (pdfium.PdfiumError, OcrError, ValueError, OSError) as exc:
                problems.append(f"page {index + 1}: {exc}")
                text, method = "", "failed"
            if seen is not None and method != "failed":  # a looping page tree: each page once
                key = (text, *pdf.get_page_size(index))
                if key in seen:
                    continue
                seen.add(key)
            result.pages.append(PageText(len(result.pages) + 1, text, member, method))
    except BudgetExceeded:
        result.status = "timeout"
        result.reason = (
            f"timeout: budget of {limits.time_budget_s:.0f} s ran out after "
            f"{len(result.pages)} of {result.page_count} pages"
        )
        return result
    finally:
        if plumber is not None:
            if plumber.failed:
                result.warnings.append(plumber.failed + " (pdfium text used)")
            plumber.close()
        pdf.close()
    if seen is not None and len(result.pages) < (result.page_count or 0):
        result.warnings.append(
            f"page tree: loops back on itself, {result.page_count} pages listed, "
            f"{len(result.pages)} distinct pages read"
        )
        result.page_count = len(result.pages)
    if result.pages and all(p.method == "failed" for p in result.pages):
        return ExtractionResult(
            "corrupt",
            f"corrupt: no page could be loaded ({problems[-1]})",
            page_count=result.page_count,
        )
    _finish(result, problems, ocr_pages)
    return result


def _maybe_ocr(
    pdf: Any, index: int, limits: Limits, text: str, done: int, problems: list[str]
) -> tuple[str, str, int]:
    reason: str | None = None
    if not limits.ocr:
        reason = "OCR disabled"
    elif not ocr_available():
        reason = "tesseract not installed"
    elif done >= limits.max_ocr_pages:
        reason = f"over the cap of {limits.max_ocr_pages} OCR pages"
    if reason:
        problems.append(f"page {index + 1}: scanned, not OCR'd ({reason})")
        return text, "text", done
    return _ocr_page(pdf, index, limits), "ocr", done + 1


def _finish(result: ExtractionResult, problems: list[str], ocr_pages: int) -> None:
    if problems:
        result.status = "partial"
        more = f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""
        result.reason = "partial: " + "; ".join(problems[:5]) + more
    elif ocr_pages:
        result.status = "ocr"
        result.reason = f"ocr: {ocr_pages} of {len(result.pages)} pages read by OCR"
