"""Validate, Flag and Store: the pipelines every notice goes through."""

from __future__ import annotations

import asyncio
import logging
import math
import os
import pickle
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.attached import acks_of
from extract.deferred import DeferredDecision
from extract.fields import notice_texts
from vocabulary.items import NoticeItem
from vocabulary.terms import NOTICE_KINDS

if TYPE_CHECKING:
    from db.batch_writer import BatchOutcome

__all__ = ["FlagPipeline", "StorePipeline", "ValidatePipeline"]

log = logging.getLogger(__name__)


def _record(spider: Any, item: NoticeItem, error_kind: str, message: str) -> None:
    _record_at(spider, _origin(item), error_kind, message)


def _origin(item: NoticeItem) -> tuple[str, str]:
    """Where a notice's errors are recorded: the page it was read from, its source id."""
    return (item.fetched_from or item.url, item.source_id)


def _record_at(spider: Any, origin: tuple[str, str], error_kind: str, message: str) -> None:
    record_error = getattr(spider, "record_error", None)
    if record_error is not None:
        record_error(origin[0], error_kind, message, origin[1])


@dataclass
class _Handed:
    """A batch handed to the writer and not yet committed. To a writer process it is kept in
    the pickled form the process receives, not as notices as well: a batch held both ways was
    the largest part of a first crawl's memory after the records in flight. It is unpickled
    only if that process dies and the batch must be written again from a thread."""

    future: Any
    notices: list[NoticeItem] | bytes
    origins: list[tuple[str, str]]
    settled: list[str]

    def items(self) -> list[NoticeItem]:
        if isinstance(self.notices, bytes):
            loaded: list[NoticeItem] = pickle.loads(self.notices)
            return loaded
        return self.notices


