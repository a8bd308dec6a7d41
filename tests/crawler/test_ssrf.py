"""The crawler never reads the machine it runs on: links and redirects to loopback, private or
link-local addresses (in any spelling) and non-http(s) schemes are refused and recorded, in a
real ``veilleur crawl`` against a loopback replay server, on SQLite and PostgreSQL.

The replay server is itself on loopback: it is the source's configured root, the one private
``host:port`` allowed. A second loopback server stands for a service on the crawler's machine
(an admin page, Redis, cloud metadata): it must see no request at all.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from crawler.middlewares import non_public_host
from db.models import CrawlError
from db.session import session_scope
from tests.conftest import FIXTURES
from tests.crawling import collected, collecting, crawl
from veilleur.demo.replay import Cassette, ReplayServer, Reply

DOCS = FIXTURES / "documents"
PORTALS = """
[[html_listing]]
name = "ssrf_documents"
base_url = "https://documents.invalid"
listing_path = "/notice.html"
row = "li.avis"
title = "span.titre"
link = "a.doc"
id = "span.num"
kind = "tender"

[[html_listing]]
name = "ssrf_redirect"
base_url = "https://documents.invalid"
listing_path = "/moved.html"
row = "li.avis"
title = "span.titre"
link = "a.doc"
id = "span.num"
kind = "tender"

