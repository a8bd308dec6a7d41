"""The operator's night: ``run-nightly`` says what each job did and where to look, from any
folder, into one database; ``status`` gives the first error's cause in 80 columns and never
``ok`` beside errors; ``schedule --print-config`` shows the effective settings."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from db.models import Notice
from db.runs import ensure_source, finish_run, record_error, start_run
from db.session import session_scope
from tests.crawling import demo_records
from veilleur.cli import cli
from veilleur.demo.replay import OpendatasoftEmulator, ReplayServer

ROOT = Path(__file__).resolve().parents[2]


def _nightly(cwd: Path, base_urls: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``veilleur run-nightly --source boamp --no-digest`` in ``cwd``, DATABASE_URL unset, the
    source pointed at ``base_urls`` through the crawl subprocesses' settings module."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), VEILLEUR_TEST_BASE_URLS=json.dumps(base_urls))
    env["SCRAPY_SETTINGS_MODULE"] = "tests.veilleur.nightly_settings"
    env["VEILLEUR_DOCUMENTS_DIR"] = str(cwd / "documents")
    env["VEILLEUR_LOOKBACK_DAYS"] = str(365 * 30)  # the recorded records are from 2020-2024
    env.pop("DATABASE_URL", None)
    env.pop("VEILLEUR_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "veilleur.cli", "run-nightly", "--source", "boamp", "--no-digest"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_run_nightly_from_another_folder_writes_one_database(tmp_path: Path) -> None:
    with ReplayServer(ods=OpendatasoftEmulator({"boamp": demo_records()})) as server:
        done = _nightly(tmp_path, {"boamp": server.url})
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    database = tmp_path / "var" / "veilleur.sqlite"
    lines = done.stdout.splitlines()
    assert lines[0] == f"veilleur run-nightly: database sqlite:///{database}"
    boamp = next(line for line in lines if line.startswith("boamp "))
    new = int(re.search(r"new (\d+)", boamp).group(1))  # type: ignore[union-attr]
    with session_scope(f"sqlite:///{database}") as session:
        stored = session.scalar(select(func.count()).select_from(Notice))
    assert new > 0 and stored == new, "the crawl subprocess wrote where the night records"
    assert lines[-1].startswith("next: `veilleur status`")


def test_run_nightly_failure_is_never_silent(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    done = _nightly(tmp_path, {"boamp": f"http://127.0.0.1:{closed}"})
    assert done.returncode == 1
    boamp = next(line for line in done.stdout.splitlines() if line.startswith("boamp "))
    assert re.match(
        r"boamp +failed +new 0, changed 0; first error: request_failed: .*refused", boamp
    )
    assert "docs/operations.md" in done.stdout.splitlines()[-1]
    assert "Traceback" not in done.stdout


@pytest.fixture
def failing_night(db_url: str) -> str:
    """boamp's last run: failing, with a DNS error recorded; ted's: ok but with 3 errors."""
    with session_scope(db_url) as session:
        boamp = ensure_source(session, "boamp")
        run = start_run(session, boamp, {})
        session.flush()
        record_error(
            session, run_id=run.id, source_name="boamp",
            url="https://boamp-datadila.opendatasoft.com/api/records?limit=100",
            error_kind="request_failed",
            message="CannotResolveHostError('DNS lookup failed: no results for hostname lookup: "
            "boamp-datadila.opendatasoft.com.')",
        )  # fmt: skip
        stats = "{'downloader/request_count': 5,\n 'finish_reason': 'finished'}"
        finish_run(session, run.id, status="failing", seen=0, new=0, changed=0, unchanged=0,
                   message=f"zero notices: nothing was read from the source\n{stats}")  # fmt: skip
        ted = ensure_source(session, "ted")
        run = start_run(session, ted, {})
        session.flush()
        for n in range(3):
            record_error(session, run_id=run.id, source_name="ted", url=f"https://t/{n}",
                         error_kind="bad_record", message="no title")  # fmt: skip
        finish_run(session, run.id, status="ok", seen=5, new=4, changed=1, unchanged=0,
                   message=None)  # fmt: skip
    return db_url


def test_status_shows_the_first_error_in_80_columns(failing_night: str) -> None:
    result = CliRunner().invoke(cli, ["status", "--database-url", failing_night])
    assert result.exit_code == 1
    out = result.stdout
    assert all(len(line) <= 80 for line in out.splitlines()), out
    assert "first error: request_failed: DNS lookup failed: no results for hostname" in out
    assert "boamp-datadila.opendatasoft.com" in out
    assert "finish_reason" not in out, "not the tail of Scrapy's statistics"
    assert re.search(r"^ted  ok, 3 errors ", out, re.M)
    assert not re.search(r"^\S+  ok  ", out, re.M), "never a bare ok beside errors"
    assert re.search(r"^Enabled sources: .*boamp", out, re.M)
    assert re.search(r"^Next crawls: \d{4}-\d\d-\d\d 02:30 ", out, re.M)
    assert "When something fails" in out


def test_status_wide_terminal_is_a_table(failing_night: str) -> None:
    result = CliRunner().invoke(
        cli, ["status", "--database-url", failing_night], env={"COLUMNS": "160"}
    )
    assert "┃ first error" in result.stdout and "ok, 3 errors" in result.stdout


def test_status_on_a_fresh_install_says_what_to_run(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'v.sqlite'}"
    result = CliRunner().invoke(cli, ["status", "--database-url", url])
    assert result.stdout.splitlines()[:2] == [
        f"Fresh install: nothing crawled yet in {url}.",
        "First: veilleur db upgrade",
    ]
    assert not (tmp_path / "v.sqlite").exists(), "a read-only command creates nothing"
    CliRunner().invoke(cli, ["db", "upgrade", "--database-url", url])
    result = CliRunner().invoke(cli, ["status", "--database-url", url])
    assert result.exit_code == 0 and "Fresh install" in result.stdout
    assert "Next crawls:" in result.stdout


def test_print_config_shows_effective_settings(tmp_path: Path, sqlite_url: str) -> None:
    cfg = tmp_path / "veilleur.toml"
    cfg.write_text('[schedule]\ncrawl_cron = "0 1 * * *"\ntimezone = "Europe/Brussels"\n')
    result = CliRunner().invoke(
        cli,
        ["schedule", "--config", str(cfg), "--database-url", sqlite_url, "--print-config"],
        env={"VEILLEUR_SMTP_HOST": "mail.example.org", "VEILLEUR_DIGEST_CRON": "15 8 * * 1"},
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "ScheduleConfig(" not in out
    assert re.search(rf"^database +{re.escape(sqlite_url)}$", out, re.M)
    assert re.search(rf"^config file +{re.escape(str(cfg))}$", out, re.M)
    assert re.search(r"^smtp host +mail.example.org$", out, re.M)
    assert re.search(r"^time zone +Europe/Brussels$", out, re.M)
    assert re.search(r"^crawl cron +0 1 \* \* \*$", out, re.M)
    assert re.search(r"^digest cron +15 8 \* \* 1$", out, re.M)
    assert re.search(r"^sources +.*boamp", out, re.M)
    assert re.search(r"^groups +\(none", out, re.M)
    assert re.search(r"^next crawls +\d{4}-\d\d-\d\d 01:00 CET$", out, re.M)
    assert re.search(r"^next digests +\d{4}-\d\d-\d\d 08:15 CET$", out, re.M)


def test_print_config_hides_the_password() -> None:
    url = "postgresql://veilleur:s3cret@127.0.0.1:1/veilleur"  # nothing listens: not read
    result = CliRunner().invoke(cli, ["schedule", "--database-url", url, "--print-config"])
    assert "s3cret" not in result.output
    assert "postgresql://veilleur:***@127.0.0.1:1/veilleur" in result.output


def test_serve_logs_its_normal_start_at_info(sqlite_url: str, tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=str(ROOT), VEILLEUR_SECRET_KEY="k" * 32)
    command = [sys.executable, "-m", "veilleur.cli", "-v", "serve", "--port", str(port)]
    proc = subprocess.Popen(
        [*command, "--database-url", sqlite_url],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        seen: list[str] = []
        for line in proc.stderr:
            seen.append(line)
            if "review desk on" in line:
                break
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert any(
        f" INFO veilleur.commands.review serve host=127.0.0.1 port={port}" in s for s in seen
    )
    assert not [s for s in seen if " WARNING " in s], seen


def test_failed_crawl_says_why_and_where_to_look(sqlite_url: str, tmp_path: Path) -> None:
    import socket

    from tests.crawling import crawl_command, crawl_env

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    command = crawl_command(
        "boamp", f"http://127.0.0.1:{closed}", database_url=sqlite_url, documents_dir=tmp_path
    )
    done = subprocess.run(
        command, cwd=ROOT, env=crawl_env(), capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 1
    tail = done.stderr.strip().splitlines()[-3:]
    assert tail[0] == "boamp: run failing"
    assert re.match(r"boamp: first error: request_failed: .*refused", tail[1]), tail
    assert tail[2].startswith("next: `veilleur status`")
