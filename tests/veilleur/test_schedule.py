"""Nightly jobs with injected clocks: missed nights run once, overlaps are refused and recorded."""

from __future__ import annotations

import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from db.locks import acquire
from db.models import JobRun, Source
from db.session import session_scope
from veilleur.jobs import (
    JOB_CRAWL,
    JOB_DIGEST,
    LOCKED_EXIT_CODE,
    catch_up,
    enabled_sources,
    fire_times,
    run_crawls,
    run_digest_job,
)
from veilleur.schedule import (
    ScheduleConfig,
    _listener,
    build_scheduler,
    load_config,
    stop_on_signal,
    triggers,
)
from vocabulary.errors import ConfigError

pytestmark = pytest.mark.pg_reuse

PARIS = ZoneInfo("Europe/Paris")
CONFIG = ScheduleConfig()
CRAWL_TRIGGER, DIGEST_TRIGGER = triggers(CONFIG)
LAST_NIGHT = datetime(2026, 11, 24, 2, 30, tzinfo=PARIS)


def _py(code: str) -> list[str]:
    return [sys.executable, "-c", code]


OK = _py("print('crawled')")
FAIL = _py("import sys; sys.stderr.write('ConnectionRefusedError: boamp unreachable'); sys.exit(1)")
LOCKED = _py(f"import sys; sys.exit({LOCKED_EXIT_CODE})")


def _runs(url: str, job: str | None = None) -> list[JobRun]:
    with session_scope(url) as s:
        stmt = select(JobRun).order_by(JobRun.id)
        if job:
            stmt = stmt.where(JobRun.job == job)
        return list(s.scalars(stmt))


def _seed_last_night(url: str) -> None:
    with session_scope(url) as s:
        s.add(JobRun(job=JOB_CRAWL, scheduled_for=LAST_NIGHT, status="ok"))


class Counter:
    def __init__(self) -> None:
        self.calls: list[datetime] = []

    def __call__(self, scheduled_for: datetime) -> None:
        self.calls.append(scheduled_for)


def test_fire_times_three_missed_nights() -> None:
    now = datetime(2026, 11, 27, 4, 0, tzinfo=PARIS)
    assert len(fire_times(CRAWL_TRIGGER, LAST_NIGHT, now)) == 3


def test_missed_nights_run_once(db_url: str) -> None:
    _seed_last_night(db_url)
    run = Counter()
    catch_up(
        db_url,
        [(JOB_CRAWL, CRAWL_TRIGGER, run)],
        datetime(2026, 11, 27, 4, 0, tzinfo=PARIS),
        CONFIG.grace,
    )
    assert run.calls == [datetime(2026, 11, 27, 2, 30, tzinfo=PARIS)]


def test_missed_earlier_nights_recorded_coalesced(db_url: str) -> None:
    _seed_last_night(db_url)
    catch_up(
        db_url,
        [(JOB_CRAWL, CRAWL_TRIGGER, Counter())],
        datetime(2026, 11, 27, 4, 0, tzinfo=PARIS),
        CONFIG.grace,
    )
    assert [r.status for r in _runs(db_url, JOB_CRAWL)][1:] == ["coalesced", "coalesced"]


def test_beyond_grace_not_run(db_url: str) -> None:
    _seed_last_night(db_url)
    run = Counter()
    catch_up(
        db_url,
        [(JOB_CRAWL, CRAWL_TRIGGER, run)],
        datetime(2026, 11, 27, 12, 0, tzinfo=PARIS),
        CONFIG.grace,
    )
    assert run.calls == []


def test_beyond_grace_recorded_missed(db_url: str) -> None:
    _seed_last_night(db_url)
    catch_up(
        db_url,
        [(JOB_CRAWL, CRAWL_TRIGGER, Counter())],
        datetime(2026, 11, 27, 12, 0, tzinfo=PARIS),
        CONFIG.grace,
    )
    assert [r.status for r in _runs(db_url, JOB_CRAWL)][1:] == ["missed"] * 3


def test_first_start_does_not_catch_up(db_url: str) -> None:
    run = Counter()
    catch_up(
        db_url,
        [(JOB_CRAWL, CRAWL_TRIGGER, run)],
        datetime(2026, 11, 27, 4, 0, tzinfo=PARIS),
        CONFIG.grace,
    )
    assert run.calls == []


def test_caught_up_night_not_rerun_at_next_start(db_url: str) -> None:
    _seed_last_night(db_url)
    now = datetime(2026, 11, 27, 4, 0, tzinfo=PARIS)

    def really_run(t: datetime) -> None:
        run_crawls(db_url, t, sources=["boamp"], argv_for=lambda n: OK, clock=lambda: now)

    catch_up(db_url, [(JOB_CRAWL, CRAWL_TRIGGER, really_run)], now, CONFIG.grace)
    again = Counter()
    catch_up(db_url, [(JOB_CRAWL, CRAWL_TRIGGER, again)], now + timedelta(minutes=5), CONFIG.grace)
    assert again.calls == []


