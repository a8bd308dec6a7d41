"""Documents pipeline: download every ``DocumentRef`` of an item, store it by sha256, read it.

One job: turn each linked document into per-page text on the ``DocumentRef`` (for the Flag
pipeline) and a ``Document`` row with its pages (for analysts). Downloads go through Scrapy's
engine, so robots.txt, AutoThrottle, retries and ``DOWNLOAD_MAXSIZE`` apply; only http(s) URLs
are fetched. Extraction runs in :class:`extract.worker.WorkerPool` (budget + memory cap per
document) and database work in a thread, so the reactor never blocks. A document already read
(same URL or same sha256, final status) is neither downloaded nor extracted again; an empty
body, an HTML page or a truncated PDF is recorded and fetched again next run.

Settings: ``DATABASE_URL``, ``DOCUMENTS_DIR`` (default ``var/documents``), ``DOCUMENTS_MAXSIZE``,
``DOCUMENTS_WORKERS``, ``DOCUMENTS_TIME_BUDGET``, ``DOCUMENTS_MEMORY_MB``,
``DOCUMENTS_PDF_ENGINE``, ``DOCUMENTS_OCR``, ``DOCUMENTS_ENABLED``.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.reactor import is_asyncio_reactor_installed

from db.documents import find_document_by_url, get_document, is_final, load_pages, save_document
from db.session import session_scope
from extract.result import Limits
from extract.worker import WorkerPool
from vocabulary.documents import DocumentStatus, ExtractionResult, PageText
from vocabulary.items import DocumentRef

__all__ = ["DocumentsPipeline", "storage_path_for"]

log = logging.getLogger(__name__)
T = TypeVar("T")

_ALLOWED_SCHEMES = ("http", "https")


def storage_path_for(root: Path, sha256: str) -> Path:
    """``<root>/<sha[:2]>/<sha>``: content-addressed, two-level so no directory gets huge.
    The database keeps the part after ``<root>/``."""
    return root / sha256[:2] / sha256


class DocumentsPipeline:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("DOCUMENTS_ENABLED", True):
            raise NotConfigured("DOCUMENTS_ENABLED is off")
        self.crawler = crawler
        self.database_url = settings.get("DATABASE_URL") or "sqlite:///var/veilleur.sqlite"
        self.root = Path(settings.get("DOCUMENTS_DIR") or "var/documents")
        defaults = Limits()
        self.maxsize = settings.getint("DOCUMENTS_MAXSIZE", defaults.max_bytes)
        self.limits = Limits(
            max_bytes=self.maxsize,
            time_budget_s=settings.getfloat("DOCUMENTS_TIME_BUDGET", defaults.time_budget_s),
            memory_mb=settings.getint("DOCUMENTS_MEMORY_MB", defaults.memory_mb),
            pdf_engine=settings.get("DOCUMENTS_PDF_ENGINE", defaults.pdf_engine),
            ocr=settings.getbool("DOCUMENTS_OCR", defaults.ocr),
        )
        self.workers = settings.getint("DOCUMENTS_WORKERS", 0) or os.cpu_count() or 1
        self._pool: WorkerPool | None = None
        self._inflight: dict[str, asyncio.Future[ExtractionResult] | Any] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DocumentsPipeline:
        # asyncio.wrap_future/to_thread need the asyncio reactor (Scrapy's default since 2.13)
        if not is_asyncio_reactor_installed():
            raise NotConfigured("DocumentsPipeline needs TWISTED_REACTOR = the asyncio reactor")
        return cls(crawler)

    def open_spider(self, spider: scrapy.Spider | None = None) -> None:
        self._pool = WorkerPool(self.workers, limits=self.limits)

    def close_spider(self, spider: scrapy.Spider | None = None) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    async def process_item(self, item: Any) -> Any:
        refs: list[DocumentRef] = list(getattr(item, "documents", None) or [])
        if refs:
            await asyncio.gather(*(self._handle_safely(ref) for ref in refs))
        return item

    async def _handle_safely(self, ref: DocumentRef) -> None:
        """One document's failure is recorded on its ref; the notice and its siblings go on."""
        try:
            await self._handle(ref)
        except Exception as exc:
            log.exception("document_error url=%s", ref.url)
            ref.fetch_error = f"error: {type(exc).__name__}: {exc}"[:500]
            self._stat("error")

    # -- one document ------------------------------------------------------------------------

    async def _handle(self, ref: DocumentRef) -> None:
        if ref.sha256 and ref.status != "pending":
            # already read: an act cut out of a recueil carries its own pages of the bundle
            return
        scheme = urlsplit(ref.url).scheme.lower()
        if scheme not in _ALLOWED_SCHEMES:
            ref.fetch_error = f"refused: {scheme or 'relative'}: URLs are never fetched"
            self._stat("refused")
            return
        known = await _in_thread(self._known_by_url, ref.url)
        if known is not None:
            ref.sha256 = known[0]
            _fill_from_result(ref, known[1])
            self._stat("known")
            return
        body = await self._download(ref)
        if body is None:
            return
        sha = hashlib.sha256(body).hexdigest()
        ref.sha256 = sha
        known = await _in_thread(self._known_by_sha, sha)
        if known is not None:
            _fill_from_result(ref, known[1])
            self._stat("known")
            return
        result = await self._extract_once(sha, body, ref.url)
        _fill_from_result(ref, result)

    async def _download(self, ref: DocumentRef) -> bytes | None:
        request = scrapy.Request(
            ref.url,
            # documents live on buyers' and platforms' hosts, not on the portal the spider crawls
            meta={
                "download_maxsize": self.maxsize,
                "handle_httpstatus_all": True,
                "allow_offsite": True,
            },
            dont_filter=True,
        )
        engine = self.crawler.engine
        assert engine is not None
        try:
            if hasattr(engine, "download_async"):
                response = await engine.download_async(request)
            else:  # Scrapy < 2.14
                response = await maybe_deferred_to_future(engine.download(request))
        except Exception as exc:
            message = str(exc) or type(exc).__name__
            if "max size" in message or type(exc).__name__ in (
                "DownloadCancelledError",
                "CancelledError",
            ):
                ref.status, ref.fetch_error = "too_large", f"too_large: over {self.maxsize} bytes"
            else:
                ref.fetch_error = f"download: {type(exc).__name__}: {message}"[:500]
            self._stat("fetch_error")
            log.warning("document_fetch_failed url=%s error=%s", ref.url, ref.fetch_error)
            return None
        if response.status != 200:
            ref.fetch_error = f"http: status {response.status}"
            self._stat("fetch_error")
            log.warning("document_fetch_failed url=%s status=%s", ref.url, response.status)
            return None
        return bytes(response.body)

    async def _extract_once(self, sha: str, body: bytes, url: str) -> ExtractionResult:
        """Store, extract and save; concurrent refs to the same body share one extraction."""
        pending = self._inflight.get(sha)
        if pending is not None:
            return await pending
        loop_future: asyncio.Future[ExtractionResult] = asyncio.get_running_loop().create_future()
        self._inflight[sha] = loop_future
        try:
            path = await _in_thread(self._store, sha, body)
            assert self._pool is not None, "open_spider was not called"
            future = self._pool.submit(body, name=url)
            result = await asyncio.wrap_future(future)
            # stored relative to DOCUMENTS_DIR: the desk and the shell resolve it against their
            # own setting, which need not be spelled as the crawler's (absolute, another cwd)
            relative = str(path.relative_to(self.root))
            await _in_thread(self._save, sha, result, relative, len(body))
            self._stat(f"status/{result.status}")
            log.info(
                "document_extracted url=%s sha256=%s status=%s pages=%s",
                url,
                sha,
                result.status,
                result.page_count,
            )
            loop_future.set_result(result)
            return result
        except BaseException as exc:
            loop_future.set_exception(exc)
            loop_future.exception()  # mark retrieved
            raise
        finally:
            self._inflight.pop(sha, None)

    # -- blocking helpers (run in a thread) ----------------------------------------------------

    def _store(self, sha: str, body: bytes) -> Path:
        path = storage_path_for(self.root, sha)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{sha}.{os.getpid()}.tmp")
            tmp.write_bytes(body)
            tmp.replace(path)
        return path

    def _known_by_url(self, url: str) -> tuple[str, ExtractionResult] | None:
        with session_scope(self.database_url) as session:
            document = find_document_by_url(session, url)
            return _snapshot(session, document)

    def _known_by_sha(self, sha: str) -> tuple[str, ExtractionResult] | None:
        with session_scope(self.database_url) as session:
            return _snapshot(session, get_document(session, sha))

    def _save(self, sha: str, result: ExtractionResult, path: str, size: int) -> None:
        with session_scope(self.database_url) as session:
            save_document(session, sha, result, path, size_bytes=size)

    def _stat(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"documents/{key}")


def _snapshot(session: Any, document: Any) -> tuple[str, ExtractionResult] | None:
    """The stored outcome of ``document`` (sha256, result), or None if it must be read again."""
    if document is None or not is_final(document):
        return None
    pages = [
        PageText(p.page_number, p.text, p.member, p.method) for p in load_pages(session, document)
    ]
    status = cast(DocumentStatus, document.status)
    result = ExtractionResult(
        status, document.status_reason, document.media_type, document.page_count, pages
    )
    return document.sha256, result


def _fill_from_result(ref: DocumentRef, result: ExtractionResult) -> None:
    ref.status, ref.status_reason = result.status, result.reason
    ref.media_type, ref.page_count = result.media_type, result.page_count
    ref.pages = list(result.pages)


async def _in_thread(fn: Callable[..., T], *args: Any) -> T:
    """Run blocking work (SQL, disk) off the reactor thread."""
    return await asyncio.to_thread(fn, *args)