class ValidatePipeline:
    """Drops what cannot be stored (with a recorded error) and records field-level warnings."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        spider = self.crawler.spider
        if not isinstance(item, NoticeItem):
            raise DropItem(f"not a NoticeItem: {type(item).__name__}")
        for warning in item.warnings:
            _record(spider, item, "bad_field", warning)
        if not item.key:
            _record(spider, item, "bad_record", "empty source id")
            raise DropItem("empty source id")
        if len(item.key) > 200:
            _record(spider, item, "bad_record", "source id longer than 200 characters")
            raise DropItem("source id too long")
        if item.kind not in NOTICE_KINDS:
            _record(spider, item, "bad_field", f"unknown kind {item.kind!r}, stored as 'other'")
            item.kind = "other"
        if item.estimated_value is not None and not math.isfinite(item.estimated_value):
            _record(spider, item, "bad_field", "estimated value is not finite")
            item.estimated_value = None
        self.crawler.stats.inc_value("veilleur/items_valid")
        return item


class FlagPipeline:
    """Prepares the rules' reading of the notice and its documents' pages; the decision rides
    on the item and is computed when Store needs it (``extract.deferred.DeferredDecision``).

    Files an administration sent back for a notice (access requests, ``db.received``) are not
    on the portal: their stored pages join the reading of that notice's new versions, so a
    re-crawl never drops the hits found in them. The notices concerned are few and read once
    per crawl, on the first item (every pipeline has opened by then: the schema is current).
    """

    def __init__(self, crawler: Crawler) -> None:
        from extract.rules import default_ruleset

        self.crawler = crawler
        self.ruleset = default_ruleset()
        self.database_url = crawler.settings.get("DATABASE_URL")
        self._received: set[tuple[str, str]] | None = None

    def _received_pages(self, item: NoticeItem) -> list[tuple[str, int, str]]:
        from sqlalchemy.exc import SQLAlchemyError

        from db.received import received_keys, received_pages
        from db.session import session_scope

        try:
            if self._received is None:
                with session_scope(self.database_url) as session:
                    self._received = received_keys(session)
            if (item.source, item.key) not in self._received:
                return []
            with session_scope(self.database_url) as session:
                return received_pages(session, item.source, item.key)
        except SQLAlchemyError as exc:  # the crawl goes on; the next rescan restores them
            log.warning("received_pages_unavailable source=%s error=%s", item.source, exc)
            self._received = set()
            return []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FlagPipeline:
        return cls(crawler)

    def process_item(self, item: NoticeItem) -> NoticeItem:
        pages = [
            (ref.sha256, page.page_number, page.text)
            for ref in item.documents
            if ref.sha256
            for page in ref.pages
        ]
        pages += self._received_pages(item)
        texts = notice_texts(item, pages)
        item.decision = DeferredDecision(self.ruleset.version, texts)
        return item


class StorePipeline:
    """Upserts notices in batches (one transaction per batch, committed as it goes so that a
    killed crawl keeps what it stored). Counts new / changed / unchanged in the crawl stats.

    Batches are written one after another in arrival order, off the reactor, while it goes on
    reading and parsing. A crawl whose first batch fills up (``STORE_BATCH_SIZE`` notices) writes
    in a writer process (``STORE_IN_PROCESS``): the rules and the database's work then use the
    second core instead of sharing one interpreter lock with the crawl. A smaller crawl (most
    nightly ones) writes from a thread and never pays for starting that process. At most
    ``STORE_BATCHES_AHEAD`` batches wait, so memory stays bounded."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.database_url = crawler.settings.get("DATABASE_URL")
        self.batch_size = crawler.settings.getint("STORE_BATCH_SIZE", 500)
        self.ahead = max(1, crawler.settings.getint("STORE_BATCHES_AHEAD", 2))
        self.in_process = crawler.settings.getbool("STORE_IN_PROCESS", True)
        self.connections = crawler.settings.getint("STORE_CONNECTIONS", 1)
        self.buffer: list[NoticeItem] = []
        self._opened = False
        self._writer: Executor | None = None
        self._pending: list[_Handed] = []
        self._committing = asyncio.Lock()  # bound to the crawl's loop on first use

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        from db.migrate import upgrade_if_behind

        # a schema at the newest revision is left alone: Alembic's upgrade, run anyway, cost
        # every crawl's start about 0.2 s (its import and the reading of every migration)
        upgrade_if_behind(self.database_url)
        self._opened = True

    async def process_item(self, item: NoticeItem) -> NoticeItem:
        if len(self._pending) > self.ahead:
            # the writer is behind: this item (and the page it came from) waits here, so the
            # crawl stops parsing pages instead of piling their notices up in memory
            self._decide_while_waiting(item)
            await self._wait_for_room()
        self.buffer.append(item)
        self.crawler.stats.inc_value("veilleur/items_seen")
        if len(self.buffer) >= self.batch_size:
            await self._flush()
        return item

    def _decide_while_waiting(self, item: NoticeItem) -> None:
        """Run the rules on ``item`` here, in the crawl's process, when it would otherwise wait
        idle for a writer process that is still busy with an earlier batch: that writer then
        has only the storing left to do for it. The rules were a third of a first crawl's
        writer, which held the crawl back while the crawl's own core was partly idle. A
        thread writer shares this process's core, so there it would gain nothing."""
        decision = item.decision
        if (
            isinstance(decision, DeferredDecision)
            and isinstance(self._writer, ProcessPoolExecutor)
            and not self._pending[0].future.done()
        ):
            decision.resolve()

    async def close_spider(self) -> None:
        await self._flush()
        await self._wait_for_room(0)
        self._ack(self._settled())  # pages that yielded no notice since the last batch
        if self._writer is not None:
            self._writer.shutdown(wait=True)

    def _executor(self, full_batch: bool) -> Executor:
        """The one writer of this crawl, started with its first batch: one worker, so batches
        are written in order, never two at once."""
        if self._writer is None:
            if self.in_process and full_batch:
                import multiprocessing

                from crawler.writer_process import warm_up

                # spawn: a fork would copy the reactor's threads and open connections
                self._writer = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=warm_up,
                    initargs=(os.getpid(),),
                )
                self.crawler.stats.set_value("veilleur/store_writer", "process")
            else:
                self._writer = self._thread_writer("thread")
        return self._writer

    def _thread_writer(self, why: str) -> Executor:
        from concurrent.futures import ThreadPoolExecutor

        self.crawler.stats.set_value("veilleur/store_writer", why)
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="veilleur-store")

    async def _flush(self) -> None:
        from db.batch_writer import store_batch

        if not self.buffer:
            return
        batch, self.buffer = self.buffer, []
        # with a shared queue: the pages whose notices are all in this batch or an earlier one,
        # acknowledged once this batch is committed (crawler/acked.py)
        settled = self._settled()
        if not self._opened:  # a test driving the pipeline by hand
            outcome = store_batch(self.database_url, batch, self.connections)
            self._counted([_origin(item) for item in batch], outcome)
            self._ack(settled)
            return
        from concurrent.futures.process import BrokenProcessPool

        writer = self._executor(full_batch=len(batch) >= self.batch_size)
        handed = _Handed(None, batch, [_origin(item) for item in batch], settled)
        # submitted at once, so batches are written in the order they were filled
        try:
            handed.future = self._submit(writer, handed)
        except BrokenProcessPool as exc:
            # the writer process died while no batch of ours was running (the pool refuses new
            # work): the batches it was given are written again first, in order, then this one
            await self._wait_for_room(0)
            self._lose_writer_process(exc)
            handed.notices = batch
            handed.future = self._submit(self._writer, handed)
        del batch  # a batch for a writer process lives on pickled only (``_Handed``)
        self._pending.append(handed)
        self.crawler.stats.max_value("veilleur/store_batches_waiting_max", len(self._pending))
        await self._wait_for_room()

    def _submit(self, writer: Executor | None, handed: _Handed) -> Any:
        from db.batch_writer import store_batch, store_pickled_batch

        loop = asyncio.get_running_loop()
        if isinstance(writer, ProcessPoolExecutor):
            items = handed.items()
            handed.notices = pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL)
            return loop.run_in_executor(
                writer, store_pickled_batch, self.database_url, handed.notices, self.connections
            )
        return loop.run_in_executor(
            writer, store_batch, self.database_url, handed.items(), self.connections
        )

    async def _wait_for_room(self, room: int | None = None) -> None:
        """Wait until at most ``room`` (``STORE_BATCHES_AHEAD``) batches are handed to the
        writer and not committed. One caller at a time takes the oldest, in order: items
        waiting side by side must not each count and acknowledge a batch."""
        limit = self.ahead if room is None else room
        while len(self._pending) > limit:
            async with self._committing:
                if len(self._pending) > limit:
                    await self._commit_oldest()

    async def _commit_oldest(self) -> None:
        """Count and acknowledge the oldest batch once committed; it stays counted as waiting
        until then."""
        from concurrent.futures.process import BrokenProcessPool

        handed = self._pending[0]
        try:
            outcome = await handed.future
        except BrokenProcessPool as exc:
            # the writer process died (killed, out of memory): its batches were not committed
            # (one transaction each), so they are written again from a thread, in order
            outcome = await self._rewrite_in_thread(handed.items(), exc)
        self._pending.pop(0)
        self._counted(handed.origins, outcome)
        self._ack(handed.settled)

    async def _rewrite_in_thread(self, batch: list[NoticeItem], exc: Exception) -> BatchOutcome:
        from db.batch_writer import store_batch

        self._lose_writer_process(exc)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._writer, store_batch, self.database_url, batch, self.connections
        )

    def _lose_writer_process(self, exc: Exception) -> None:
        """The writer process died (killed, out of memory): the crawl writes from a thread on."""
        if isinstance(self._writer, ProcessPoolExecutor):
            log.warning("store_writer_lost error=%s; writing from a thread", exc)
            self._writer.shutdown(wait=False, cancel_futures=True)
            self._writer = self._thread_writer("thread after process lost")

    def _settled(self) -> list[str]:
        acks = acks_of(self.crawler)
        return acks.settled() if acks is not None else []

    def _ack(self, tokens: list[str]) -> None:
        acks = acks_of(self.crawler)
        if acks is not None and tokens:
            acks.ack(tokens)

    def _counted(self, origins: list[tuple[str, str]], outcome: BatchOutcome) -> None:
        for position, message in outcome.failures:
            _record_at(self.crawler.spider, origins[position], "store_failed", message)
        result = outcome.result
        stats = self.crawler.stats
        stats.inc_value("veilleur/items_new", result.new)
        stats.inc_value("veilleur/items_changed", result.changed)
        stats.inc_value("veilleur/items_unchanged", result.unchanged)
        if outcome.flagged:
            stats.inc_value("veilleur/items_flagged", outcome.flagged)
        log.debug(
            "stored new=%d changed=%d unchanged=%d", result.new, result.changed, result.unchanged
        )