def test_overlap_refused(db_url: str) -> None:
    with session_scope(db_url) as s:
        acquire(s, "nightly", "other-scheduler", 3600)
    assert run_crawls(db_url, LAST_NIGHT, sources=["boamp"], argv_for=lambda n: OK) is None


def test_overlap_recorded_skipped(db_url: str) -> None:
    with session_scope(db_url) as s:
        acquire(s, "nightly", "other-scheduler", 3600)
    run_crawls(db_url, LAST_NIGHT, sources=["boamp"], argv_for=lambda n: OK)
    run = _runs(db_url, JOB_CRAWL)[0]
    assert (run.status, "other-scheduler" in (run.message or "")) == ("skipped", True)


def test_digest_overlap_recorded_skipped(db_url: str) -> None:
    with session_scope(db_url) as s:
        acquire(s, "digests", "other-scheduler", 3600)
    assert run_digest_job(db_url, LAST_NIGHT, send=lambda: []) == "skipped"


def test_crawl_subprocess_ok(db_url: str) -> None:
    run_crawls(db_url, LAST_NIGHT, sources=["boamp"], argv_for=lambda n: OK)
    assert _runs(db_url, "crawl:boamp")[0].status == "ok"


def test_crawl_failure_keeps_stderr_tail(db_url: str) -> None:
    run_crawls(db_url, LAST_NIGHT, sources=["boamp"], argv_for=lambda n: FAIL)
    assert "ConnectionRefusedError" in (_runs(db_url, "crawl:boamp")[0].message or "")


def test_crawl_failure_fails_the_night(db_url: str) -> None:
    run_crawls(
        db_url, LAST_NIGHT, sources=["boamp", "ted"], argv_for=lambda n: FAIL if n == "ted" else OK
    )
    assert _runs(db_url, JOB_CRAWL)[0].status == "failed"


def test_crawl_lock_busy_exit_recorded_skipped(db_url: str) -> None:
    run_crawls(db_url, LAST_NIGHT, sources=["boamp"], argv_for=lambda n: LOCKED)
    assert _runs(db_url, "crawl:boamp")[0].status == "skipped"


def test_crawl_timeout_recorded_failed(db_url: str) -> None:
    run_crawls(
        db_url,
        LAST_NIGHT,
        sources=["boamp"],
        argv_for=lambda n: _py("import time; time.sleep(30)"),
        timeout=0.5,
    )
    assert (_runs(db_url, "crawl:boamp")[0].message or "").startswith("timeout")


def test_disabled_source_not_crawled(db_url: str) -> None:
    with session_scope(db_url) as s:
        s.add(Source(name="ted", enabled=False))
    assert enabled_sources(db_url, ["boamp", "ted"]) == ["boamp"]


def test_digest_failure_recorded(db_url: str) -> None:
    def broken() -> list[object]:
        raise ConnectionRefusedError("smtp down")

    run_digest_job(db_url, LAST_NIGHT, send=broken)
    assert "smtp down" in (_runs(db_url, JOB_DIGEST)[0].message or "")


def test_injected_clock_stamps_runs(sqlite_url: str) -> None:
    t = datetime(2026, 11, 27, 1, 30, tzinfo=UTC)
    run_crawls(sqlite_url, LAST_NIGHT, sources=["boamp"], argv_for=lambda n: OK, clock=lambda: t)
    assert _runs(sqlite_url, "crawl:boamp")[0].started_at == t


def test_config_env_overrides_file(tmp_path: Path) -> None:
    cfg = tmp_path / "veilleur.toml"
    cfg.write_text('[schedule]\ncrawl_cron = "0 1 * * *"\ndigest_cron = "0 8 * * 1"\n')
    config = load_config(cfg, env={"VEILLEUR_CRAWL_CRON": "15 3 * * *"})
    assert (config.crawl_cron, config.digest_cron) == ("15 3 * * *", "0 8 * * 1")


def test_config_bad_cron_fails_at_start() -> None:
    with pytest.raises(ConfigError, match="bad cron expression"):
        load_config(None, env={"VEILLEUR_CRAWL_CRON": "61 2 * * *"})


def test_scheduler_jobs_coalesce_single_instance(sqlite_url: str) -> None:
    sched = build_scheduler(sqlite_url, CONFIG, BackgroundScheduler(timezone=PARIS))
    jobs = sched.get_jobs()
    assert {(j.coalesce, j.max_instances, j.misfire_grace_time) for j in jobs} == {
        (True, 1, 6 * 3600)
    }


def test_scheduler_missed_event_recorded(sqlite_url: str) -> None:
    sched = BackgroundScheduler(timezone=PARIS)
    sched.add_listener(_listener(sqlite_url), 2**15 - 1)
    sched.add_job(
        lambda: None,
        "date",
        run_date=datetime.now(UTC) - timedelta(hours=3),
        id=JOB_CRAWL,
        misfire_grace_time=60,
    )
    sched.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not _runs(sqlite_url, JOB_CRAWL):
            time.sleep(0.05)
    finally:
        sched.shutdown(wait=False)
    assert [r.status for r in _runs(sqlite_url, JOB_CRAWL)] == ["missed"]


