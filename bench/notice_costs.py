"""What one notice of a first crawl costs, step by step, and the rate those costs allow.

``bench/crawl_speed.py`` times whole crawls; this bench takes a first crawl's work apart, on N
real BOAMP demo records (repeated under distinct ids, each page's JSON decoded afresh as a
crawl decodes it), and times each step alone, in CPU microseconds per notice of this process
(best of ``--repeat``), so that other jobs on the machine do not distort them:

* decode: ``orjson.loads`` of the API's pages of 100 records (the same-run baseline, 1.00);
* parse: ``spiders.boamp.boamp_notice`` (the ``donnees`` document included);
* digest: the record's digest an unchanged re-crawl compares (``record_digest``);
* rules: ``RuleSet.evaluate`` of the notice's texts (folding, automaton, decision, snippets);
* hand-over: pickling a batch of 500 notices to the writer process and unpickling it there;
* store, SQLite: ``db.store.upsert_notices`` of batches of 500 into a fresh file, decisions
  already made (content hash, inserts, flags, versions, the FTS5 index, commits); of which
  content hash (``NoticeItem.content_hash``) and search index (the same text put into an FTS5
  table alone);
* store, PostgreSQL (if answering): the client's CPU for the same batches, and the server's
  time to compute the search document (``to_tsvector``) of each notice, read back alone.

Then the rate SQLite's single writer allows at best (its store step alone), and for each
database the sum of the steps both processes of a crawl must do and the rate the machine's
cores allow at best if nothing else cost anything (Scrapy's own work, the
network and the linking pass are left out: ``bench/crawl_speed.py`` measures them), beside the
aim of issue 15 (3 000 notices/s into SQLite, 2 000 into PostgreSQL). Prints figures; asserts
nothing.

    python bench/notice_costs.py [N] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import pickle
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from crawl_speed import drop_pg, pg_url, records

from crawler.base_spiders.unchanged import record_digest
from db.fulltext import PG_NOTICE_DOCUMENT
from db.migrate import upgrade
from db.session import session_scope
from db.store import upsert_notices
from extract.fields import notice_texts
from extract.rules import default_ruleset
from spiders.boamp import boamp_notice
from vocabulary.items import NoticeItem

PAGE = 100
BATCH = 500
AIMS = {"SQLite": 3000, "PostgreSQL": 2000}


def cpu(step: Callable[[], Any], repeat: int) -> float:
    """Best CPU seconds of this process over ``repeat`` runs of ``step``."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        step()
        best = min(best, time.process_time() - started)
    return best


def pages_of(n: int) -> list[bytes]:
    data = records(n)
    return [
        orjson.dumps({"total_count": n, "results": data[start : start + PAGE]})
        for start in range(0, n, PAGE)
    ]


def batches(items: list[NoticeItem]) -> list[list[NoticeItem]]:
    return [items[start : start + BATCH] for start in range(0, len(items), BATCH)]


def store_all(url: str, items: list[NoticeItem]) -> None:
    upgrade(url)
    for batch in batches(items):
        with session_scope(url) as session:
            upsert_notices(session, [(item, item.decision) for item in batch])


def fts5_alone(items: list[NoticeItem]) -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE VIRTUAL TABLE t USING fts5(title, description, buyer_name, extra_text, awardees, "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    for batch in batches(items):
        conn.executemany(
            "INSERT INTO t VALUES (?, ?, ?, ?, ?)",
            [
                (i.title, i.description, i.buyer_name, i.extra_text, orjson.dumps(i.awardees))
                for i in batch
            ],
        )
        conn.commit()
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n, repeat = args.n, args.repeat
    cores = os.cpu_count() or 1
    print(f"cpus: {cores}, load average: {os.getloadavg()[0]:.1f}")
    print(f"records: {n} (real BOAMP demo records, repeated under distinct ids)\n")

    pages = pages_of(n)
    decoded = [record for page in pages for record in orjson.loads(page)["results"]]
    ruleset = default_ruleset()
    fingerprint = b"bench"
    items = [boamp_notice(record) for record in decoded]
    texts = [notice_texts(item) for item in items]
    for item, fields in zip(items, texts, strict=True):
        item.decision = ruleset.evaluate(fields)
    blobs = [pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL) for batch in batches(items)]

    crawl_steps = {
        "decode": cpu(lambda: [orjson.loads(page) for page in pages], repeat),
        "parse": cpu(lambda: [boamp_notice(record) for record in decoded], repeat),
        "digest": cpu(lambda: [record_digest(r, fingerprint) for r in decoded], repeat),
        "rules": cpu(lambda: [ruleset.evaluate(fields) for fields in texts], repeat),
        "hand-over (pickle)": cpu(
            lambda: [pickle.dumps(b, protocol=pickle.HIGHEST_PROTOCOL) for b in batches(items)],
            repeat,
        ),
    }
    writer_steps = {
        "hand-over (unpickle)": cpu(lambda: [pickle.loads(blob) for blob in blobs], repeat),
    }
    content_hash = cpu(lambda: [item.content_hash() for item in items], repeat)
    baseline = crawl_steps["decode"]

    def line(what: str, seconds: float) -> None:
        print(f"{what:34s} {seconds / n * 1e6:8.1f} µs/notice  ({seconds / baseline:5.2f})")

    for what, seconds in {**crawl_steps, **writer_steps}.items():
        line(what, seconds)
    common = sum(crawl_steps.values()) + sum(writer_steps.values())

    with tempfile.TemporaryDirectory() as tmp:
        files = iter(range(repeat))

        def sqlite_store() -> None:
            store_all(f"sqlite:///{tmp}/costs{next(files)}.sqlite", items)

        # the schema's creation is part of the timed step; a few ms, once
        store = cpu(sqlite_store, repeat)
    fts = cpu(lambda: fts5_alone(items), repeat)
    line("store, SQLite", store)
    line("  of which content hash", content_hash)
    line("  of which search index (FTS5)", fts)
    totals = {"SQLite": common + store}

    url = pg_url()
    if url is not None:
        try:
            client = cpu(lambda: store_all(url, items), 1)
            started = time.perf_counter()
            with session_scope(url) as session:
                session.execute(text(f"SELECT sum(length({PG_NOTICE_DOCUMENT})) FROM notices"))
            server_fts = time.perf_counter() - started
        finally:
            drop_pg(url)
        line("store, PostgreSQL (client CPU)", client)
        line("  search document (server)", server_fts)
        totals["PostgreSQL"] = common + client + server_fts

    print()
    # SQLite takes one writer at a time: whatever the crawl's process does, the store's own
    # time bounds the rate
    print(f"SQLite's one writer: its store alone allows at most {n / store:.0f} notices/s")
    for database, seconds in totals.items():
        per_notice = seconds / n * 1e6
        ceiling = cores * n / seconds
        print(
            f"{database}: {per_notice:.0f} µs of CPU a notice in these steps; on {cores} cores "
            f"at most {ceiling:.0f} notices/s if nothing else cost anything "
            f"(aim {AIMS[database]}/s needs {cores * 1e6 / AIMS[database]:.0f} µs in all)"
        )


if __name__ == "__main__":
    main()
