"""Scale-out: with VEILLEUR_REDIS_URL the crawl's requests go through Redis (scrapy-redis)."""

from __future__ import annotations

import contextlib
import copy
import os
import signal
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from typing import Any

import redis
from sqlalchemy import select

from db.migrate import upgrade
from db.models import CrawlRun, Notice
from db.session import session_scope
from tests.crawling import ROOT, count, crawl, crawl_command, crawl_env, demo_records
from veilleur.demo.replay import OpendatasoftEmulator, ReplayServer, Reply

REDIS_URL = os.environ.get("VEILLEUR_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _twelve_days_of_boamp(server_url: str, db_url: str, settings: dict[str, Any]) -> list[str]:
    """The command each worker runs: the 12 days the records are spread over."""
    return crawl_command(
        "boamp",
        server_url,
        "--since",
        "2024-01-01",
        "--until",
        "2024-01-12",
        database_url=db_url,
        settings=settings,
    )


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


def spread(n: int, per_day: int) -> list[dict[str, Any]]:
    """``n`` real demo records under distinct ids, ``per_day`` a day from 2024-01-01 (the
    repetition is assembled: the records' contents are the recorded ones)."""
    base = demo_records()
    out = []
    for i in range(n):
        record = copy.deepcopy(base[i % len(base)])
        record["idweb"] = record["id"] = f"S{i:06d}"
        record["dateparution"] = (date(2024, 1, 1) + timedelta(days=i // per_day)).isoformat()
        out.append(record)
    return out


def test_two_workers_store_every_notice_once_and_read_no_page_twice(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        return  # shared crawls write to PostgreSQL (docs/operations.md); SQLite is one writer
    client = redis.Redis.from_url(REDIS_URL)
    crawl_id = f"test-{uuid.uuid4().hex[:8]}"
    records = spread(3000, per_day=250)  # 12 days: windows split under a cap of 400
    ods = OpendatasoftEmulator({"boamp": records}, offset_cap=400)
    env = crawl_env(env={"VEILLEUR_REDIS_URL": REDIS_URL, "VEILLEUR_CRAWL_ID": crawl_id})
    settings = {"ODS_OFFSET_CAP": 400, "ODS_PAGE_SIZE": 50}
    upgrade(db_url)
    try:
        with ReplayServer(ods=ods) as server:
            command = _twelve_days_of_boamp(server.url, db_url, settings)
            workers = [
                subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
                for _ in range(2)
            ]
            outputs = [w.communicate(timeout=240)[1] for w in workers]
            asked = Counter(
                (q.get("where"), q.get("offset")) for _, p, q in server.requests if "/api/" in p
            )
    finally:
        for key in client.scan_iter(f"veilleur:*:{crawl_id}:*"):
            client.delete(key)
    assert [w.returncode for w in workers] == [0, 0], outputs
    assert max(asked.values()) == 1  # no page, no window read twice
    assert count(db_url, Notice) == len(records)
    with session_scope(db_url) as session:
        seen = [r.items_seen for r in session.scalars(select(CrawlRun))]
    # both workers ran, and between them passed each record on once (how the pages were
    # shared is up to who asked first: a quick worker may take them all)
    assert sum(seen) == len(records) and len(seen) == 2


def _late(method: str, path: str, query: dict[str, str]) -> Reply | None:
    time.sleep(0.2)
    return None


def test_a_worker_killed_halfway_loses_nothing(db_url: str) -> None:
    """SIGKILL one of two workers while it holds pages and unwritten notices: the other puts
    its requests back once its heartbeat expires and finishes the crawl (crawler/acked.py)."""
    if not db_url.startswith("postgresql"):
        return  # shared crawls write to PostgreSQL (docs/operations.md); SQLite is one writer
    client = redis.Redis.from_url(REDIS_URL)
    crawl_id = f"test-{uuid.uuid4().hex[:8]}"
    records = spread(3000, per_day=250)
    ods = OpendatasoftEmulator({"boamp": records}, offset_cap=400)
    env = crawl_env(env={"VEILLEUR_REDIS_URL": REDIS_URL, "VEILLEUR_CRAWL_ID": crawl_id})
    settings = {
        "ODS_OFFSET_CAP": 400,
        "ODS_PAGE_SIZE": 50,
        "STORE_BATCH_SIZE": 100,
        "VEILLEUR_HEARTBEAT_SECONDS": 1,
        "VEILLEUR_HEARTBEAT_TTL": 3,
    }
    inflight = f"veilleur:boamp:{crawl_id}:requests:inflight:*"
    upgrade(db_url)
    try:
        # each answer a little late, as a real portal's: the crawl cannot end before the kill
        with ReplayServer(ods=ods, faults=[_late]) as server, contextlib.ExitStack() as files:
            command = _twelve_days_of_boamp(server.url, db_url, settings)
            # logs to files: a worker blocked on a full pipe would leave all the work to the other
            logs = [files.enter_context(tempfile.TemporaryFile(mode="w+")) for _ in range(2)]
            victim, survivor = (
                subprocess.Popen(command, cwd=ROOT, env=env, stderr=log, text=True) for log in logs
            )
            held: dict[bytes, bytes] = {}
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and victim.poll() is None:
                # halfway: some notices are committed and the victim holds pages in flight
                if count(db_url, Notice) >= 100:
                    keys = [
                        k for k in client.scan_iter(inflight) if f":{victim.pid}:".encode() in k
                    ]
                    held = client.hgetall(keys[0]) if keys else {}
                    if held:
                        victim.send_signal(signal.SIGKILL)
                        break
                time.sleep(0.05)
            victim.wait(timeout=30)
            stored_at_kill = count(db_url, Notice)
            survivor.wait(timeout=240)
            logs[1].seek(0)
            output = logs[1].read()
            left = [k for k in client.scan_iter(inflight)]
    finally:
        for key in client.scan_iter(f"veilleur:*:{crawl_id}:*"):
            client.delete(key)
    assert held, "the victim never held a page in flight: nothing was tested"
    assert victim.returncode == -signal.SIGKILL
    assert stored_at_kill < len(records)  # killed halfway, not after the end
    assert survivor.returncode == 0, output
    with session_scope(db_url) as session:
        keys = list(session.scalars(select(Notice.source_id).where(Notice.source == "boamp")))
    missing = sorted({r["idweb"] for r in records} - set(keys))
    assert not missing and len(keys) == len(records), (missing[:3], len(missing), output[-6000:])
    assert "'veilleur/shared/requeued'" in output  # the victim's pages were put back
    with session_scope(db_url) as session:
        runs = {
            pid: status for pid, status in session.execute(select(CrawlRun.pid, CrawlRun.status))
        }
    # the victim's run is not left 'running': the survivor, closing, found its heartbeat gone
    assert runs == {victim.pid: "interrupted", survivor.pid: "ok"}
    assert left == []  # every taken page acknowledged (or put back and then acknowledged)
