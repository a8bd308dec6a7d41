"""``veilleur request`` and ``veilleur requests`` from the command line: a request drafted on a
real BOAMP notice, sent, answered with a real prefectoral bundle that is read and flagged."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from db.models.documents import Document
from db.models.review import ReviewHead
from db.received import attach_received
from db.session import session_scope
from extract.office import extract_office
from extract.result import Limits
from review.request_flow import store_upload
from tests.factories import boamp_items, decision, store
from veilleur.cli import cli
from veilleur.schedule import load_config, run_nightly
from vocabulary.deadlines import today_in_paris
from vocabulary.decision import Hit

ANSWER = Path(__file__).parents[1] / "fixtures" / "requests" / "raa-var-242-2025-07-15.pdf"


@pytest.fixture
def notice_id(sqlite_url: str) -> int:
    item = boamp_items()[0]  # ville de Chenôve, 2006 record with the buyer's address
    hit = Hit("cctv", "r@1", "videosurveillance", "title", item.title[:40], 2.0)
    with session_scope(sqlite_url) as s:
        return store(s, item, decision(hit)).id


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def draft(url: str, notice_id: int, out: Path) -> Result:
    return run(
        "request", str(notice_id), "--database-url", url, "--out", str(out / "letters"),
        "--signer", "Camille Martin", "--address", "12 rue des Lilas|21300 Chenôve",
        "--email", "c@example.org", "--place", "Chenôve",
    )  # fmt: skip


def test_draft_writes_the_letter_in_three_formats(
    sqlite_url: str, notice_id: int, tmp_path: Path
) -> None:
    result = draft(sqlite_url, notice_id, tmp_path)
    assert result.exit_code == 0 and "request 1: draft" in result.output
    assert sorted(p.suffix for p in (tmp_path / "letters").iterdir()) == [".docx", ".odt", ".txt"]


def test_the_odt_letter_is_addressed_from_the_notice(
    sqlite_url: str, notice_id: int, tmp_path: Path
) -> None:
    draft(sqlite_url, notice_id, tmp_path)
    odt = next((tmp_path / "letters").glob("*.odt"))
    text = extract_office(odt.read_bytes(), "odt", Limits()).pages[0].text
    assert "2, place Pierre-Meunier, B.P. 130\n21300 Chenôve" in text


def test_list_documents_shows_keys_and_reasons(sqlite_url: str, notice_id: int) -> None:
    result = run("request", str(notice_id), "--list-documents", "--database-url", sqlite_url)
    assert "[x] cctp" in result.output and "[x] arrete_prefectoral" in result.output


def test_an_unknown_document_key_is_one_line(sqlite_url: str, notice_id: int) -> None:
    result = run("request", str(notice_id), "--document", "plans", "--database-url", sqlite_url)
    assert result.exit_code == 1 and result.output == "Error: unknown document(s): plans\n"


def test_an_unknown_notice_is_one_line(sqlite_url: str) -> None:
    result = run("request", "999", "--database-url", sqlite_url)
    assert result.exit_code == 1 and result.output == "Error: no notice 999\n"


def test_sent_prints_the_refusal_and_referral_dates(
    sqlite_url: str, notice_id: int, tmp_path: Path
) -> None:
    draft(sqlite_url, notice_id, tmp_path)
    result = run("requests", "sent", "1", "--on", "2025-01-06", "--database-url", sqlite_url)
    assert "refusal on 2025-02-06; refer to the CADA by 2025-04-05" in result.output


def test_sending_moves_the_verdict_to_foi_requested(
    sqlite_url: str, notice_id: int, tmp_path: Path
) -> None:
    draft(sqlite_url, notice_id, tmp_path)
    run("requests", "sent", "1", "--on", "2025-01-06", "--database-url", sqlite_url)
    with session_scope(sqlite_url) as s:
        assert s.get(ReviewHead, notice_id).verdict == "foi_requested"


def test_a_bad_date_is_refused_in_words(sqlite_url: str, notice_id: int, tmp_path: Path) -> None:
    draft(sqlite_url, notice_id, tmp_path)
    result = run("requests", "sent", "1", "--on", "6 janvier", "--database-url", sqlite_url)
    assert result.exit_code == 2 and "'6 janvier' is not a date" in result.output


def test_list_csv_shows_the_implicit_refusal(
    sqlite_url: str, notice_id: int, tmp_path: Path
) -> None:
    draft(sqlite_url, notice_id, tmp_path)
    sent_on = today_in_paris() - timedelta(days=40)
    run("requests", "sent", "1", "--on", sent_on.isoformat(), "--database-url", sqlite_url)
    result = run("requests", "list", "--state", "refused", "--csv", "--database-url", sqlite_url)
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["id"], r["state"], r["effective_state"]) for r in rows] == [("1", "sent", "refused")]


def test_the_referral_letter_is_written(sqlite_url: str, notice_id: int, tmp_path: Path) -> None:
    draft(sqlite_url, notice_id, tmp_path)
    run("requests", "sent", "1", "--on", "2025-01-06", "--database-url", sqlite_url)
    out = tmp_path / "cada"
    run("requests", "letter", "1", "--referral", "--format", "txt", "--out", str(out),
        "--database-url", sqlite_url)  # fmt: skip
    text = next(out.glob("saisine-cada-1-*.txt")).read_text("utf-8")
    assert "vaut décision implicite de refus, née le 6 février 2025" in text


def test_referring_too_early_is_one_line(sqlite_url: str, notice_id: int, tmp_path: Path) -> None:
    draft(sqlite_url, notice_id, tmp_path)
    run("requests", "sent", "1", "--on", "2025-01-06", "--database-url", sqlite_url)
    result = run("requests", "referred", "1", "--on", "2025-01-20", "--database-url", sqlite_url)
    assert result.exit_code == 1 and "from 2025-02-06" in result.output


def test_attached_answer_is_read_and_its_pages_flagged(
    sqlite_url: str, notice_id: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft(sqlite_url, notice_id, tmp_path)
    run("requests", "sent", "1", "--on", "2025-06-02", "--database-url", sqlite_url)
    docs = tmp_path / "documents"
    result = run(
        "requests", "attach", "1", str(ANSWER), "--received-on", "2025-07-20",
        "--documents-dir", str(docs), "--database-url", sqlite_url,
    )  # fmt: skip
    assert "raa-var-242-2025-07-15.pdf: ok, 75 pages" in result.output
    assert "flagged pages 67, 68" in result.output
    with session_scope(sqlite_url) as s:
        doc = s.scalar(select(Document))
        assert (doc.status, s.get(ReviewHead, notice_id).verdict) == ("ok", "documented")


def test_status_lists_the_request_needing_action(
    sqlite_url: str, notice_id: int, tmp_path: Path
) -> None:
    draft(sqlite_url, notice_id, tmp_path)
    sent_on = today_in_paris() - timedelta(days=40)
    run("requests", "sent", "1", "--on", sent_on.isoformat(), "--database-url", sqlite_url)
    output = run("status", "--database-url", sqlite_url).output
    assert "Access requests: refused 1; needing action: 1" in output


def test_status_json_counts_requests(sqlite_url: str, notice_id: int, tmp_path: Path) -> None:
    draft(sqlite_url, notice_id, tmp_path)
    data = json.loads(run("status", "--json", "--database-url", sqlite_url).output)
    assert data["requests"]["counts"]["draft"] == 1


def test_the_night_reads_files_left_waiting(
    sqlite_url: str, notice_id: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft(sqlite_url, notice_id, tmp_path)
    run("requests", "sent", "1", "--on", "2025-06-02", "--database-url", sqlite_url)
    docs = tmp_path / "documents"
    body = ANSWER.read_bytes()
    sha, rel = store_upload(docs, body)
    with session_scope(sqlite_url) as s:  # what an upload leaves when no reader is running
        attach_received(
            s,
            1,
            sha256=sha,
            filename=ANSWER.name,
            storage_path=rel,
            size_bytes=len(body),
            received_on=None,
        )
    monkeypatch.setenv("VEILLEUR_DOCUMENTS_DIR", str(docs))
    run_nightly(sqlite_url, load_config(env={}), crawl=False, digests=False)
    with session_scope(sqlite_url) as s:
        assert s.scalar(select(Document.status)) == "ok"
