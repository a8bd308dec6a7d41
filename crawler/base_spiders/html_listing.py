"""``HtmlListingSpider``: a council's publication page (deliberations, acts) as a source.

Recipe — no Python, one ``[[html_listing]]`` entry in ``spiders/portals.toml`` giving the keys
``config_keys`` lists:

1. ``name``, ``base_url`` (site root) and ``listing_path`` (the first listing page);
2. ``row``: selector of one published item; ``title``, ``date`` (+ ``date_format``, a
   strptime pattern or a list of them; French month names and ``dd/mm/yyyy`` are understood
   without one), ``link`` (document links; ``href`` is read) and optionally ``id`` — each
   relative to the row; ``next_page``: the link to the next listing page;
3. selectors are CSS, or XPath when they start with ``/``, ``./`` or ``(``; their syntax is
   checked when the config loads;
4. ``buyer_name`` / ``buyer_siret`` / ``departements`` describe the council; ``kind`` defaults
   to ``deliberation``; ``max_pages`` caps the listing pages read in one crawl; ``verified``
   notes when the selectors were last checked on the live site (never read by the crawl);
5. add a recorded fixture page under ``tests/fixtures/listings/``.

What goes wrong on real council sites, and what happens:

* a page served without charset, or labelled UTF-8, that is really windows-1252: decoded as
  windows-1252 (French sites), so "vidéoprotection" stays "vidéoprotection";
* a "next" link that points back to a page already read, or a page whose rows repeat an earlier
  page: ``listing_loop`` is recorded and paging stops;
* a row without title: ``bad_record``; an unreadable date: the row is kept undated, warned;
* the row selector matching nothing on the first page (layout change): ``layout_changed`` is
  recorded and the run reads zero notices, which the run recorder marks failing;
* councils post sessions late (7 to 268 days after the session, measured on a commune's page),
  among older ones: every page up to ``max_pages`` is read on each crawl, whatever its dates,
  and the store keeps only rows that are new or changed;
* a row's id is its ``id`` selector, else a hash of its first link, title and date: many rows
  (deliberations) share one session PDF;
* a selector that fails on a page (an XPath function the page refuses …) is recorded as
  ``bad_selector`` and the crawl goes on; a selector that is not even valid is refused when the
  config loads.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

import scrapy
from cssselect import SelectorSyntaxError
from lxml import etree
from parsel import Selector, SelectorList
from scrapy.http import Response, TextResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding
from w3lib.url import canonicalize_url

from crawler.base_spiders.base import BASE_URL, LICENCE, NAME, BaseSpider
from crawler.base_spiders.config_keys import (
    ConfigKey,
    DateFormats,
    Departements,
    Note,
    PageSelector,
    Text,
    WholeNumber,
    is_xpath,
    notice_kind_key,
)
from vocabulary.items import DocumentRef, NoticeItem
from vocabulary.terms import NoticeKind

__all__ = [
    "HtmlListingSpider",
    "ListingProblem",
    "decode_listing",
    "listing_rows",
    "parse_listing_date",
]

_MONTHS = {
    "janvier": 1,
    "février": 2,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "août": 8,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "décembre": 12,
    "decembre": 12,
}
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_FRENCH = re.compile(r"(\d{1,2})(?:er)?\s+([a-zéûè]+)\s+(\d{4})", re.IGNORECASE)
_WS = re.compile(r"\s+")


def decode_listing(response: Response) -> TextResponse:
    """The page decoded as its bytes really are: a declared non-UTF-8 charset is trusted;
    otherwise UTF-8 when the bytes are valid UTF-8, else windows-1252."""
    assert isinstance(response, TextResponse)
    declared = http_content_type_encoding(
        (response.headers.get("Content-Type") or b"").decode("latin-1")
    )
    declared = declared or html_body_declared_encoding(response.body)
    if declared and declared.replace("-", "").lower() not in ("utf8", "ascii", "usascii"):
        return response
    try:
        response.body.decode("utf-8")
    except UnicodeDecodeError:
        return response.replace(encoding="cp1252")
    return response if response.encoding == "utf-8" else response.replace(encoding="utf-8")


def parse_listing_date(text: str, formats: list[str]) -> date | None:
    """A date from a listing cell: the configured formats first, then common French shapes."""
    text = _WS.sub(" ", text).strip()
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    for pattern, order in ((_ISO, (1, 2, 3)), (_DMY, (3, 2, 1))):
        match = pattern.search(text)
        if match:
            try:
                return date(*(int(match.group(i)) for i in order))
            except ValueError:
                return None
    match = _FRENCH.search(text)
    if match and match.group(2).lower() in _MONTHS:
        try:
            return date(int(match.group(3)), _MONTHS[match.group(2).lower()], int(match.group(1)))
        except ValueError:
            return None
    return None


def _select(node: Selector, selector: str) -> SelectorList[Selector]:
    if is_xpath(selector):
        return node.xpath(selector)
    return node.css(selector)


def _text(nodes: SelectorList[Selector]) -> str:
    parts = []
    for node in nodes:
        if node.root is None or isinstance(node.root, str):
            parts.append(str(node.get() or ""))
        else:
            parts.append(node.xpath("string(.)").get() or "")
    return _WS.sub(" ", " ".join(parts)).strip()


class HtmlListingSpider(BaseSpider):
    config_keys: ClassVar[tuple[ConfigKey, ...]] = (
        # read by BaseSpider
        NAME,
        BASE_URL,
        LICENCE,
        # read by HtmlListingSpider (see the module docstring)
        Text("listing_path", "the path of the first listing page"),
        PageSelector("row", "one published item of a listing page", required=True),
        PageSelector("title", "the item's title, within the row", required=True),
        PageSelector("date", "the item's publication date, within the row", attr="date_selector"),
        DateFormats("date_format", "patterns tried before the common French date shapes"),
        PageSelector("link", "the item's document links (`href` is read), within the row"),
        PageSelector(
            "id",
            "the item's id, within the row (default: a hash of its first document URL)",
            attr="id_selector",
        ),
        PageSelector("next_page", "the link to the next listing page"),
        notice_kind_key("the kind of every notice of the listing"),
        Text("buyer_name", "the council publishing the listing"),
        Text(
            "buyer_siret",
            "the council's SIRET: links its acts to its purchases",
            pattern=r"\d{14}",
            shape="14 digits",
            named="SIRET (14 digits)",
        ),
        Departements("departements", "the council's départements: route its notices to groups"),
        WholeNumber("max_pages", "listing pages read at most in one crawl"),
        Note("verified", "when the selectors were last checked on the live site"),
    )
    source_kind: ClassVar[str] = "listing"
    listing_path: ClassVar[str] = "/"
    row: ClassVar[str] = ""
    title: ClassVar[str] = ""
    date_selector: ClassVar[str] = ""
    date_format: ClassVar[list[str]] = []
    link: ClassVar[str] = ""
    id_selector: ClassVar[str] = ""
    next_page: ClassVar[str] = ""
    kind: ClassVar[NoticeKind] = "deliberation"
    buyer_name: ClassVar[str | None] = None
    buyer_siret: ClassVar[str | None] = None
    departements: ClassVar[list[str]] = []
    max_pages: ClassVar[int] = 50

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pages_seen: set[str] = set()
        self.page_digests: set[str] = set()

    async def start(self) -> AsyncIterator[Any]:
        url = self.portal_url(self.listing_path)
        self.pages_seen.add(canonicalize_url(url))
        yield self.listing_request(url, 1)

    def listing_request(self, url: str, page: int) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_listing,
            errback=self.on_listing_error,
            meta={"page": page},
            dont_filter=True,
        )

    def on_listing_error(self, failure: Any) -> None:
        self.record_error(failure.request.url, "request_failed", repr(failure.value)[:500])

    def parse_listing(self, response: Response) -> Iterable[Any]:
        if not isinstance(response, TextResponse):
            self.record_error(response.url, "bad_page", "listing page is not text/HTML")
            return
        page = decode_listing(response)
        for item in listing_rows(page, self, first_page=response.meta["page"] == 1):
            if isinstance(item, ListingProblem):
                self.record_error(item.url, item.kind, item.message, item.record_id)
                if item.kind in _PAGE_STOPPERS:
                    return
                continue
            if item.raw.get("page_digest") in self.page_digests:
                self.record_error(
                    response.url, "listing_loop", "page repeats the rows of a page already read"
                )
                return
            if self.sample_exhausted():
                return
            item.source = self.name
            self.count_notice()
            yield item
        self.page_digests.add(_page_digest(page, self.row))
        # every page up to max_pages is read each time: a session posted late sits among
        # older ones, and the store keeps only what is new or changed
        yield from self._follow(page)

    def _follow(self, page: TextResponse) -> Iterable[scrapy.Request]:
        if not self.next_page:
            return
        href = (
            _select(page.selector, self.next_page).xpath("@href").get()
            if not self.next_page.endswith(("@href", "::attr(href)"))
            else _select(page.selector, self.next_page).get()
        )
        if not href:
            return
        url = page.urljoin(href.strip())
        key = canonicalize_url(url)
        if key in self.pages_seen:
            self.record_error(
                url, "listing_loop", f"next page points back to a page already read from {page.url}"
            )
            return
        if len(self.pages_seen) >= self.max_pages:
            self.record_error(url, "page_cap", f"stopped after {self.max_pages} listing pages")
            return
        self.pages_seen.add(key)
        yield self.listing_request(url, page.meta["page"] + 1)


@dataclass(frozen=True)
class ListingProblem:
    """A page or row that could not be read (recorded against the source, reading goes on)."""

    url: str
    kind: str
    message: str
    record_id: str | None = None


#: problems after which the rest of the page is not read
_PAGE_STOPPERS = frozenset({"layout_changed", "bad_page", "bad_selector_row"})


def _page_digest(page: TextResponse, row_selector: str) -> str:
    try:
        rows = _select(page.selector, row_selector)
    except (ValueError, SelectorSyntaxError, etree.XPathError):
        return ""
    return hashlib.sha256("\x1f".join(_text(SelectorList([r])) for r in rows).encode()).hexdigest()


def _safe(
    node: Selector, selector: str, what: str, url: str
) -> SelectorList[Selector] | ListingProblem:
    """The nodes ``selector`` matches, or the problem of a selector that fails on this page
    (an XPath function the page's tree refuses, a namespace it lacks …)."""
    try:
        return _select(node, selector)
    except (ValueError, SelectorSyntaxError, etree.XPathError) as exc:
        return ListingProblem(
            url, "bad_selector", f"{what} selector {selector!r} failed: {exc}"[:300]
        )


def listing_rows(
    page: TextResponse, config: Any, *, first_page: bool = True
) -> Iterator[NoticeItem | ListingProblem]:
    """Every row of one listing page as a notice (``config``: an ``HtmlListingSpider`` class or
    instance, whose selectors are read), or the problem met. Pure: no crawl state."""
    rows = _safe(page.selector, config.row, "row", page.url)
    if isinstance(rows, ListingProblem):
        yield ListingProblem(rows.url, "bad_selector_row", rows.message)
        return
    if not rows:
        kind = "layout_changed" if first_page else "bad_page"
        yield ListingProblem(page.url, kind, f"row selector {config.row!r} matched nothing")
        return
    digest = _page_digest(page, config.row)
    for row in rows:
        item = _row_notice(row, page, config)
        if isinstance(item, NoticeItem):
            item.raw["page_digest"] = digest
        yield item


def _row_links(
    row: Selector, page: TextResponse, config: Any
) -> list[DocumentRef] | ListingProblem:
    anchors = _safe(row, config.link, "link", page.url) if config.link else SelectorList([])
    if isinstance(anchors, ListingProblem):
        return anchors
    links = []
    for anchor in anchors:
        href = anchor.xpath("@href").get() or (
            anchor.get() if isinstance(anchor.root, str) else None
        )
        if href and not href.strip().lower().startswith(("javascript:", "mailto:", "#")):
            links.append(
                DocumentRef(
                    url=page.urljoin(href.strip()), title=_text(SelectorList([anchor])) or None
                )
            )
    return links


def _row_text(row: Selector, selector: str, what: str, url: str) -> str | ListingProblem:
    if not selector:
        return ""
    nodes = _safe(row, selector, what, url)
    return nodes if isinstance(nodes, ListingProblem) else _text(nodes)


def _row_notice(row: Selector, page: TextResponse, config: Any) -> NoticeItem | ListingProblem:
    title = _row_text(row, config.title, "title", page.url)
    links = _row_links(row, page, config)
    raw_date = _row_text(row, config.date_selector, "date", page.url)
    ident = _row_text(row, config.id_selector, "id", page.url)
    for part in (title, links, raw_date, ident):
        if isinstance(part, ListingProblem):
            return part
    assert isinstance(title, str) and isinstance(links, list)
    assert isinstance(raw_date, str) and isinstance(ident, str)
    if not title:
        return ListingProblem(
            page.url, "bad_record", "row without title", links[0].url if links else None
        )
    warnings: list[str] = []
    published = None
    if config.date_selector:
        published = parse_listing_date(raw_date, list(config.date_format))
        if published is None:
            warnings.append(f"published_at: {raw_date[:60]!r} is not a date")
    if not ident:
        # one row, one id: many rows share one session PDF, so the link alone is not enough
        basis = "\x1f".join([links[0].url if links else "", title, str(published or "")])
        ident = hashlib.sha1(basis.encode("utf-8")).hexdigest()[:16]
    return NoticeItem(
        source=getattr(config, "name", "") or "listing",
        source_id=ident,
        kind=config.kind,
        title=title,
        url=links[0].url if links else page.url,
        buyer_name=config.buyer_name,
        buyer_siret=config.buyer_siret,
        departements=list(config.departements),
        published_at=published,
        documents=links,
        fetched_from=page.url,
        warnings=warnings,
        raw={"listing": page.url, "row_html": row.get()[:5000]},
    )
