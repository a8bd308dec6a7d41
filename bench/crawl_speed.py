"""Notices per second from the loopback replay through the rules into the database.

Serves N real BOAMP demo records (repeated under distinct ids, 1 500 a day over distinct days)
from the Opendatasoft emulator, then in the same run:

* a bare Scrapy spider (no pipelines, no database) reads every record of the same server:
  the ceiling the network, the emulator and JSON decoding set on this machine today;
* ``veilleur crawl boamp`` in a subprocess into SQLite and into PostgreSQL (if answering): a
  first crawl, then an unchanged re-crawl (which must write no notice); the first crawl once
  more into a fresh database with its batches written from a thread (``STORE_IN_PROCESS=False``)
  instead of the writer process, and the re-crawl once more parsing every record
  (``SKIP_UNCHANGED_RECORDS=False``), so each is compared with what it replaces on the same
  machine state; then the linking pass over the whole store and over its last day only (what a
  night's crawl links).

Each line gives the time (process start included), notices/s, the ratio to the bare spider,
the crawl process's peak RSS, and the CPU seconds the crawl spent (its writer process included)
and, on PostgreSQL, the local server's: beside the wall time and the machine's cores, whether
the crawl was bound by the CPU. Prints figures; asserts nothing.

    python bench/crawl_speed.py [N ...] [--sqlite-only]     # e.g. 5000 20000 100000
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from veilleur.demo import DEMO_DATA
from veilleur.demo.replay import OpendatasoftEmulator, ReplayServer

PER_DAY = 1500
FIRST_DAY = date(2024, 1, 1)


def records(n: int, per_day: int = PER_DAY) -> list[dict[str, Any]]:
    base = json.loads((DEMO_DATA / "boamp" / "records.json").read_text(encoding="utf-8"))
    out: list[dict[str, Any]] = []
    i = 0
    while len(out) < n:
        for record in base:
            clone = copy.deepcopy(record)
            clone["idweb"] = clone["id"] = f"B{i:07d}"
            clone["dateparution"] = (FIRST_DAY + timedelta(days=i // per_day)).isoformat()
            out.append(clone)
            i += 1
            if len(out) >= n:
                break
    return out


def last_day(n: int, per_day: int = PER_DAY) -> date:
    return FIRST_DAY + timedelta(days=max(n - 1, 0) // per_day)


class ServerCpu:
    """CPU seconds the local PostgreSQL server's processes spend while the block runs, read
    from /proc every 0.1 s: backends that start inside it count from zero, the others from
    their time at its start (a backend that ends between two readings loses at most 0.1 s)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._stop = threading.Event()
        self._first: dict[str, float] = {}
        self._last: dict[str, float] = {}

    @staticmethod
    def _read() -> dict[str, float]:
        tick = os.sysconf("SC_CLK_TCK")
        found = {}
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            if "(postgres)" in stat:
                fields = stat.rsplit(")", 1)[1].split()
                found[pid] = (int(fields[11]) + int(fields[12])) / tick
        return found

    def _watch(self) -> None:
        while not self._stop.wait(0.1):
            for pid, seconds in self._read().items():
                self._first.setdefault(pid, 0.0)
                self._last[pid] = seconds

    def __enter__(self) -> ServerCpu:
        self._first = self._read()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.seconds = sum(last - self._first[pid] for pid, last in self._last.items())


class Ran(NamedTuple):
    """What one process :func:`run` waited for took."""

    seconds: float
    peak_rss_kib: int
    #: its own CPU and that of the processes it waited for (a crawl's writer process)
    cpu_seconds: float
    stderr_tail: str


def run(command: list[str], env: dict[str, str] | None = None) -> Ran:
    """Runs ``command`` from the project root and waits for it."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=dict(os.environ, PYTHONPATH=str(ROOT), **(env or {})),
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - started
        err.seek(0)
        tail = err.read().decode("utf-8", "replace")[-2000:]
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{command[:5]} exited {proc.returncode}:\n{tail}")
    return Ran(elapsed, usage.ru_maxrss, usage.ru_utime + usage.ru_stime, tail)


def crawl_command(url: str, server: str, n: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "veilleur.cli",
        "crawl",
        "boamp",
        "--quiet",
        "--database-url",
        url,
        "--since",
        FIRST_DAY.isoformat(),
        "--until",
        last_day(n).isoformat(),
        "-s",
        "PORTAL_BASE_URLS=" + json.dumps({"boamp": server}),
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
        "-s",
        "DOWNLOAD_DELAY=0",
        "-s",
        "CONCURRENT_REQUESTS_PER_DOMAIN=8",
        "-s",
        "LOG_LEVEL=WARNING",
    ]


BARE_SPIDER = """
import sys, orjson, scrapy
from urllib.parse import urlencode
from scrapy.crawler import CrawlerProcess
from datetime import date, timedelta

server, first, last = sys.argv[1], date.fromisoformat(sys.argv[2]), date.fromisoformat(sys.argv[3])
seen = [0]

class Bare(scrapy.Spider):
    name = "bare"
    def url(self, start, end, offset):
        where = (f"dateparution >= date'{start}' AND dateparution < date'{end + timedelta(days=1)}'")
        q = {"where": where, "order_by": "dateparution ASC, idweb ASC", "limit": 100,
             "offset": offset}
        return server + "/api/explore/v2.1/catalog/datasets/boamp/records?" + urlencode(q)
    async def start(self):
        day = first
        while day <= last:  # 5-day windows stay under the 10 000 offset cap
            end = min(day + timedelta(days=4), last)
            yield scrapy.Request(self.url(day, end, 0), cb_kwargs={"w": (day, end, 0)})
            day = end + timedelta(days=1)
    def parse(self, response, w):
        payload = orjson.loads(response.body)
        seen[0] += len(payload["results"])
        if w[2] == 0:
            for offset in range(100, payload["total_count"], 100):
                yield scrapy.Request(self.url(w[0], w[1], offset), cb_kwargs={"w": (*w[:2], offset)})

