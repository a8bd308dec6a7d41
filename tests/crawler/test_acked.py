"""The shared queue's scheduler (crawler/acked.py) against a real Redis: a filtered request is
marked seen and queued in one step, so no worker can leave a page seen but never queued."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis
from scrapy import Request, Spider
from scrapy.utils.test import get_crawler

from crawler.acked import TOKEN, AtomicScheduler

REDIS_URL = os.environ.get("VEILLEUR_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


class PageSpider(Spider):
    name = "pages"

    def parse(self, response: object) -> None:
        return None


@pytest.fixture
def scheduler() -> Iterator[AtomicScheduler]:
    prefix = f"veilleur-test-{uuid.uuid4().hex[:8]}"
    crawler = get_crawler(
        PageSpider,
        {
            "REDIS_URL": REDIS_URL,
            "SCHEDULER_QUEUE_KEY": f"{prefix}:requests",
            "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:dupefilter",
            "SCHEDULER_QUEUE_CLASS": "crawler.acked.AckedPriorityQueue",
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            "SCHEDULER_PERSIST": True,
            "VEILLEUR_WORKER_ID": f"{prefix}-worker",
        },
    )
    spider = PageSpider.from_crawler(crawler)
    crawler.spider = spider
    opened = AtomicScheduler.from_crawler(crawler)
    opened.open(spider)
    yield opened
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


def _page(spider: Spider, offset: int) -> Request:
    return Request(f"http://127.0.0.1/api?offset={offset}", callback=spider.parse)


def test_a_new_request_is_queued_and_marked_seen(scheduler: AtomicScheduler) -> None:
    request = _page(scheduler.spider, 50)
    assert scheduler.enqueue_request(request)
    assert len(scheduler.queue) == 1
    assert scheduler.server.sismember(scheduler.df.key, scheduler.df.request_fingerprint(request))


def test_a_request_seen_before_is_not_queued_again(scheduler: AtomicScheduler) -> None:
    scheduler.enqueue_request(_page(scheduler.spider, 50))
    assert not scheduler.enqueue_request(_page(scheduler.spider, 50))
    assert len(scheduler.queue) == 1


def test_a_request_that_cannot_be_queued_is_not_marked_seen(scheduler: AtomicScheduler) -> None:
    # a callback scrapy cannot name fails the encoding: the page must stay unseen, so that the
    # next worker to yield it queues it (scrapy-redis marked it seen first, then failed)
    def unnamed(response: object) -> None:
        return None

    request = Request("http://127.0.0.1/api?offset=100", callback=unnamed)
    with pytest.raises(ValueError):
        scheduler.enqueue_request(request)
    assert not scheduler.server.sismember(
        scheduler.df.key, scheduler.df.request_fingerprint(request)
    )


def test_a_redirected_request_lets_the_page_it_replaces_go(scheduler: AtomicScheduler) -> None:
    queue = scheduler.queue
    scheduler.enqueue_request(_page(scheduler.spider, 0))
    taken = scheduler.next_request()
    assert taken is not None and scheduler.server.hlen(queue.inflight) == 1
    redirected = taken.replace(url="http://127.0.0.1/api?offset=0&redirected=1")
    assert scheduler.enqueue_request(redirected)
    assert scheduler.server.hlen(queue.inflight) == 0
    assert TOKEN not in redirected.meta
