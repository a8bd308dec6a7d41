"""How the ``veilleur`` process ends: it skips the interpreter's teardown (``veilleur.cli``), so
what a command wrote must still all be there and its exit status unchanged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from db.session import session_scope
from tests.factories import decision, notice_item, store_all
from veilleur.cli import COMMANDS
from vocabulary.decision import Hit

ROOT = Path(__file__).resolve().parents[2]
FLAGGED = 2_000


def veilleur(*args: str, stdout: int | None = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "veilleur.cli", *args],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )


@pytest.fixture
def many_flagged(sqlite_url: str) -> str:
    hit = Hit("cctv", "r@1", "videosurveillance", "title", "caméras de vidéoprotection", 3.0)
    pairs = [
        (notice_item(source="boamp", source_id=f"X-{n:05d}", title=f"Caméras {n}"), decision(hit))
        for n in range(FLAGGED)
    ]
    with session_scope(sqlite_url) as session:
        store_all(session, pairs)
    return sqlite_url


def test_an_export_written_to_a_file_is_whole(many_flagged: str, tmp_path: Path) -> None:
    """A file's last buffered block is written when the process ends, not lost with it."""
    out = tmp_path / "flagged.jsonl"
    with out.open("w") as file:
        done = veilleur("export", "--format", "jsonl", "--database-url", many_flagged, stdout=file)
    assert done.returncode == 0, done.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == FLAGGED
    assert json.loads(lines[-1])["source_id"].startswith("X-")


def test_a_usage_error_still_exits_2() -> None:
    done = veilleur("crawl", "no-such-source")
    assert done.returncode == 2 and "no-such-source" in done.stderr


def test_a_database_not_created_yet_still_exits_1(tmp_path: Path) -> None:
    done = veilleur("status", "--database-url", f"sqlite:///{tmp_path}/missing/v.sqlite")
    assert done.returncode == 1 and "veilleur db upgrade" in done.stdout


def test_help_written_to_a_pipe_lists_every_command() -> None:
    done = veilleur("--help")
    assert done.returncode == 0
    assert all(name in done.stdout for name in COMMANDS), done.stdout
