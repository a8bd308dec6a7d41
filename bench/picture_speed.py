"""Response times of the map and the buyer and vendor pages at 200 000 notices, beside the
queue's first page measured in the same run (the baseline).

The notices are the review bench's (``bench/review_speed.py``: real BOAMP/TED texts replicated
with varied dates, départements and flags); this bench then gives each one a buyer (a real
commune of the COG, by its SIREN: about 8 000 buyers), one to three départements, and gives
four notices in ten one or two awardees drawn from 20 000 SYNTHETIC vendors with a Zipf-like
law (the biggest wins about one award in ten: thousands of notices) and an amount. It runs the real
:func:`db.picture.refresh_picture` over everything (its time is printed), serves the app under
waitress in a subprocess and has C clients hit ``/map`` (random category and period), the
biggest vendor's page, random vendor and buyer pages and the queue's first page (the baseline).
Before that, one client in process times the map's and the biggest vendor's queries as they
were before the counts tables (``bench/picture_before.py``) beside today's, in the same run.

    python bench/picture_speed.py                      # SQLite, 200 000 notices
    python bench/picture_speed.py --db both --notices 200000 --requests 100
"""

from __future__ import annotations

import random
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import picture_before as before
import review_speed as base
from sqlalchemy import bindparam, func, select, text

from db.models import NoticeParty, Party
from db.models.notices import Notice
from db.picture import refresh_picture
from db.picture_queries import (
    PictureFilters,
    commune_counts,
    departement_counts,
    party_page,
    timeline,
)
from db.session import get_engine, session_scope
from vocabulary.places import communes
from vocabulary.terms import CATEGORIES

VENDORS = 20_000
#: Zipf-like market (weight 1/rank^1.07): the biggest vendor wins about one award in ten
WEIGHTS = [1 / (k + 1) ** 1.07 for k in range(VENDORS)]
_T = Notice.__table__
_UPDATE = (
    _T.update()
    .where(_T.c.id == bindparam("b_id"))
    .values(
        buyer_siret=bindparam("siret"),
        buyer_name=bindparam("name"),
        departements=bindparam("deps", type_=_T.c.departements.type),
        awardees=bindparam("awardees", type_=_T.c.awardees.type),
        kind=bindparam("kind"),
        estimated_value=bindparam("value"),
    )
)