process = CrawlerProcess({"LOG_LEVEL": "WARNING", "CONCURRENT_REQUESTS": 8,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8, "TELNETCONSOLE_ENABLED": False,
    "WARN_ON_GENERATOR_RETURN_VALUE": False,
    "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor"})
process.crawl(Bare)
process.start()
print(seen[0], file=sys.stderr)
"""


def pg_url() -> str | None:
    from sqlalchemy import create_engine, text

    admin = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    name = f"veilleur_bench_{uuid.uuid4().hex[:8]}"
    try:
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:
        return None
    return admin.rsplit("/", 1)[0] + "/" + name


def drop_pg(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url.rsplit("/", 1)[0] + "/test", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))


def stored(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM notices")).scalar_one())


def bench(n: int, with_postgresql: bool = True) -> None:
    data = records(n)
    print(f"\nrecords: {n} (real BOAMP demo records, repeated under distinct ids)")
    emulator = OpendatasoftEmulator({"boamp": data}, cache_selections=True)
    with tempfile.TemporaryDirectory() as tmp, ReplayServer(ods=emulator) as server:
        args = [server.url, FIRST_DAY.isoformat(), last_day(n).isoformat()]
        bare_s, bare_rss, _, tail = run([sys.executable, "-c", BARE_SPIDER, *args])
        bare_read = int(tail.strip().splitlines()[-1])
        bare = bare_read / bare_s
        print(
            f"{'bare spider':30s} {bare_s:6.1f} s  {bare:7.0f} records/s  "
            f"(1.00)  peak RSS {bare_rss / 1024:6.0f} MiB  [{bare_read} read]"
        )
        targets = [("sqlite", f"sqlite:///{tmp}/bench.sqlite")]
        pg = pg_url() if with_postgresql else None
        if pg:
            targets.append(("postgresql", pg))
        try:
            for label, url in targets:
                crawl = crawl_command(url, server.url, n)
                _measured(f"{label} first crawl", crawl, url, n, bare, written=False)
                _first_crawl_with_writer_thread(label, url, server.url, n, bare)
                _measured(f"{label} re-crawl unchanged", crawl, url, n, bare, written=True)
                every = [*crawl, "-s", "SKIP_UNCHANGED_RECORDS=False"]
                _measured(f"{label} re-crawl, all parsed", every, url, n, bare, written=True)
                _linking(label, url, n)
        finally:
            if pg:
                drop_pg(pg)


def _measured(what: str, command: list[str], url: str, n: int, bare: float, written: bool) -> None:
    """Runs one crawl and prints its line: time, rate, ratio to the bare spider, peak RSS, and
    what the database holds after it (with the notices it wrote, for a re-crawl)."""
    before = time.time()
    # /proc is read only while a crawl writes into the local server: it costs this process,
    # which also serves the crawl's pages, some CPU
    with ServerCpu() if url.startswith("postgresql") else contextlib.nullcontext() as server:
        seconds, rss, cpu, _ = run(command)
    rate = n / seconds
    wrote = _notices_written_since(url, before) if written else ""
    busy = f"cpu: crawl {cpu:5.1f} s"
    if server is not None:
        busy += f", server {server.seconds:5.1f} s"
    print(
        f"{what:30s} {seconds:6.1f} s  {rate:7.0f} notices/s ({rate / bare:.2f})  "
        f"peak RSS {rss / 1024:6.0f} MiB  {busy}  [{stored(url)} stored{wrote}]"
    )


def _linking(label: str, url: str, n: int) -> None:
    """The linking pass a crawl runs when it wrote something: over the whole store (as a
    first crawl does), then over the last day only (as a night's crawl does), each rolled back."""
    from db.linking import link_all
    from db.session import session_scope

    for what, since in (("whole store", None), ("last day", last_day(n))):
        started = time.perf_counter()
        with session_scope(url) as session:
            link_all(session, since=since)
            session.rollback()
        seconds = time.perf_counter() - started
        print(f"{label + ' linking, ' + what:30s} {seconds:6.2f} s")


def _first_crawl_with_writer_thread(label: str, url: str, server: str, n: int, bare: float) -> None:
    """The first crawl again into a fresh database, batches written from a thread of the crawl
    (``STORE_IN_PROCESS=False``, as before the writer process): the writer process's gain,
    measured in the same run."""
    fresh = url.replace("bench.sqlite", "thread.sqlite") if label == "sqlite" else pg_url()
    if fresh is None:
        return
    try:
        command = [*crawl_command(fresh, server, n), "-s", "STORE_IN_PROCESS=False"]
        _measured(f"{label} first, writer thread", command, fresh, n, bare, written=False)
    finally:
        if label == "postgresql":
            drop_pg(fresh)


def _notices_written_since(url: str, started: float) -> str:
    """', N notices written' by the re-crawl (updated_at after it started)."""
    from datetime import UTC, datetime

    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    since = datetime.fromtimestamp(started, UTC).replace(tzinfo=None)
    with engine.connect() as conn:
        count = conn.execute(
            text("SELECT count(*) FROM notices WHERE updated_at >= :t"), {"t": since}
        ).scalar_one()
    return f", {count} written"


def main() -> None:
    with_postgresql = "--sqlite-only" not in sys.argv
    sizes = [int(a) for a in sys.argv[1:] if a != "--sqlite-only"] or [20_000]
    print(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    for n in sizes:
        bench(n, with_postgresql)


if __name__ == "__main__":
    main()
