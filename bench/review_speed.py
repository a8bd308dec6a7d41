"""Response times of the review desk with a large database, under a few concurrent clients.

Builds a database of N notices (default 200 000) by replicating real notices (the shared corpus'
BOAMP/TED texts when present, else tests/fixtures/review) with varied ids, dates, départements
and buyers; a quarter are flagged with real snippets. Starts ``veilleur serve``'s app under
waitress in a subprocess, logs in, and has C client threads (http.client over loopback) hit the
queue (first page, a deep keyset page, filtered, searched) and notice pages. Prints median and
95th percentile per kind of page.

    python bench/review_speed.py                      # SQLite, 200 000 notices, 4 clients
    python bench/review_speed.py --db postgresql --notices 200000
    python bench/review_speed.py --db both --notices 50000 --requests 200
    python bench/review_speed.py --corpus DIR         # default: $VEILLEUR_CORPUS, ../shared/corpus
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from argon2 import PasswordHasher
from sqlalchemy import create_engine, insert, select, text

from db.fulltext import create_fulltext, drop_fulltext
from db.migrate import upgrade
from db.models.notices import Flag, Notice
from db.models.review import Review, User
from db.session import get_engine
from tools.corpus import corpus_dir

FIXTURE = ROOT / "tests" / "fixtures" / "review" / "notices.jsonl"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEPS = [f"{i:02d}" for i in range(1, 96) if i != 20] + ["2A", "2B", "971", "972", "974"]
CATEGORIES = ["videosurveillance", "video_analytics", "lapi", "drones", "big_data_policing"]
WORDS = ("vidéoprotection", "caméra", "video", "surveillance", "sécurité", "système")
PASSWORD = "bench password 123"


def load_texts(corpus: Path) -> list[dict[str, str]]:
    path = corpus / "boamp_ted_html_2020_text.jsonl"
    path = path if path.exists() else FIXTURE
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            out.append(
                {
                    "title": (rec["title"] or "")[:300],
                    "buyer": (rec["buyer"] or "")[:200],
                    "text": rec["text"][:1500],
                }
            )
    return out


def _snippet(text: str) -> str:
    low = text.lower()
    for w in WORDS:
        i = low.find(w)
        if i >= 0:
            return " ".join(text[max(0, i - 80) : i + 80].split())
    return text[:160]


def build(url: str, corpus: Path, n: int, seed: int = 7) -> None:
    """Fill a migrated database with ``n`` replicated notices, flags and a few reviews."""
    rng = random.Random(seed)
    texts = load_texts(corpus)
    engine = get_engine(url)
    start = time.perf_counter()
    user_hash = PasswordHasher().hash(PASSWORD)
    with engine.begin() as conn:
        drop_fulltext(conn)  # bulk load first, index once afterwards (much faster)
        conn.execute(
            insert(User),
            [{"username": "bench", "password_hash": user_hash, "role": "analyst", "active": True}],
        )
    batch, flags, nid = 5000, [], 0
    day0 = date(2019, 1, 1)
    for first in range(0, n, batch):
        rows: list[dict[str, Any]] = []
        for _ in range(min(batch, n - first)):
            nid += 1
            rec = texts[rng.randrange(len(texts))]
            flagged = rng.random() < 0.25
            rows.append({
                "id": nid, "source": rng.choice(("boamp", "boamp", "ted", "decp")),
                "source_key": f"B{nid:08d}", "source_id": f"{20 + nid % 5}-{nid}",
                "kind": rng.choice(("tender", "tender", "award", "correction")),
                "title": rec["title"], "description": rec["text"],
                "buyer_name": rec["buyer"], "departements": [rng.choice(DEPS)],
                "cpv_codes": [], "descriptors": [], "awardees": [], "lots": [],
                "related_ids": [], "raw": {}, "extra_text": "",
                "published_at": day0 + timedelta(days=rng.randrange(6 * 365)) if rng.random() > 0.01 else None,
                "url": f"https://www.boamp.fr/pages/avis/?q=idweb:{nid}",
                "content_hash": uuid.uuid4().hex, "flagged": flagged,
                "score": round(rng.uniform(2, 12), 1) if flagged else 0.0,
                "categories": [rng.choice(CATEGORIES)] if flagged else [],
            })  # fmt: skip
            if flagged:
                flags.append(
                    {
                        "notice_id": nid,
                        "rule_id": f"{rows[-1]['categories'][0]}.term",
                        "rule_version": "bench",
                        "category": rows[-1]["categories"][0],
                        "field": "description",
                        "snippet": _snippet(rec["text"]),
                        "weight": 2.0,
                    }
                )
        with engine.begin() as conn:
            conn.execute(insert(Notice), rows)
            if flags:
                conn.execute(insert(Flag), flags)
        flags = []
    with engine.begin() as conn:
        create_fulltext(conn)
    print(f"loaded and indexed in {time.perf_counter() - start:.1f} s")
    with engine.begin() as conn:
        flagged_ids = list(conn.scalars(select(Notice.id).where(Notice.flagged).limit(n // 50)))
        reviews = [
            {
                "notice_id": i,
                "user_id": 1,
                "verdict": rng.choice(("relevant", "follow_up")),
                "note": "",
                "reason_rule": None,
            }
            for i in flagged_ids
        ]
        conn.execute(insert(Review), reviews)
        conn.execute(
            text(
                "INSERT INTO review_heads (notice_id, review_id, verdict, updated_at) "
                "SELECT notice_id, id, verdict, created_at FROM reviews"
            )
        )
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
            conn.execute(text("SELECT setval('notices_id_seq', (SELECT max(id) FROM notices))"))
        else:
            conn.execute(text("ANALYZE"))
    print(f"built {n} notices in {time.perf_counter() - start:.1f} s ({engine.dialect.name})")


class Client:
    """One logged-in browser-like client over a keep-alive loopback connection."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookie = ""

    def get(self, path: str) -> tuple[int, str]:
        self.conn.request("GET", path, headers={"Cookie": self.cookie})
        resp = self.conn.getresponse()
        body = resp.read().decode("utf-8", "replace")
        cookie = resp.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return resp.status, body

    def login(self) -> None:
        _, page = self.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        body = urlencode({"username": "bench", "password": PASSWORD, "csrf_token": token})
        self.conn.request(
            "POST",
            "/login",
            body=body,
            headers={"Cookie": self.cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        resp = self.conn.getresponse()
        resp.read()
        self.cookie = resp.getheader("Set-Cookie", "").split(";", 1)[0]
        assert resp.status == 302, resp.status


def serve(url: str) -> tuple[subprocess.Popen[bytes], int]:
    code = (
        f"import sys, logging; sys.path.insert(0, {str(ROOT)!r})\n"
        "logging.getLogger('waitress.queue').setLevel(logging.ERROR)\n"
        "from waitress.server import create_server\n"
        "from review.app import create_app\n"
        f"app = create_app({url!r}, {{'SECRET_KEY': 'bench', 'SESSION_COOKIE_SECURE': False}})\n"
        "srv = create_server(app, host='127.0.0.1', port=0, threads=4)\n"
        "print(srv.effective_port, flush=True)\n"
        "srv.run()\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    return proc, port


def run_load(port: int, ids: list[int], clients: int, requests: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {}
    lock = threading.Lock()
    first = Client(port)
    first.login()
    _, page = first.get("/")
    deep = "/"
    for _ in range(20):  # walk 20 keyset pages to get a deep cursor
        m = re.search(r'href="(/\?after=[^"]+)"', page)
        if not m:
            break
        deep = m.group(1).replace("&amp;", "&")
        _, page = first.get(deep)
    paths = {
        "queue first page": lambda r: "/",
        "queue page 21 (keyset)": lambda r: deep,
        "queue filtered (dep+status)": lambda r: f"/?departement={r.choice(DEPS)}&status=new",
        "queue search": lambda r: (
            "/?"
            + urlencode({"q": r.choice(("vidéoprotection", "caméras", "restauration scolaire"))})
        ),
        "notice page": lambda r: f"/notices/{r.choice(ids)}",
    }

    def worker(k: int) -> None:
        rng = random.Random(k)
        c = Client(port)
        c.login()
        for i in range(requests):
            name = list(paths)[i % len(paths)]
            path = paths[name](rng)
            t0 = time.perf_counter()
            status, _ = c.get(path)
            dt = (time.perf_counter() - t0) * 1000
            assert status == 200, (status, path)
            with lock:
                timings.setdefault(name, []).append(dt)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return timings


def report(label: str, timings: dict[str, list[float]]) -> None:
    print(f"\n{label}")
    print(f"{'page':32} {'n':>5} {'median ms':>10} {'p95 ms':>8}")
    for name, values in timings.items():
        values.sort()
        p95 = values[max(0, round(0.95 * len(values)) - 1)]
        print(f"{name:32} {len(values):5d} {statistics.median(values):10.1f} {p95:8.1f}")


def database(kind: str) -> tuple[str, Callable[[], None]]:
    """(url, cleanup) of an empty database of ``kind`` for one bench run."""
    if kind == "sqlite":
        tmp = Path(tempfile.mkdtemp(prefix="veilleur-bench-"))
        url = f"sqlite:///{tmp / 'bench.sqlite'}"

        def remove() -> None:
            get_engine(url).dispose()
            shutil.rmtree(tmp, ignore_errors=True)

        cleanup: Callable[[], None] = remove
    else:
        name = f"veilleur_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"

        def drop() -> None:
            get_engine(url).dispose()
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

        cleanup = drop
    return url, cleanup


def bench(kind: str, corpus: Path, n: int, clients: int, requests: int) -> None:
    url, cleanup = database(kind)
    try:
        upgrade(url)
        build(url, corpus, n)
        with get_engine(url).connect() as conn:
            ids = list(conn.scalars(select(Notice.id).where(Notice.flagged).limit(5000)))
        get_engine(url).dispose()
        proc, port = serve(url)
        try:
            timings = run_load(port, ids, clients, requests)
        finally:
            proc.terminate()
            proc.wait(10)
        report(
            f"{kind}: {n} notices, {clients} concurrent clients, {requests} requests each", timings
        )
    finally:
        cleanup()


def run_benches(description: str, bench: Any) -> None:
    """Parse the load benches' shared options and run ``bench`` once per database asked for."""
    parser = argparse.ArgumentParser(description=description.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--notices", type=int, default=200_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--requests", type=int, default=100, help="per client")
    parser.add_argument("--corpus", help="default: $VEILLEUR_CORPUS, else ../shared/corpus")
    args = parser.parse_args()
    for kind in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        bench(
            kind, corpus_dir(args.corpus, required=False), args.notices, args.clients, args.requests
        )


def main() -> None:
    run_benches(__doc__ or "", bench)


if __name__ == "__main__":
    main()