def enrich(url: str, n: int, seed: int = 11) -> None:
    """Buyers, départements, awardees and amounts on the built notices; then the refresh."""
    rng = random.Random(seed)
    towns = [c for c in communes() if c.type == "commune-actuelle"]
    buyers = rng.sample(towns, 8000)
    engine = get_engine(url)
    start = time.perf_counter()
    batch: list[dict[str, Any]] = []
    with engine.begin() as conn:
        for nid in range(1, n + 1):
            buyer = rng.choice(buyers)
            deps = [buyer.departement] + [
                rng.choice(base.DEPS) for _ in range(rng.choice((0, 0, 0, 1, 2)))
            ]
            awardees = []
            kind = None
            if rng.random() < 0.4:
                kind = rng.choice(("award", "contract"))
                for v in rng.choices(range(VENDORS), weights=WEIGHTS, k=rng.choice((1, 1, 1, 2))):
                    awardees.append({"name": f"Fournisseur {v} SAS", "id": f"{800000000 + v}00017"})
            batch.append({
                "b_id": nid, "siret": f"{buyer.siren}00011", "name": f"Commune de {buyer.name}",
                "deps": deps, "awardees": awardees, "kind": kind or "tender",
                "value": round(rng.uniform(5e3, 2e6), 2) if rng.random() < 0.5 else None,
            })  # fmt: skip
            if len(batch) == 5000 or nid == n:
                conn.execute(_UPDATE, batch)
                batch = []
    print(f"buyers, awardees and amounts set in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    with session_scope(url) as s:
        refresh_picture(s)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    print(f"refresh_picture over {n} notices: {time.perf_counter() - start:.1f} s")


PERIODS = [("", ""), ("2019-01", "2020-12"), ("2021-06", "2024-12"), ("2023-01", "2023-12")]


def biggest_vendor(url: str) -> tuple[int, int]:
    with session_scope(url) as s:
        pid, n = s.execute(
            select(NoticeParty.party_id, func.count())
            .where(NoticeParty.role == "supplier")
            .group_by(NoticeParty.party_id)
            .order_by(func.count().desc())
            .limit(1)
        ).one()
    return int(pid), int(n)


def _filters(r: random.Random) -> PictureFilters:
    start, end = r.choice(PERIODS)
    return PictureFilters(
        r.choice((None, *CATEGORIES[:5])),
        date.fromisoformat(start + "-01") if start else None,
        date.fromisoformat(end + "-28") if end else None,
    )


def query_times(url: str, reps: int) -> dict[str, list[float]]:
    """One client, in process, no HTTP: the map's and the biggest vendor's page's queries as
    they were (straight from the facet and party rows, ``bench/picture_before.py``) and as
    they are (the counts tables), alternated in the same run."""
    pid, _ = biggest_vendor(url)
    runs: dict[str, Any] = {
        "map queries, before (facets)": lambda s, r: before.map_queries(s, _filters(r)),
        "map queries, now (counts)": lambda s, r: (
            departement_counts(s, f := _filters(r)),
            timeline(s, f),
            commune_counts(s, f),
        ),
        "biggest vendor, before (rows)": lambda s, r: before.party_queries(s, pid, "supplier"),
        "biggest vendor, now (counts)": lambda s, r: party_page(s, pid),
    }
    timings: dict[str, list[float]] = {name: [] for name in runs}
    rng = random.Random(5)
    with session_scope(url) as s:
        for _ in range(reps):
            for name, run in runs.items():
                t0 = time.perf_counter()
                run(s, rng)
                timings[name].append((time.perf_counter() - t0) * 1000)
    return timings


def run_load(port: int, url: str, clients: int, requests: int) -> dict[str, list[float]]:
    biggest = biggest_vendor(url)
    with session_scope(url) as s:
        vendors = list(s.scalars(select(Party.id).where(Party.siren.like("8%")).limit(5000)))
        buyers = list(s.scalars(select(Party.id).where(Party.siren.like("2%")).limit(5000)))
    print(f"biggest vendor: {biggest[1]} notices")

    def map_path(r: random.Random) -> str:
        start, end = r.choice(PERIODS)
        cat = r.choice(("", *CATEGORIES[:5]))
        return f"/map?category={cat}&from={start}&to={end}"

    paths = {
        "queue first page (baseline)": lambda r: "/",
        "map (random category/period)": map_path,
        "vendor page (biggest)": lambda r: f"/parties/{biggest[0]}",
        "vendor page (random)": lambda r: f"/parties/{r.choice(vendors)}",
        "buyer page (random)": lambda r: f"/parties/{r.choice(buyers)}",
    }
    timings: dict[str, list[float]] = {}
    failed: dict[str, int] = {}
    lock = threading.Lock()

    def worker(k: int) -> None:
        rng = random.Random(k)
        c = base.Client(port)
        c.login()
        for i in range(requests):
            name = list(paths)[i % len(paths)]
            path = paths[name](rng)
            t0 = time.perf_counter()
            status, _ = c.get(path)
            dt = (time.perf_counter() - t0) * 1000
            with lock:
                if status != 200:  # counted and named, not timed; the server's log says why
                    failed.setdefault(f"{status} {path}", 0)
                    failed[f"{status} {path}"] += 1
                    continue
                timings.setdefault(name, []).append(dt)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for answer, count in sorted(failed.items()):
        print(f"NOT 200: {answer} ({count} times)")
    return timings


def bench(kind: str, corpus: Path, n: int, clients: int, requests: int) -> None:
    url, cleanup = base.database(kind)
    try:
        base.upgrade(url)
        base.build(url, corpus, n)
        enrich(url, n)
        base.report(f"{kind}: {n} notices, queries alone, one client", query_times(url, 30))
        get_engine(url).dispose()
        proc, port = base.serve(url)
        try:
            timings = run_load(port, url, clients, requests)
        finally:
            proc.terminate()
            proc.wait(10)
        base.report(f"{kind}: {n} notices, {clients} clients, {requests} requests each", timings)
    finally:
        cleanup()


def main() -> None:
    base.run_benches(__doc__ or "", bench)


if __name__ == "__main__":
    main()
