"""Scale-out: with VEILLEUR_REDIS_URL the crawl's requests go through Redis (scrapy-redis)."""

from __future__ import annotations

import os
import uuid

import redis

from db.models import Notice
from tests.crawling import count, crawl, demo_records
from veilleur.demo.replay import OpendatasoftEmulator, ReplayServer

REDIS_URL = os.environ.get("VEILLEUR_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_requests_are_scheduled_through_redis(sqlite_url: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()  # Redis must answer: .ci/run starts it
    key_prefix = f"veilleur-test-{uuid.uuid4().hex[:8]}"
    records = [r for r in demo_records() if r["dateparution"].startswith("2006")]
    with ReplayServer(ods=OpendatasoftEmulator({"boamp": records})) as server:
        result = crawl(
            "boamp",
            server,
            "--since",
            "2006-01-01",
            "--until",
            "2006-12-31",
            database_url=sqlite_url,
            settings={
                "SCHEDULER_QUEUE_KEY": f"{key_prefix}:requests",
                "SCHEDULER_DUPEFILTER_KEY": f"{key_prefix}:dupefilter",
            },
            env={"VEILLEUR_REDIS_URL": REDIS_URL},
        ).process
    for key in client.scan_iter(f"{key_prefix}*"):
        client.delete(key)
    assert "'scheduler/dequeued/redis'" in result.stderr
    assert count(sqlite_url, Notice) == len(records)
