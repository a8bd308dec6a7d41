"""The database lease: atomic on SQLite and PostgreSQL, expiring, owned by its holder."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from db.locks import LockBusy, acquire, held_lock, holder_of, refresh, release
from db.models import utcnow
from db.session import session_scope

pytestmark = pytest.mark.pg_reuse

ROOT = Path(__file__).resolve().parents[2]


def _acquire(url: str, name: str, holder: str, ttl: float = 60, now=None) -> bool:
    with session_scope(url) as s:
        return acquire(s, name, holder, ttl, now=now)


def test_first_acquire_wins(db_url: str) -> None:
    assert _acquire(db_url, "crawl:boamp", "a")


def test_second_holder_refused_while_live(db_url: str) -> None:
    _acquire(db_url, "crawl:boamp", "a")
    assert not _acquire(db_url, "crawl:boamp", "b")


def test_same_holder_reacquires(db_url: str) -> None:
    _acquire(db_url, "crawl:boamp", "a")
    assert _acquire(db_url, "crawl:boamp", "a")


def test_expired_lease_is_taken_over(db_url: str) -> None:
    past = utcnow() - timedelta(hours=2)
    _acquire(db_url, "crawl:boamp", "dead", ttl=60, now=past)
    assert _acquire(db_url, "crawl:boamp", "b")


def test_release_by_other_holder_keeps_lease(db_url: str) -> None:
    _acquire(db_url, "nightly", "a")
    with session_scope(db_url) as s:
        release(s, "nightly", "b")
    with session_scope(db_url) as s:
        assert holder_of(s, "nightly") == "a"


def test_refresh_fails_after_takeover(db_url: str) -> None:
    _acquire(db_url, "nightly", "a", now=utcnow() - timedelta(hours=2))
    _acquire(db_url, "nightly", "b")
    with session_scope(db_url) as s:
        assert not refresh(s, "nightly", "a", 60)


def test_threads_race_one_winner(db_url: str) -> None:
    barrier = threading.Barrier(8)
    results: list[bool] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        barrier.wait()
        got = _acquire(db_url, "race", f"t{i}")
        with lock:
            results.append(got)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 1


def test_held_lock_refuses_while_other_process_holds(db_url: str) -> None:
    code = (
        "import sys, time\n"
        "from db.locks import held_lock\n"
        "with held_lock(sys.argv[1], 'crawl:boamp', 'child', ttl=60):\n"
        "    print('held', flush=True)\n"
        "    sys.stdin.readline()\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code, db_url],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        with pytest.raises(LockBusy), held_lock(db_url, "crawl:boamp", "parent", ttl=60):
            pass
    finally:
        assert child.stdin is not None
        child.stdin.write("\n")
        child.stdin.close()
        child.wait(timeout=30)


def test_held_lock_released_on_exit(db_url: str) -> None:
    with held_lock(db_url, "nightly", "a", ttl=60):
        pass
    assert _acquire(db_url, "nightly", "b")


def test_heartbeat_extends_lease(db_url: str) -> None:
    # held more than twice its 1.5 s time to live: only the heartbeat (every 0.5 s) keeps it
    # ours. A shorter lease failed on a loaded machine, where the heartbeat thread can wait
    # for a core longer than 0.4 s.
    with held_lock(db_url, "nightly", "a", ttl=1.5, heartbeat=True):
        time.sleep(3.5)
        assert not _acquire(db_url, "nightly", "b", ttl=60)


def test_lease_of_a_dead_local_process_is_broken(db_url: str) -> None:
    import socket

    from db.locks import break_if_holder_died
    from db.session import session_scope

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    _acquire(db_url, "crawl:boamp", f"{socket.gethostname()}:{dead.pid}:abcd", 3600)
    with session_scope(db_url) as s:
        broken = break_if_holder_died(s, "crawl:boamp")
    with session_scope(db_url) as s:
        assert (broken, holder_of(s, "crawl:boamp")) == (True, None)


def test_lease_of_a_live_process_is_kept(db_url: str) -> None:
    import os
    import socket

    from db.locks import break_if_holder_died
    from db.session import session_scope

    _acquire(db_url, "crawl:boamp", f"{socket.gethostname()}:{os.getpid()}:abcd", 3600)
    with session_scope(db_url) as s:
        assert break_if_holder_died(s, "crawl:boamp") is False
