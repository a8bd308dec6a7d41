"""Validate, Flag and Store: the pipelines every notice goes through."""

from __future__ import annotations

import logging
import math
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from extract.fields import notice_text_fields
from vocabulary.items import NoticeItem
from vocabulary.terms import NOTICE_KINDS

__all__ = ["FlagPipeline", "LazyDecision", "StorePipeline", "ValidatePipeline"]

log = logging.getLogger(__name__)


def _record(spider: Any, item: NoticeItem, error_kind: str, message: str) -> None:
    record_error = getattr(spider, "record_error", None)
    if record_error is not None:
        record_error(item.fetched_from or item.url, error_kind, message, item.source_id)


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
    on the item and is computed when Store needs it (see ``LazyDecision``).

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
        texts = notice_text_fields(
            title=item.title,
            description=item.description,
            buyer=item.buyer_name,
            lots=item.lots,
            extra=item.extra_text,
            descriptors=item.descriptors,
            cpv_codes=item.cpv_codes,
            pages=pages,
        )
        item.decision = LazyDecision(self.ruleset, texts, self.crawler.stats)
        return item


class LazyDecision:
    """The rules' decision, computed on first use.

    Store reads only ``rules_version`` for a notice whose content and rules are unchanged, so
    an unchanged re-crawl never runs the rules (they were the largest cost of a second crawl).
    """

    def __init__(self, ruleset: Any, texts: list[Any], stats: Any) -> None:
        self.rules_version: str = ruleset.version
        self._ruleset = ruleset
        self._texts: list[Any] | None = texts
        self._stats = stats
        self._decision: Any = None

    def resolve(self) -> Any:
        if self._decision is None:
            self._decision = self._ruleset.evaluate(self._texts or [])
            self._texts = None
            if self._decision.flagged:
                self._stats.inc_value("veilleur/items_flagged")
        return self._decision

    def __getattr__(self, name: str) -> Any:
        return getattr(self.resolve(), name)


class StorePipeline:
    """Upserts notices in batches (one transaction per batch, committed as it goes so that a
    killed crawl keeps what it stored). Counts new / changed / unchanged in the crawl stats.

    A batch is written in one background thread, batches one after another in arrival order,
    while the reactor goes on reading and parsing: the database's work (the search index's
    tokenizing above all) and the rules then use the second core instead of stopping the
    crawl. At most ``STORE_BATCHES_AHEAD`` batches wait, so memory stays bounded."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.database_url = crawler.settings.get("DATABASE_URL")
        self.batch_size = crawler.settings.getint("STORE_BATCH_SIZE", 500)
        self.ahead = max(1, crawler.settings.getint("STORE_BATCHES_AHEAD", 2))
        self.buffer: list[NoticeItem] = []
        self._writer: Any = None
        self._pending: list[Any] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from db.migrate import upgrade

        upgrade(self.database_url)
        # one thread: batches are written in order, never two at once
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="veilleur-store")

    async def process_item(self, item: NoticeItem) -> NoticeItem:
        self.buffer.append(item)
        self.crawler.stats.inc_value("veilleur/items_seen")
        if len(self.buffer) >= self.batch_size:
            await self._flush()
        return item

    async def close_spider(self) -> None:
        await self._flush()
        while self._pending:
            await self._commit_oldest()
        self._ack(self._settled())  # pages that yielded no notice since the last batch
        if self._writer is not None:
            self._writer.shutdown(wait=True)

    async def _flush(self) -> None:
        import asyncio

        if not self.buffer:
            return
        batch, self.buffer = self.buffer, []
        # with a shared queue: the pages whose notices are all in this batch or an earlier one,
        # acknowledged once this batch is committed (crawler/acked.py)
        settled = self._settled()
        if self._writer is None:  # not opened (a test driving the pipeline by hand)
            self._counted(self.store(batch))
            self._ack(settled)
            return
        # submitted at once, so batches are written in the order they were filled
        future = asyncio.get_running_loop().run_in_executor(self._writer, self.store, batch)
        self._pending.append((future, settled))
        while len(self._pending) > self.ahead:  # back-pressure: wait for the oldest batch
            await self._commit_oldest()

    async def _commit_oldest(self) -> None:
        future, settled = self._pending.pop(0)
        self._counted(await future)
        self._ack(settled)

    def _settled(self) -> list[str]:
        acks = getattr(self.crawler, "veilleur_acks", None)
        return acks.settled() if acks is not None else []

    def _ack(self, tokens: list[str]) -> None:
        acks = getattr(self.crawler, "veilleur_acks", None)
        if acks is not None and tokens:
            acks.ack(tokens)

    def store(self, batch: list[NoticeItem]) -> tuple[Any, list[tuple[NoticeItem, str]]]:
        """Write one batch (in the writer thread); returns what happened and the failures."""
        from db.session import session_scope
        from db.store import upsert_notices

        try:
            with session_scope(self.database_url) as session:
                return upsert_notices(session, [(item, item.decision) for item in batch]), []
        except Exception:
            # One bad notice must not cost the batch: store one by one, record the failures.
            log.exception("store_batch_failed size=%d; storing one by one", len(batch))
            return self._store_one_by_one(batch)

    def _counted(self, outcome: tuple[Any, list[tuple[NoticeItem, str]]]) -> None:
        result, failures = outcome
        for item, message in failures:
            _record(self.crawler.spider, item, "store_failed", message)
        stats = self.crawler.stats
        stats.inc_value("veilleur/items_new", result.new)
        stats.inc_value("veilleur/items_changed", result.changed)
        stats.inc_value("veilleur/items_unchanged", result.unchanged)
        log.debug(
            "stored new=%d changed=%d unchanged=%d", result.new, result.changed, result.unchanged
        )

    def _store_one_by_one(
        self, batch: list[NoticeItem]
    ) -> tuple[Any, list[tuple[NoticeItem, str]]]:
        from db.session import session_scope
        from db.store import StoreResult, upsert_notices

        total = StoreResult()
        failures: list[tuple[NoticeItem, str]] = []
        for item in batch:
            try:
                with session_scope(self.database_url) as session:
                    one = upsert_notices(session, [(item, item.decision)])
            except Exception as exc:
                failures.append((item, f"{type(exc).__name__}: {exc}"[:1000]))
                continue
            total.new += one.new
            total.changed += one.changed
            total.unchanged += one.unchanged
        return total, failures
