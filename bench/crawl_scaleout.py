"""One backfill by one, then by two ``veilleur crawl`` workers sharing a Redis queue and one
PostgreSQL database, from the loopback Opendatasoft emulator.

N real BOAMP demo records (repeated under distinct ids, 1 500 a day, so the spider splits the
period into many date windows under the 10 000 offset cap) are crawled by a single worker, then
by two workers started together with the same ``VEILLEUR_CRAWL_ID``. For each: wall time,
notices/s, notices stored, losses (records not stored), pages the server answered more than
once (a window read twice), and the records each worker passed to the pipelines (a sum above
N: read twice). A third run kills the first of two workers (SIGKILL) once half the notices are
stored: the other must store the rest (crawler/acked.py). Prints figures; asserts nothing. Needs Redis (``VEILLEUR_BENCH_REDIS_URL``, default
redis://127.0.0.1:6379/14) and PostgreSQL on 127.0.0.1.

    python bench/crawl_scaleout.py [N]       # e.g. 100000
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from crawl_speed import crawl_command, drop_pg, pg_url, records

from veilleur.demo.replay import OpendatasoftEmulator, ReplayServer

REDIS_URL = os.environ.get("VEILLEUR_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def backfill(server: ReplayServer, n: int, workers: int, kill: bool = False) -> str:
    import redis
    from sqlalchemy import create_engine, text

    url = pg_url()
    if url is None:
        raise SystemExit("PostgreSQL on 127.0.0.1:5432 does not answer")
    crawl_id = f"bench-{uuid.uuid4().hex[:8]}"
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        VEILLEUR_REDIS_URL=REDIS_URL,
        VEILLEUR_CRAWL_ID=crawl_id,
    )
    first_request = len(server.requests)
    try:
        # the schema first, so that the workers do not race to create it
        subprocess.run(
            [sys.executable, "-m", "veilleur.cli", "db", "upgrade"],
            cwd=ROOT,
            env={**env, "DATABASE_URL": url},
            check=True,
            capture_output=True,
        )
        started = time.perf_counter()
        procs = [
            subprocess.Popen(
                crawl_command(url, server.url, n),
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(workers)
        ]
        engine = create_engine(url)
        if kill:  # SIGKILL the first worker once half the notices are stored
            count = text("SELECT count(*) FROM notices")
            while procs[0].poll() is None:
                with engine.connect() as conn:
                    if int(conn.execute(count).scalar_one()) >= n // 2:
                        procs[0].send_signal(signal.SIGKILL)
                        break
                time.sleep(0.2)
        codes = [p.wait() for p in procs]
        seconds = time.perf_counter() - started
        with engine.connect() as conn:
            stored = int(conn.execute(text("SELECT count(*) FROM notices")).scalar_one())
            query = text("SELECT items_seen FROM crawl_runs ORDER BY id")
            per_run = [int(v) for v in conn.execute(query).scalars()]
            passed = sum(per_run)
        engine.dispose()
        asked = Counter(
            (q.get("where"), q.get("offset"))
            for _, path, q in server.requests[first_request:]
            if path.endswith(("/records", "/exports/json"))
        )
        twice = sum(c - 1 for c in asked.values() if c > 1)
        rate = n / seconds
        label = f"{workers} worker{'s' if workers > 1 else ' '}" + (", 1st killed" if kill else "")
        return (
            f"{label} {seconds:7.1f} s  {rate:6.0f} notices/s"
            f"  stored {stored}  lost {n - stored}  pages read twice {twice}"
            f"  records through the pipelines {passed} {per_run}  exit codes {codes}"
        )
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"veilleur:*:{crawl_id}:*"):
            client.delete(key)
        drop_pg(url)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    print(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    print(f"records: {n} over {n // 1500 + 1} days (real BOAMP demo records, distinct ids)")
    emulator = OpendatasoftEmulator({"boamp": records(n)}, cache_selections=True)
    with ReplayServer(ods=emulator) as server:
        print(backfill(server, n, 1))
        print(backfill(server, n, 2))
        print(backfill(server, n, 2, kill=True))


if __name__ == "__main__":
    main()
