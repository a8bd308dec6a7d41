"""``veilleur extract`` and ``veilleur documents`` through click's runner."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from db.documents import save_document
from db.session import session_scope
from extract.result import Limits
from extract.worker import WorkerPool
from veilleur.cli import cli
from vocabulary.documents import ExtractionResult

DOCS = Path(__file__).parent.parent / "fixtures" / "documents"


def test_extract_prints_status_and_pages():
    result = CliRunner().invoke(
        cli, ["extract", "--no-text", str(DOCS / "corpus/boamp-avis-20-100721.pdf")]
    )
    assert "ok; 3 pages" in result.output


def test_extract_prints_page_text():
    result = CliRunner().invoke(cli, ["extract", str(DOCS / "corpus/boamp-avis-20-100721.pdf")])
    assert "Avis n°20-100721" in result.output


def test_extract_json_gives_status_per_file():
    paths = [str(DOCS / "corpus/boamp-avis-20-100721.pdf"), str(DOCS / "hostile/encrypted.pdf")]
    result = CliRunner().invoke(cli, ["extract", "--json", "--no-text", *paths])
    assert [json.loads(line)["status"] for line in result.output.splitlines()] == [
        "ok",
        "encrypted",
    ]


def test_extract_exit_code_is_1_when_a_file_was_not_read():
    result = CliRunner().invoke(cli, ["extract", "--no-text", str(DOCS / "hostile/truncated.pdf")])
    assert result.exit_code == 1


def test_extract_help_has_an_example():
    assert "veilleur extract cctp.pdf" in CliRunner().invoke(cli, ["extract", "--help"]).output


def test_documents_lists_needs_attention(sqlite_url):
    with session_scope(sqlite_url) as s:
        save_document(s, "c" * 64, ExtractionResult("encrypted", "encrypted: password"), None)
        save_document(s, "d" * 64, ExtractionResult("ok", page_count=1), None)
    result = CliRunner().invoke(cli, ["documents", "--database-url", sqlite_url, "--json"])
    assert [json.loads(line)["status"] for line in result.output.splitlines()] == ["encrypted"]


def test_documents_help_has_an_example():
    assert (
        "veilleur documents --status encrypted"
        in CliRunner().invoke(cli, ["documents", "--help"]).output
    )


def _veilleur(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed ``veilleur`` command, as a user runs it (a hang fails the timeout)."""
    exe = Path(sys.executable).with_name("veilleur")
    return subprocess.run(
        [str(exe), *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_extract_dev_zero_is_too_large_in_one_line():
    """/dev/zero never ends: at most the size cap + 1 byte is read, then too_large."""
    result = _veilleur("extract", "--no-text", "/dev/zero")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stdout.splitlines() == [
        f"== /dev/zero: too_large (size: over {Limits().max_bytes} bytes, cap "
        f"{Limits().max_bytes}); 0 pages; application/octet-stream"
    ]


def test_extract_refuses_a_large_file_from_its_size(tmp_path: Path):
    big = tmp_path / "gros.pdf"
    with big.open("wb") as fh:  # sparse: 200 MiB declared, nothing written
        fh.truncate(200 << 20)
    result = CliRunner().invoke(cli, ["extract", "--no-text", str(big)])
    assert result.exit_code == 1
    assert f"too_large (size: {200 << 20} bytes, cap {Limits().max_bytes})" in result.output


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--budget", "-1", "'--budget': -1.0 is not in the range 0<x<=86400"),
        ("--budget", "0", "'--budget': 0.0 is not in the range 0<x<=86400"),
        ("--workers", "-3", "'--workers': -3 is not in the range 0<=x<=64"),
    ],
)
def test_extract_refuses_impossible_budgets_and_worker_counts(option, value, says):
    result = _veilleur("extract", option, value, str(DOCS / "corpus/boamp-avis-20-100721.pdf"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert says in result.stderr


def test_worker_pool_refuses_a_negative_process_count():
    with pytest.raises(ValueError, match="not -3"):
        WorkerPool(-3)
