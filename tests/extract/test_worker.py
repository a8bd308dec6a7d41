"""The worker pool: results come back, budgets hold, a killed worker is replaced."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from extract.result import Limits
from extract.worker import WorkerPool


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


@pytest.fixture(scope="module")
def pool() -> Iterator[WorkerPool]:
    with WorkerPool(2, limits=Limits(memory_mb=400), grace_s=5) as p:
        yield p


def test_pool_reads_a_real_pdf(pool, fixture_bytes):
    result = pool.extract(fixture_bytes("corpus/boamp-avis-20-100721.pdf"))
    assert (result.status, result.page_count) == ("ok", 3)


def test_pool_records_encrypted(pool, fixture_bytes):
    assert pool.extract(fixture_bytes("hostile/encrypted.pdf")).status == "encrypted"


def test_memory_cap_gives_resource_limit(pool, fixture_bytes):
    # the 64 MiB member is allowed by the ratio cap here, so it is inflated into a 400 MiB worker
    # that also holds the archive: the cap is hit for real
    limits = Limits(max_ratio=1e9, max_member_bytes=1 << 30)
    with WorkerPool(1, limits=Limits(memory_mb=80)) as small:
        result = small.extract(fixture_bytes("hostile/zip-bomb.zip"), limits=limits)
    assert result.status == "resource_limit"


def test_killed_worker_marks_the_document(fixture_bytes):
    with WorkerPool(1) as single:
        data = fixture_bytes("pdfplumber/WARN-Report-for-7-1-2015-to-03-25-2016.pdf")
        single.extract(b"warm up the worker")
        pid = single.pids()[0]
        idle_cpu = _cpu_ticks(pid)
        future = single.submit(data, limits=Limits(pdf_engine="pdfplumber"))
        while _cpu_ticks(pid) < idle_cpu + 20 and not future.done():
            time.sleep(0.05)  # wait until the worker is busy parsing (the slow layout page)
        os.kill(pid, signal.SIGKILL)
        assert future.result().status == "resource_limit"


def test_killed_worker_is_replaced(fixture_bytes):
    with WorkerPool(1) as single:
        single.extract(b"warm up the worker")
        os.kill(single.pids()[0], signal.SIGKILL)
        assert single.extract(fixture_bytes("corpus/boamp-avis-20-100721.pdf")).status == "ok"
