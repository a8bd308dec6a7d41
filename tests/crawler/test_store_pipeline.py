"""The store pipeline's back-pressure, driven on the crawl's event loop against a real SQLite
file: while the writer is behind, items wait instead of piling up in batches."""

from __future__ import annotations

import asyncio
import gc
import weakref

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from crawler.pipelines.core import StorePipeline
from db.models import Notice
from extract.deferred import DeferredDecision
from extract.fields import notice_texts
from extract.rules import default_ruleset
from tests.crawling import count
from tests.factories import notice_item
from vocabulary.items import NoticeItem

ITEMS = [notice_item(source_id=f"T-{i}") for i in range(400)]


def _crawler(url: str, **overrides: object) -> Crawler:
    settings = {
        "DATABASE_URL": url,
        "STORE_BATCH_SIZE": 20,
        "STORE_BATCHES_AHEAD": 1,
        "STORE_IN_PROCESS": False,
        **overrides,
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


def test_batches_handed_to_the_writer_process_are_held_pickled_only(sqlite_url: str) -> None:
    """While the writer process has them, a crawl keeps its batches in the form it sent, not
    as notices too (it rewrites them from that form if the process dies)."""
    # three batches handed, none waited for
    crawler = _crawler(sqlite_url, STORE_IN_PROCESS=True, STORE_BATCHES_AHEAD=3)
    notices: list[weakref.ref[NoticeItem]] = []

    async def feed() -> int:
        pipeline = StorePipeline.from_crawler(crawler)
        pipeline.open_spider()
        for n in range(60):
            item = notice_item(source_id=f"W-{n}")
            notices.append(weakref.ref(item))
            await pipeline.process_item(item)
        del item
        gc.collect()
        # the writer process is still starting: none of the three batches is committed yet
        held = sum(ref() is not None for ref in notices)
        await pipeline.close_spider()
        return held

    assert asyncio.run(feed()) == 0
    assert count(sqlite_url, Notice) == 60
    assert crawler.stats.get_value("veilleur/store_writer") == "process"


def _decided_later(count: int) -> list[NoticeItem]:
    """Items as FlagPipeline leaves them, every other one with a title the rules flag."""
    titles = ("Fourniture et pose de caméras de vidéoprotection urbaine", "Travaux de voirie")
    items = [notice_item(source_id=f"D-{n}", title=titles[n % 2]) for n in range(count)]
    for item in items:
        item.decision = DeferredDecision(default_ruleset().version, notice_texts(item))
    return items


def test_items_waiting_for_a_busy_writer_process_run_the_rules_in_the_crawl(
    sqlite_url: str,
) -> None:
    crawler = _crawler(sqlite_url, STORE_IN_PROCESS=True)
    items = _decided_later(100)
    asyncio.run(_feed(StorePipeline.from_crawler(crawler), items))
    # the writer process is still starting when the third batch's items arrive: they wait,
    # and decide meanwhile; the first two batches were handed over undecided
    assert sum(item.decision.evaluated for item in items) == 60
    assert crawler.stats.get_value("veilleur/items_flagged") == 50


def test_items_do_not_run_the_rules_in_the_crawl_while_the_writer_keeps_up(
    sqlite_url: str,
) -> None:
    crawler = _crawler(sqlite_url, STORE_IN_PROCESS=True, STORE_BATCHES_AHEAD=10)
    items = _decided_later(100)
    asyncio.run(_feed(StorePipeline.from_crawler(crawler), items))
    assert not any(item.decision.evaluated for item in items)
    assert crawler.stats.get_value("veilleur/items_flagged") == 50