def test_stop_signal_before_start_exits_quietly() -> None:
    stop = stop_on_signal(BackgroundScheduler(timezone=PARIS))
    with pytest.raises(SystemExit) as exited:
        stop(signal.SIGTERM, None)
    assert exited.value.code == 0


def test_stop_signal_shuts_a_running_scheduler_down() -> None:
    sched = BackgroundScheduler(timezone=PARIS)
    sched.start()
    stop_on_signal(sched)(signal.SIGTERM, None)
    assert not sched.running


def test_crawl_subprocess_gets_our_database(db_url: str) -> None:
    show = _py("import os, sys; sys.stderr.write(os.environ['DATABASE_URL']); sys.exit(1)")
    run_crawls(db_url, LAST_NIGHT, sources=["boamp"], argv_for=lambda n: show)
    assert db_url in (_runs(db_url, "crawl:boamp")[0].message or "")


def test_real_crawl_command_unknown_source_recorded(sqlite_url: str) -> None:
    run_crawls(sqlite_url, LAST_NIGHT, sources=["no-such-portal"])
    run = _runs(sqlite_url, "crawl:no-such-portal")[0]
    assert (run.status, "no-such-portal" in (run.message or "")) == ("failed", True)


def test_latest_jobs_one_per_job(sqlite_url: str) -> None:
    run_crawls(sqlite_url, LAST_NIGHT, sources=["boamp"], argv_for=lambda n: OK)
    run_crawls(sqlite_url, LAST_NIGHT, sources=["boamp"], argv_for=lambda n: FAIL)
    with session_scope(sqlite_url) as s:
        from db.jobs import latest_jobs

        assert sorted((r.job, r.status) for r in latest_jobs(s)) == [
            ("crawl:boamp", "failed"),
            (JOB_CRAWL, "failed"),
        ]


def test_two_schedulers_one_runs_other_skips(db_url: str, tmp_path: Path) -> None:
    started, release = tmp_path / "started", tmp_path / "release"
    # the first night's crawl signals it started, then waits until the second was refused
    slow = _py(
        "import pathlib, time\n"
        f"pathlib.Path({str(started)!r}).touch()\n"
        f"while not pathlib.Path({str(release)!r}).exists(): time.sleep(0.05)\n"
    )
    import threading

    first = threading.Thread(target=run_crawls, args=(db_url, LAST_NIGHT),
                             kwargs={"sources": ["boamp"], "argv_for": lambda n: slow, "holder": "scheduler-1"})  # fmt: skip
    first.start()
    try:
        deadline = time.monotonic() + 60
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        second = run_crawls(
            db_url, LAST_NIGHT, sources=["boamp"], argv_for=lambda n: OK, holder="scheduler-2"
        )
    finally:
        release.touch()
        first.join(timeout=60)
    assert (second, sorted(r.status for r in _runs(db_url, JOB_CRAWL))) == (None, ["ok", "skipped"])


def test_digests_wait_for_running_crawl(sqlite_url: str) -> None:
    from veilleur.jobs import wait_for_lock

    with session_scope(sqlite_url) as s:
        acquire(s, "nightly", "crawler", 3600)
    naps: list[float] = []

    def nap(seconds: float) -> None:  # the crawl finishes during the second wait
        naps.append(seconds)
        if len(naps) == 2:
            with session_scope(sqlite_url) as s:
                from db.locks import release

                release(s, "nightly", "crawler")

    assert (wait_for_lock(sqlite_url, "nightly", max_wait=600, poll=60, sleep=nap), naps) == (
        True,
        [60, 60],
    )


def test_digests_stop_waiting_after_max(sqlite_url: str) -> None:
    from veilleur.jobs import wait_for_lock

    with session_scope(sqlite_url) as s:
        acquire(s, "nightly", "crawler", 3600)
    assert not wait_for_lock(sqlite_url, "nightly", max_wait=120, poll=60, sleep=lambda s: None)


def test_run_nightly_command_digests_only(sqlite_url: str) -> None:
    from click.testing import CliRunner

    from veilleur.cli import cli

    result = CliRunner().invoke(cli, ["run-nightly", "--no-crawl", "--database-url", sqlite_url])
    assert (result.exit_code, [r.status for r in _runs(sqlite_url, JOB_DIGEST)]) == (0, ["ok"])


def test_schedule_command_prints_config(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from veilleur.cli import cli

    cfg = tmp_path / "veilleur.toml"
    cfg.write_text('[schedule]\ncrawl_cron = "0 1 * * *"\n')
    result = CliRunner().invoke(cli, ["schedule", "--config", str(cfg), "--print-config"])
    assert "0 1 * * *" in result.output
