"""The entry point: ``extract_document(data, name=..., limits=...)`` → :class:`ExtractionResult`.

Sniffs the bytes, then hands them to the PDF, archive or office reader. Never raises for bad
input: every outcome is a status with a reason (see :mod:`extract.result`). Run it inside
:class:`extract.worker.WorkerPool` for the wall-clock budget and memory cap; called directly it
still honours the page-level budget through ``deadline``.
"""

from __future__ import annotations

import logging
import time

from extract.archive import Member, iter_members
from extract.office import extract_doc, extract_office
from extract.pdf import extract_pdf
from extract.result import BudgetExceeded, Limits
from extract.sniff import sniff
from extract.textclean import clean_text
from vocabulary.documents import ExtractionResult, PageText

__all__ = ["extract_document"]

log = logging.getLogger(__name__)


def _text(data: bytes, member: str) -> ExtractionResult:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raw = data.decode("utf-16", "replace")
    else:
        try:
            raw = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raw = data.decode("cp1252", "replace")
    return ExtractionResult(
        "ok", page_count=1, pages=[PageText(1, clean_text(raw), member, "text")]
    )


def _dispatch(
    data: bytes, limits: Limits, deadline: float | None, member: str, depth: int
) -> ExtractionResult:
    found = sniff(data)
    kind = found.kind
    if len(data) > limits.max_bytes:
        result = ExtractionResult("too_large", f"size: {len(data)} bytes, cap {limits.max_bytes}")
    elif kind == "empty":
        result = ExtractionResult("not_a_document", "empty: the body is empty")
    elif kind == "html":
        result = ExtractionResult(
            "not_a_document",
            "html: an HTML page (error or login page?) where a document was expected",
        )
    elif kind == "pdf" and found.truncated:
        result = ExtractionResult("corrupt", "truncated: no %%EOF at the end (download cut short?)")
    elif kind == "pdf":
        result = extract_pdf(data, limits, deadline=deadline, member=member)
    elif kind == "zip":
        if depth > limits.max_depth:
            result = ExtractionResult(
                "too_large", f"depth: archive nested deeper than {limits.max_depth}"
            )
        else:
            prefix = f"{member}/" if member else ""

            def handle(item: Member, level: int) -> ExtractionResult:
                return _dispatch(item.data, limits, deadline, item.name, level + 1)

            result = iter_members(data, limits, handle, depth=depth, prefix=prefix)
    elif kind in ("docx", "xlsx", "odt", "ods"):
        result = extract_office(data, kind, limits, member=member)
    elif kind == "doc":
        result = extract_doc(data, limits, member=member)
    elif kind == "text":
        result = _text(data, member)
    else:
        result = ExtractionResult("not_a_document", f"unsupported: {found.media_type} is not read")
    result.media_type = result.media_type or found.media_type
    return result


def extract_document(
    data: bytes,
    *,
    name: str | None = None,
    limits: Limits | None = None,
    deadline: float | None = None,
) -> ExtractionResult:
    """Read a document whatever it is. ``name`` is only used in logs (the bytes decide the
    type); ``deadline`` is a ``time.monotonic()`` value after which pages stop being read."""
    limits = limits or Limits()
    started = time.monotonic()
    if deadline is None:
        deadline = started + limits.time_budget_s
    try:
        result = _dispatch(data, limits, deadline, "", 0)
    except BudgetExceeded:
        result = ExtractionResult(
            "timeout", f"timeout: budget of {limits.time_budget_s:.0f} s ran out"
        )
    except MemoryError:
        result = ExtractionResult("resource_limit", f"memory: over the {limits.memory_mb} MiB cap")
    except RecursionError:
        result = ExtractionResult("corrupt", "corrupt: structure nested too deeply")
    except Exception as exc:  # a reader bug must not lose the document: record it
        log.exception("extract_error name=%s", name)
        result = ExtractionResult("corrupt", f"error: {type(exc).__name__}: {exc}")
    result.seconds = time.monotonic() - started
    if result.media_type is None:
        result.media_type = sniff(data).media_type
    log.info(
        "extracted name=%s status=%s pages=%s seconds=%.2f",
        name,
        result.status,
        result.page_count,
        result.seconds,
    )
    return result
