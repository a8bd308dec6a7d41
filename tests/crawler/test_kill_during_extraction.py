"""kill -9 while the crawl is reading a document, then the next night: every document is
fetched or read again and ends with a final status, none is left ``pending``, each body is
stored once, the dead run is ``interrupted`` — on SQLite and PostgreSQL.

The document being read when the crawl dies is a real 300 dpi prefecture scan
(``hostile/scanned.pdf``): its OCR takes seconds, and its body is stored (content-addressed)
just before it is handed to the worker, which is what the test waits for.
"""

from __future__ import annotations

import hashlib
import os
import signal
import time
from pathlib import Path

from sqlalchemy import select

from db.models import CrawlRun, Document, Notice, NoticeDocument
from db.session import session_scope
from extract.ocr import ocr_available
from tests.conftest import FIXTURES
from tests.crawling import crawl, start_crawl
from veilleur.demo.replay import Cassette, ReplayServer

DOCS = FIXTURES / "documents"
SCAN = DOCS / "hostile" / "scanned.pdf"
PAGE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"></head><body><ul>
 <li class="avis"><span class="num">KILL-1</span><span class="titre">Vidéoprotection</span>
  <a class="doc" href="/docs/avis.pdf">avis</a>
  <a class="doc" href="/docs/scan.pdf">scan</a>
  <a class="doc" href="/docs/dce.zip">dce</a>
 </li></ul></body></html>"""
SETTINGS = {"DOCUMENTS_WORKERS": 1, "DOCUMENTS_TIME_BUDGET": 120, "RETRY_ENABLED": False}


def _cassette(tmp: Path) -> Cassette:
    (tmp / "notice.html").write_text(PAGE, encoding="utf-8")
    cassette = Cassette(DOCS)
    cassette.entries = [
        dict(e, file=str(tmp / "notice.html")) if e["path"] == "/notice.html" else e
        for e in cassette.entries
    ] + [
        {
            "method": "GET",
            "path": "/docs/scan.pdf",
            "status": 200,
            "headers": {"Content-Type": "application/pdf"},
            "file": str(SCAN),
        }
    ]
    return cassette


def test_kill_9_while_reading_a_document_then_rerun(db_url: str, tmp_path: Path) -> None:
    documents = tmp_path / "documents"
    sha = hashlib.sha256(SCAN.read_bytes()).hexdigest()
    stored_body = documents / sha[:2] / sha
    with ReplayServer(cassettes=[_cassette(tmp_path)]) as server:
        process = start_crawl(
            "documents_fixture",
            server.url,
            database_url=db_url,
            settings=SETTINGS,
            documents_dir=documents,
            portals=DOCS / "portals.toml",
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not stored_body.exists():
            time.sleep(0.05)
        assert stored_body.exists(), "the scan never reached the worker"
        time.sleep(0.3)  # inside the scan's reading (OCR: seconds)
        os.kill(process.pid, signal.SIGKILL)  # the crawl process only: as the OOM killer does
        process.wait()
        with session_scope(db_url) as s:
            after_kill = s.scalars(select(Document.status)).all()
            notices_after_kill = len(s.scalars(select(Notice.id)).all())
        rerun = crawl(
            "documents_fixture",
            server,
            database_url=db_url,
            portals=DOCS / "portals.toml",
            settings=SETTINGS,
            documents_dir=documents,
        ).process
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    # the killed run had not stored the notice (it waits for its documents) nor the scan's result
    assert notices_after_kill == 0 and "ocr" not in after_kill
    with session_scope(db_url) as s:
        runs = s.scalars(select(CrawlRun.status).order_by(CrawlRun.id)).all()
        links = s.execute(select(NoticeDocument.url, NoticeDocument.fetch_status)).all()
        docs = {d.sha256: d.status for d in s.scalars(select(Document))}
    assert runs == ["interrupted", "ok"]
    assert len(links) == 3 and all(status != "pending" for _, status in links), links
    assert "pending" not in docs.values() and len(docs) == 3
    assert docs[sha] == ("ocr" if ocr_available() else "partial")
    assert stored_body.read_bytes() == SCAN.read_bytes()  # the body written again whole
