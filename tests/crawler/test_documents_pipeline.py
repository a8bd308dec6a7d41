"""DocumentsPipeline in a real Scrapy crawl against a loopback server serving real PDFs.

The crawl runs twice (module scope, in subprocesses): the second run must not download what
the first already read.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import select

from db.migrate import upgrade
from db.models import Document, Notice, NoticeDocument
from db.session import session_scope

DOCS = Path(__file__).parent.parent / "fixtures" / "documents"
CRAWL = Path(__file__).parent / "documents_crawl.py"

ROUTES: dict[str, tuple[int, str, bytes]] = {
    "/robots.txt": (200, "text/plain", b"User-agent: *\nDisallow: /private/\n"),
    "/notice.html": (200, "text/html", b"<html><body>avis</body></html>"),
    "/docs/avis.pdf": (
        200,
        "application/pdf",
        (DOCS / "corpus/boamp-avis-20-100721.pdf").read_bytes(),
    ),
    "/docs/same-avis.pdf": (
        200,
        "application/pdf",
        (DOCS / "corpus/boamp-avis-20-100721.pdf").read_bytes(),
    ),
    "/docs/dce.zip": (200, "application/zip", (DOCS / "hostile/dce-cp850.zip").read_bytes()),
    "/docs/erreur.pdf": (
        200,
        "application/pdf",
        (DOCS / "hostile/html-served-as.pdf").read_bytes(),
    ),
    "/docs/chiffre.pdf": (200, "application/pdf", (DOCS / "hostile/encrypted.pdf").read_bytes()),
    "/docs/gone.pdf": (404, "text/html", b"<html>not found</html>"),
    "/docs/huge.pdf": (200, "application/pdf", b"%PDF-1.4\n" + b"0" * 300_000 + b"\n%%EOF"),
    "/private/cctp.pdf": (
        200,
        "application/pdf",
        (DOCS / "corpus/boamp-avis-20-101498.pdf").read_bytes(),
    ),
}
LINKED = [
    "/docs/avis.pdf",
    "/docs/same-avis.pdf",
    "/docs/dce.zip",
    "/docs/erreur.pdf",
    "/docs/chiffre.pdf",
    "/docs/gone.pdf",
    "/docs/huge.pdf",
    "/private/cctp.pdf",
    "file:///etc/passwd",
    "data:application/pdf;base64,JVBERi0=",
]


class _Handler(BaseHTTPRequestHandler):
    hits: ClassVar[Counter[str]] = Counter()

    def do_GET(self) -> None:
        _Handler.hits[self.path] += 1
        status, ctype, body = ROUTES.get(self.path, (404, "text/plain", b"no"))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def _crawl(tmp: Path, base: str, db_url: str, run: int) -> dict[str, dict[str, Any]]:
    out = tmp / f"items-{run}.jsonl"
    config = {
        "base": base,
        "paths": LINKED,
        "database_url": db_url,
        "documents_dir": str(tmp / "documents"),
        "out": str(out),
    }
    (tmp / "config.json").write_text(json.dumps(config))
    proc = subprocess.run(
        [sys.executable, str(CRAWL), str(tmp / "config.json")],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    item = json.loads(out.read_text().splitlines()[0])
    return {ref["url"].replace(base, ""): ref for ref in item["documents"]}


def _link_like_store(db_url: str, url: str, sha: str) -> None:
    """What the Store pipeline records between runs: the notice links the document by sha256."""
    with session_scope(db_url) as s:
        notice = Notice(
            source="test",
            source_key="DOC-1",
            source_id="DOC-1",
            kind="tender",
            title="Vidéoprotection",
            url=url,
            content_hash="x",
        )
        s.add(notice)
        s.flush()
        document = s.scalar(select(Document).where(Document.sha256 == sha))
        s.add(NoticeDocument(notice_id=notice.id, url=url, document_id=document.id))


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("documents_crawl")
    db_url = f"sqlite:///{tmp / 'veilleur.sqlite'}"
    upgrade(db_url)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        first = _crawl(tmp, base, db_url, 1)
        hits_first = Counter(_Handler.hits)
        _link_like_store(db_url, base + "/docs/avis.pdf", first["/docs/avis.pdf"]["sha256"])
        second = _crawl(tmp, base, db_url, 2)
        hits_second = Counter(_Handler.hits) - hits_first
        yield {
            "first": first,
            "second": second,
            "hits_first": hits_first,
            "hits_second": hits_second,
            "db_url": db_url,
            "tmp": tmp,
        }
    finally:
        server.shutdown()


def test_real_pdf_is_read_page_by_page(crawled):
    ref = crawled["first"]["/docs/avis.pdf"]
    assert (ref["status"], ref["page_count"], len(ref["pages"])) == ("ok", 3, 3)


def test_page_text_reaches_the_item(crawled):
    assert "Avis n°20-100721" in crawled["first"]["/docs/avis.pdf"]["pages"][0]["text"]


def test_same_body_at_two_urls_has_one_sha(crawled):
    first = crawled["first"]
    assert first["/docs/avis.pdf"]["sha256"] == first["/docs/same-avis.pdf"]["sha256"]


def test_body_is_stored_content_addressed(crawled):
    sha = crawled["first"]["/docs/avis.pdf"]["sha256"]
    assert (crawled["tmp"] / "documents" / sha[:2] / sha).read_bytes() == ROUTES["/docs/avis.pdf"][
        2
    ]


def test_archive_members_are_read(crawled):
    pages = crawled["first"]["/docs/dce.zip"]["pages"]
    assert "lots.zip/lot1.pdf" in {p["member"] for p in pages}


def test_html_served_as_pdf_is_recorded(crawled):
    assert crawled["first"]["/docs/erreur.pdf"]["status"] == "not_a_document"


def test_encrypted_pdf_is_recorded(crawled):
    assert crawled["first"]["/docs/chiffre.pdf"]["status"] == "encrypted"


def test_http_404_is_a_fetch_error(crawled):
    ref = crawled["first"]["/docs/gone.pdf"]
    assert (ref["status"], ref["fetch_error"]) == ("pending", "http: status 404")


def test_body_over_maxsize_is_too_large(crawled):
    assert crawled["first"]["/docs/huge.pdf"]["status"] == "too_large"


def test_robots_disallowed_document_is_not_fetched(crawled):
    assert crawled["hits_first"]["/private/cctp.pdf"] == 0


def test_robots_disallowed_document_has_a_fetch_error(crawled):
    assert crawled["first"]["/private/cctp.pdf"]["fetch_error"].startswith("download:")


def test_file_url_is_refused(crawled):
    assert crawled["first"]["file:///etc/passwd"]["fetch_error"].startswith("refused: file")


def test_data_url_is_refused(crawled):
    assert crawled["first"]["data:application/pdf;base64,JVBERi0="]["fetch_error"].startswith(
        "refused: data"
    )


def test_documents_are_stored_once_by_sha(crawled):
    with session_scope(crawled["db_url"]) as s:
        shas = s.scalars(select(Document.sha256)).all()
    assert len(shas) == len(set(shas)) == 4


def test_second_crawl_does_not_download_a_linked_read_document(crawled):
    assert crawled["hits_second"]["/docs/avis.pdf"] == 0


def test_second_crawl_fills_the_ref_from_the_database(crawled):
    assert (
        crawled["second"]["/docs/avis.pdf"]["pages"] == crawled["first"]["/docs/avis.pdf"]["pages"]
    )


def test_second_crawl_downloads_an_unlinked_document_again(crawled):
    # same-avis.pdf is not linked to a notice: fetched again, then known by its sha256
    ref = crawled["second"]["/docs/same-avis.pdf"]
    assert (crawled["hits_second"]["/docs/same-avis.pdf"], ref["status"]) == (1, "ok")


def test_html_error_page_is_fetched_again_next_run(crawled):
    assert crawled["hits_second"]["/docs/erreur.pdf"] == 1
