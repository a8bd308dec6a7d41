"""DocumentsPipeline in a real crawl (``veilleur crawl``) of a notice page linking real PDFs,
hostile files and refused URLs, served over loopback.

The crawl runs twice (module scope): the second run must not download what the first already
read and linked to the notice.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from db.models import Document
from db.session import session_scope
from tests.conftest import FIXTURES, sqlite_database
from tests.crawling import collected, collecting, crawl
from veilleur.demo.replay import Cassette, ReplayServer, Reply

DOCS = FIXTURES / "documents"
#: a body over DOCUMENTS_MAXSIZE (generated: its size is what matters)
HUGE = b"%PDF-1.4\n" + b"0" * 300_000 + b"\n%%EOF"
SETTINGS = {
    "DOCUMENTS_MAXSIZE": 200_000,
    "DOCUMENTS_WORKERS": 2,
    "DOCUMENTS_TIME_BUDGET": 60,
    "RETRY_ENABLED": False,
}


def _huge(method: str, path: str, query: dict[str, str]) -> Reply | None:
    return (200, {"Content-Type": "application/pdf"}, HUGE) if path == "/docs/huge.pdf" else None


def _cassette(notice_page: str) -> Cassette:
    cassette = Cassette(DOCS)
    cassette.entries = [
        dict(e, file=notice_page) if e["path"] == "/notice.html" else e for e in cassette.entries
    ]
    return cassette


def _crawl(tmp: Path, server: ReplayServer, db_url: str, run: int) -> dict[str, Any]:
    """One crawl: the notice's documents as they left the pipelines, by path."""
    out = tmp / f"items-{run}.jsonl"
    process = crawl(
        "documents_fixture",
        server,
        database_url=db_url,
        portals=DOCS / "portals.toml",
        settings={**SETTINGS, **collecting(out)},
        documents_dir=tmp / "documents",
    ).process
    assert process.returncode == 0, process.stderr[-3000:]
    item = collected(out)[0]
    return {ref["url"].replace(server.url, ""): ref for ref in item["documents"]}


def _hits(server: ReplayServer) -> Counter[str]:
    return Counter(path for _, path, _ in server.requests)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("documents_crawl")
    db_url = sqlite_database(tmp)
    with ReplayServer(cassettes=[_cassette("site/notice.html")], faults=[_huge]) as server:
        # the Store pipeline links each document read to the notice: the next run knows them
        first = _crawl(tmp, server, db_url, 1)
        hits_first = _hits(server)
        # next run, the notice also links a body already read, under a URL no notice links yet
        server.cassettes = [_cassette("site/notice-again.html")]
        second = _crawl(tmp, server, db_url, 2)
        hits_second = _hits(server) - hits_first
    return {
        "first": first,
        "second": second,
        "hits_first": hits_first,
        "hits_second": hits_second,
        "db_url": db_url,
        "tmp": tmp,
    }


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
    stored = (crawled["tmp"] / "documents" / sha[:2] / sha).read_bytes()
    assert stored == (DOCS / "corpus" / "boamp-avis-20-100721.pdf").read_bytes()


def test_storage_path_is_kept_relative_to_the_documents_folder(crawled):
    sha = crawled["first"]["/docs/avis.pdf"]["sha256"]
    with session_scope(crawled["db_url"]) as session:
        stored = session.scalar(select(Document.storage_path).where(Document.sha256 == sha))
    assert stored == f"{sha[:2]}/{sha}"


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
    # avis-copy.pdf is linked to no notice yet: fetched, then known by its sha256
    ref = crawled["second"]["/docs/avis-copy.pdf"]
    assert (crawled["hits_second"]["/docs/avis-copy.pdf"], ref["status"]) == (1, "ok")


def test_html_error_page_is_fetched_again_next_run(crawled):
    assert crawled["hits_second"]["/docs/erreur.pdf"] == 1
