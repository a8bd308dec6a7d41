"""Reading the files an administration sent back, like any crawled document.

Each pending received file is read by the same worker pool as the crawl (text layer, OCR of
scanned pages, the same time and memory caps), its pages saved on its ``documents`` row, and
the notice re-flagged with the current rules, so hits in the files cite their pages on the
notice page and in the search like crawled documents. A file read with text moves the notice's
verdict to "documented". ``veilleur requests process``, the nightly job and the desk (after an
upload) all call :func:`read_received`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from db.documents import save_document
from db.received import mark_read, pending_received
from db.session import session_scope
from extract.result import Limits
from extract.worker import WorkerPool
from review.request_flow import follow_verdict
from veilleur.rescan import rescan_notice

__all__ = ["ReadOutcome", "read_received"]

log = logging.getLogger(__name__)
#: statuses whose pages carry text worth calling the notice documented
READABLE = ("ok", "ocr", "partial")


@dataclass(frozen=True)
class ReadOutcome:
    request_id: int
    notice_id: int
    filename: str
    status: str
    reason: str | None
    pages: int
    flags_changed: bool


def _body(root: Path, storage_path: str | None) -> tuple[bytes | None, str | None]:
    if not storage_path:
        return None, "missing: no stored file"
    try:
        return (root / storage_path).read_bytes(), None
    except OSError as exc:
        return None, f"missing: {type(exc).__name__}: {exc}"


def read_received(
    url: str | None,
    documents_dir: Path | str,
    *,
    limits: Limits | None = None,
    rules: Any = None,
) -> list[ReadOutcome]:
    """Read every received file still pending; one transaction per file."""
    with session_scope(url) as s:
        pending = pending_received(s)
    if not pending:
        return []
    if rules is None:
        from extract.rules import default_ruleset

        rules = default_ruleset()
    root = Path(documents_dir)
    outcomes: list[ReadOutcome] = []
    with WorkerPool(1, limits=limits) as pool:
        for item in pending:
            body, missing = _body(root, item.storage_path)
            if body is None:  # left pending: the file may come back (a restored volume)
                log.warning("received_missing request=%d error=%s", item.request_id, missing)
                outcomes.append(
                    ReadOutcome(
                        item.request_id, item.notice_id, item.filename, "missing", missing, 0, False
                    )
                )
                continue
            result = pool.extract(body, name=item.filename)
            with session_scope(url) as s:
                save_document(s, item.sha256, result, item.storage_path, size_bytes=len(body))
                mark_read(s, item.sha256)
                changed = rescan_notice(s, item.notice_id, rules)
                if result.status in READABLE and result.pages:
                    note = f"documents reçus (demande n° {item.request_id}) : {item.filename}"
                    follow_verdict(s, item.notice_id, None, "documented", note)
            log.info(
                "received_read request=%d file=%s status=%s pages=%s flags_changed=%s",
                item.request_id,
                item.filename,
                result.status,
                result.page_count,
                changed,
            )
            outcomes.append(
                ReadOutcome(
                    item.request_id,
                    item.notice_id,
                    item.filename,
                    result.status,
                    result.reason,
                    result.page_count or 0,
                    changed,
                )
            )
    return outcomes
