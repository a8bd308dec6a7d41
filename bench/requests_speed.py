"""Cost of the access-request pages and reminders, and of writing letters.

    python bench/requests_speed.py [--database-url URL] [--requests 2000]

Notices are the demo's real BOAMP records, stored again under numbered ids until there is one
per request; requests get real catalogue documents and sending dates spread over the past year
(so every state and deadline occurs). Times, each the best of 5, beside a same-run baseline:
the desk queue's first page of notices on the same database. Letters: composing and rendering
one request letter as text, .odt and .docx.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from db.migrate import upgrade
from db.models.notices import Notice
from db.notice_list import NoticeFilters, notice_page
from db.request_list import RequestFilters, list_requests, state_counts
from db.request_reminders import reminders_due
from db.requests import get_request, mark_sent, record_answer
from db.session import session_scope
from db.store import upsert_notices
from letters.compose import request_letter
from letters.render import render
from letters.stored import facts_from
from review.request_flow import draft_request
from veilleur.demo import DEMO_DATA
from vocabulary.deadlines import today_in_paris
from vocabulary.items import NoticeItem

ALL_NOTICES = NoticeFilters(include_unflagged=True)


def best(fn: Callable[[], Any], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def seed(url: str, n: int) -> None:
    records = json.loads((DEMO_DATA / "boamp" / "records.json").read_text(encoding="utf-8"))
    today = today_in_paris()
    with session_scope(url) as s:
        items = [
            NoticeItem(
                source="boamp",
                source_id=f"{r['idweb']}-{i}",
                kind="award",
                title=r["objet"],
                url=r["url_avis"],
                buyer_name=r["nomacheteur"],
                raw=r,
            )
            for i in range(n // len(records) + 1)
            for r in records
        ][:n]
        upsert_notices(s, [(item, None) for item in items])
        ids = list(s.scalars(select(Notice.id).order_by(Notice.id)))
        for i, notice_id in enumerate(ids):
            r = draft_request(s, notice_id, user_id=None)
            if i % 5 == 0:
                continue  # a draft
            r = mark_sent(s, r.id, r.version, None, today - timedelta(days=i % 365))
            if i % 7 == 0:
                record_answer(s, r.id, r.version, None, r.sent_on + timedelta(days=10), "partial")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite"
        upgrade(url)
        start = time.perf_counter()
        seed(url, args.requests)
        print(f"seeded {args.requests} requests in {time.perf_counter() - start:.1f} s")
        today = today_in_paris()
        with session_scope(url) as s:
            figures = {
                "baseline: queue first page": lambda: notice_page(s, ALL_NOTICES),
                "list, all": lambda: list_requests(s, RequestFilters(), today),
                "list, refused": lambda: list_requests(s, RequestFilters(state="refused"), today),
                "list, buyer": lambda: list_requests(s, RequestFilters(buyer="chenove"), today),
                "state counts": lambda: state_counts(s, today),
                "reminders due": lambda: reminders_due(s, today),
            }
            for name, fn in figures.items():
                print(f"{name:28} {best(fn) * 1000:8.1f} ms")
            first = list_requests(s, RequestFilters(state="draft"), today)[0]
            facts = facts_from(get_request(s, first.id), s.get(Notice, first.notice_id))
            facts = replace(facts, written_on=today)
            for fmt in ("txt", "odt", "docx"):
                ms = best(lambda f=fmt: render(request_letter(facts), f), runs=20) * 1000
                size = len(render(request_letter(facts), fmt))
                print(f"letter compose + {fmt:4}        {ms:8.1f} ms ({size} bytes)")


if __name__ == "__main__":
    main()
