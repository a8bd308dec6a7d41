"""The store pipeline's back-pressure, driven on the crawl's event loop against a real SQLite
file: while the writer is behind, items wait instead of piling up in batches."""

from __future__ import annotations

import asyncio

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from crawler.pipelines.core import StorePipeline
from db.models import Notice
from tests.crawling import count
from tests.factories import notice_item
from vocabulary.items import NoticeItem

ITEMS = [notice_item(source_id=f"T-{i}") for i in range(400)]


def _crawler(url: str) -> Crawler:
    settings = {
        "DATABASE_URL": url,
        "STORE_BATCH_SIZE": 20,
        "STORE_BATCHES_AHEAD": 1,
        "STORE_IN_PROCESS": False,
    }
    return get_crawler(Spider, settings)


async def _feed(pipeline: StorePipeline, items: list[NoticeItem]) -> None:
    """Every item at once, as Scrapy hands the items of many pages to the pipelines."""
    pipeline.open_spider()
    await asyncio.gather(*(pipeline.process_item(item) for item in items))
    await pipeline.close_spider()


def test_no_more_batches_wait_than_allowed(sqlite_url: str) -> None:
    crawler = _crawler(sqlite_url)
    asyncio.run(_feed(StorePipeline.from_crawler(crawler), ITEMS))
    # one batch being written and one handed over behind it, never the whole crawl's
    assert crawler.stats.get_value("veilleur/store_batches_waiting_max") == 2


def test_items_that_waited_are_all_stored(sqlite_url: str) -> None:
    crawler = _crawler(sqlite_url)
    asyncio.run(_feed(StorePipeline.from_crawler(crawler), ITEMS))
    assert count(sqlite_url, Notice) == len(ITEMS)
    assert crawler.stats.get_value("veilleur/items_new") == len(ITEMS)