[[html_listing]]
name = "ssrf_scheme"
base_url = "https://documents.invalid"
listing_path = "/moved-file.html"
row = "li.avis"
title = "span.titre"
link = "a.doc"
id = "span.num"
kind = "tender"
"""


def _page(links: list[str]) -> str:
    anchors = "\n".join(f'  <a class="doc" href="{href}">{i}</a>' for i, href in enumerate(links))
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"></head><body><ul>\n'
        ' <li class="avis"><span class="num">SSRF-1</span><span class="titre">Vidéoprotection'
        f"</span>\n{anchors}\n </li></ul></body></html>"
    )


@pytest.fixture(scope="module")
def crawled(module_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("ssrf")
    portals = tmp / "portals.toml"
    portals.write_text(PORTALS, encoding="utf-8")
    with ReplayServer(faults=[lambda *_: (200, {"Content-Type": "text/html"}, b"secret")]) as inner:
        port = inner.url.rsplit(":", 1)[1]
        private = [
            f"{inner.url}/secret.pdf",
            f"http://localhost:{port}/secret.pdf",
            f"http://2130706433:{port}/secret.pdf",
            f"http://0x7f.1:{port}/secret.pdf",
            f"http://[::ffff:127.0.0.1]:{port}/secret.pdf",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.7/intranet.pdf",
            "http://redis:6379/",
        ]
        (tmp / "notice.html").write_text(
            _page(["/docs/avis.pdf", *private, "ftp://127.0.0.1/x.pdf", "gopher://x/"]),
            encoding="utf-8",
        )

        def moved(method: str, path: str, query: dict[str, str]) -> Reply | None:
            if path == "/moved.html":  # the portal answers with a redirect to the inner service
                return 302, {"Location": f"{inner.url}/notice.html"}, b""
            if path == "/moved-file.html":
                return 302, {"Location": "file:///etc/passwd"}, b""
            return None

        cassette = Cassette(DOCS)
        cassette.entries = [
            dict(e, file=str(tmp / "notice.html")) if e["path"] == "/notice.html" else e
            for e in cassette.entries
        ]
        with ReplayServer(cassettes=[cassette], faults=[moved]) as server:
            out = tmp / "items.jsonl"
            documents = crawl(
                "ssrf_documents",
                server,
                database_url=module_db_url,
                portals=portals,
                settings={"DOCUMENTS_WORKERS": 1, **collecting(out)},
                documents_dir=tmp / "documents",
            ).process
            redirected = crawl(
                "ssrf_redirect",
                server,
                database_url=module_db_url,
                portals=portals,
                documents_dir=tmp / "documents",
            ).process
            schemed = crawl(
                "ssrf_scheme",
                server,
                database_url=module_db_url,
                portals=portals,
                documents_dir=tmp / "documents",
            ).process
        with session_scope(module_db_url) as s:
            errors = [
                (e.source_name, e.error_kind, e.url or "", e.message)
                for e in s.scalars(select(CrawlError).order_by(CrawlError.id))
            ]
        return {
            "documents": documents,
            "redirected": redirected,
            "schemed": schemed,
            "refs": {r["url"]: r for r in collected(out)[0]["documents"]},
            "inner_hits": list(inner.requests),
            "private": private,
            "errors": errors,
            "server": server.url,
        }


def test_the_crawl_finishes(crawled: dict[str, Any]) -> None:
    assert crawled["documents"].returncode == 0, crawled["documents"].stderr[-2000:]


def test_the_inner_service_sees_no_request(crawled: dict[str, Any]) -> None:
    assert crawled["inner_hits"] == []


def test_every_private_link_is_refused_and_recorded(crawled: dict[str, Any]) -> None:
    refs = crawled["refs"]
    for url in crawled["private"]:
        assert refs[url]["status"] == "pending", url
        assert "refused" in refs[url]["fetch_error"], (url, refs[url]["fetch_error"])
    recorded = {u for name, kind, u, _ in crawled["errors"] if kind == "unsafe_url"}
    assert set(crawled["private"]) <= recorded


def test_other_schemes_are_refused(crawled: dict[str, Any]) -> None:
    refs = crawled["refs"]
    assert refs["ftp://127.0.0.1/x.pdf"]["fetch_error"].startswith("refused: ftp")
    assert refs["gopher://x/"]["fetch_error"].startswith("refused: gopher")


def test_the_sources_own_loopback_host_is_still_read(crawled: dict[str, Any]) -> None:
    ref = crawled["refs"][crawled["server"] + "/docs/avis.pdf"]
    assert (ref["status"], ref["page_count"]) == ("ok", 3)


def test_a_redirect_to_the_inner_service_is_refused_and_recorded(
    crawled: dict[str, Any],
) -> None:
    assert crawled["inner_hits"] == []
    kinds = {(name, kind) for name, kind, _, _ in crawled["errors"]}
    assert ("ssrf_redirect", "unsafe_url") in kinds
    assert "Traceback" not in crawled["redirected"].stderr


def test_a_redirect_to_a_file_url_is_not_followed_and_recorded(crawled: dict[str, Any]) -> None:
    """Scrapy's RedirectMiddleware does not follow a Location outside http(s): the 302 stays
    the answer, and the source records the listing as failed (``file:`` would be refused by
    SafeSchemeMiddleware anyway)."""
    recorded = [(kind, u) for name, kind, u, _ in crawled["errors"] if name == "ssrf_scheme"]
    assert recorded == [("request_failed", crawled["server"] + "/moved-file.html")]
    assert "Traceback" not in crawled["schemed"].stderr and "root:" not in crawled["schemed"].stderr


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "2130706433", "0177.0.0.1", "[::1]", "::ffff:7f00:1", "169.254.169.254",
     "100.64.0.1", "192.168.1.10", "fd00::1", "0.0.0.0", "localhost", "api.localhost", "db"],
)  # fmt: skip
def test_non_public_hosts(host: str) -> None:
    assert non_public_host(host) is not None


@pytest.mark.parametrize("host", ["www.boamp.fr", "ted.europa.eu", "8.8.8.8", "2001:4860::8888"])
def test_public_hosts(host: str) -> None:
    assert non_public_host(host) is None


@pytest.mark.parametrize("setting", ['["10.0.0.5:8080"]', "10.0.0.5:8080"])
def test_private_hosts_allowed_lets_exactly_that_host_and_port_through(setting: str) -> None:
    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest
    from scrapy.utils.test import get_crawler

    from crawler.middlewares import SafeSchemeMiddleware

    middleware = SafeSchemeMiddleware(get_crawler(settings_dict={"PRIVATE_HOSTS_ALLOWED": setting}))
    assert middleware.process_request(Request("http://10.0.0.5:8080/avis.pdf")) is None
    for refused in ("http://10.0.0.5:8081/avis.pdf", "http://10.0.0.6:8080/", "https://10.0.0.5/"):
        with pytest.raises(IgnoreRequest):
            middleware.process_request(Request(refused))
    assert middleware.process_request(Request("https://www.boamp.fr/avis.pdf")) is None
