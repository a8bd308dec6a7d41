"""A crawler-like writer and the web desk writing at the same time, on SQLite (WAL) and
PostgreSQL: the analyst never meets "database is locked"."""

from __future__ import annotations

import re
import threading

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from db.models import Notice
from db.session import session_scope
from review.db import is_locked_error, retry_locked
from tests.factories import review_notice, review_records, store_all
from tests.review.conftest import Seeded

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_SEEN = re.compile(r'name="seen_review_id" value="([^"]*)"')


def _crawler(url: str, stop: threading.Event, stats: dict[str, object]) -> None:
    """Insert notices in batches and touch existing ones, as the Store pipeline does."""
    records = review_records()
    batch = 0
    try:
        while not stop.is_set():
            with session_scope(url) as s:
                store_all(
                    s, (review_notice(rec, f"-c{batch}-{i}") for i, rec in enumerate(records))
                )
                s.execute(update(Notice).where(Notice.id <= 10).values(score=Notice.score))
            batch += 1
            stop.wait(0.02)  # a crawler pauses between pages; leaves the GIL to the web side
    except Exception as exc:  # reported to the test, which fails on it
        stats["error"] = exc
    stats["batches"] = batch


def test_ui_writes_while_crawler_writes(
    alice_both: FlaskClient, both_url: str, seeded_both: Seeded
) -> None:
    stop, stats = threading.Event(), dict[str, object]()
    writer = threading.Thread(target=_crawler, args=(both_url, stop, stats))
    writer.start()
    statuses = []
    try:
        nid = seeded_both.notices["20-102325"]
        for i in range(8):
            statuses.append(alice_both.get("/?q=vid%C3%A9o").status_code)
            page = alice_both.get(f"/notices/{nid}").get_data(as_text=True)
            token = _TOKEN.search(page).group(1)
            seen = _SEEN.search(page).group(1)
            verdict = "follow_up" if i % 2 else "relevant"
            statuses.append(
                alice_both.post(
                    f"/notices/{nid}/verdict",
                    data={"csrf_token": token, "seen_review_id": seen, "verdict": verdict},
                ).status_code
            )
    finally:
        stop.set()
        writer.join(60)
    assert "error" not in stats and stats["batches"] and all(code < 400 for code in statuses)


def test_retry_survives_a_held_write_lock(sqlite_url: str) -> None:
    """A writer holding SQLite's lock past a short busy timeout: the retry still gets through."""
    import sqlite3

    path = sqlite_url.split("///", 1)[1]
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    attempts: list[int] = []

    def unit() -> str:
        attempts.append(1)
        if len(attempts) == 3:
            holder.execute("COMMIT")
        conn = sqlite3.connect(path, timeout=0.01, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            raise OperationalError("BEGIN", {}, exc) from exc
        finally:
            conn.close()
        return "written"

    assert retry_locked(unit, base_delay=0.001) == "written" and len(attempts) == 3


def test_retry_gives_up_on_other_errors() -> None:
    def unit() -> None:
        raise OperationalError("SELECT", {}, Exception("no such table: x"))

    with pytest.raises(OperationalError):
        retry_locked(unit)


def test_locked_error_is_recognised() -> None:
    assert is_locked_error(OperationalError("x", {}, Exception("database is locked")))
