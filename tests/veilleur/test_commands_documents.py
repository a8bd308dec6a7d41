"""``veilleur extract`` and ``veilleur documents`` through click's runner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from db.documents import save_document
from db.session import session_scope
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
