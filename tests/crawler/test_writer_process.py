"""The crawl's writer process: killed, its batches are written again from a thread and nothing
is lost; and it never outlives a killed crawl."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from db.models import CrawlRun, Notice
from db.session import session_scope
from tests.crawler.test_crawl_edges import MANY_DAYS, many_records
from tests.crawling import count, start_crawl
from veilleur.demo.replay import Fault, OpendatasoftEmulator, ReplayServer, Reply

SETTINGS = {"STORE_BATCH_SIZE": 20, "ODS_PAGE_SIZE": 10, "LOG_LEVEL": "INFO"}


def writer_of(crawl_pid: int) -> int | None:
    """The crawl's writer process: its child started by multiprocessing's spawn."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == crawl_pid and b"spawn_main" in cmdline:
            return int(entry.name)
    return None


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def slow(method: str, path: str, query: dict[str, str]) -> Reply | None:
    time.sleep(0.1)
    return None


def slower(method: str, path: str, query: dict[str, str]) -> Reply | None:
    # a batch of 20 notices takes two pages, a second: the writer waits for work most of the
    # time, so it is killed between batches and the crawl meets a pool that refuses new work
    time.sleep(0.5)
    return None


def start(server: ReplayServer, url: str, tmp_path: Path) -> subprocess.Popen[str]:
    return start_crawl(
        "boamp",
        server.url,
        *MANY_DAYS,
        database_url=url,
        settings=SETTINGS,
        documents_dir=tmp_path / "documents",
        stderr=subprocess.PIPE,
    )


def wait_for_writer(process: subprocess.Popen[str], url: str) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        writer = writer_of(process.pid)
        if writer is not None and count(url, Notice) >= 40:
            return writer
        time.sleep(0.05)
    raise AssertionError("the crawl never started its writer process")


@pytest.mark.parametrize("pace", [slow, slower], ids=["while writing", "between batches"])
def test_a_killed_writer_loses_no_notice(sqlite_url: str, tmp_path: Path, pace: Fault) -> None:
    records = many_records(20)  # 400 notices over 20 days
    with ReplayServer(ods=OpendatasoftEmulator({"boamp": records}), faults=[pace]) as server:
        process = start(server, sqlite_url, tmp_path)
        os.kill(wait_for_writer(process, sqlite_url), signal.SIGKILL)
        server.faults.clear()
        _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr[-2000:]
    assert "'veilleur/store_writer': 'thread after process lost'" in stderr
    with session_scope(sqlite_url) as session:
        keys = list(session.scalars(select(Notice.source_key)))
        status = session.scalars(select(CrawlRun.status)).one()
    assert (len(keys), len(set(keys)), status) == (len(records), len(records), "ok")


def test_the_writer_ends_with_a_killed_crawl(sqlite_url: str, tmp_path: Path) -> None:
    with ReplayServer(
        ods=OpendatasoftEmulator({"boamp": many_records(20)}), faults=[slow]
    ) as server:
        process = start(server, sqlite_url, tmp_path)
        writer = wait_for_writer(process, sqlite_url)
        os.kill(process.pid, signal.SIGKILL)  # as the OOM killer does: the crawl process only
        process.communicate(timeout=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and alive(writer):
            time.sleep(0.1)
        assert not alive(writer)
