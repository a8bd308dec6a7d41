"""``PrefectureRaaSpider``: a département prefecture's recueils des actes administratifs (RAA).

Every département prefecture's site runs on one State template (the DSFR design system): a
``/Publications/…`` page for the recueils, cards leading to a page per year, often to a page per
month, and cards per bundle whose detail reads "Publié le dd/mm/yyyy" and whose link is a PDF
under ``/contenu/telechargement/…`` (some sites list bundles as download links instead). Page and
selector facts come from the Attrap project's per-prefecture configuration (La Quadrature du Net
and contributors, formerly RAAspotter; a copy at github.com/mp-mayane/Attrap, commit 20cf0c4).

Recipe — one ``[[prefecture_raa]]`` entry in ``spiders/prefectures.toml``:

1. ``name``, ``base_url`` (the site root), ``raa_path`` (the RAA page), ``prefecture`` (the name
   acts are published under) and ``departements`` (the département's code);
2. the few selectors a site changes: ``card`` (one card), ``card_link`` and ``card_date`` (within
   it), ``download_link`` (bundles listed as links), ``next_page``; the defaults are the
   template's;
3. ``verified`` says against what the entry was checked (a recorded page, or Attrap only).

How a crawl reads a site: from the RAA page it follows the cards whose title names a year or a
month of the window, and the "next" links, up to ``max_pages`` pages; every PDF card or download
link dated in the window is one bundle. The window is the spider's ``since``/``until`` widened to
the whole previous month: acts are often published the day a flight starts, sometimes late, so
every night reads the current month and the one before, and the store keeps what is new by
content hash. A bundle becomes a notice carrying ``raw["raa_bundle"]``; the acts pipeline
(:mod:`crawler.pipelines.acts`) splits it into one ``authorisation`` notice per act once the
documents pipeline has read it (OCR where a page has no text layer, the usual caps).

What goes wrong, and what happens: a RAA page where no card or link matches records
``layout_changed`` (zero bundles: a failing run); a card without a usable date is kept, warned;
a page already read is not read again (``listing_loop`` is not needed: URLs are remembered).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Iterable
from datetime import date, timedelta
from typing import Any, ClassVar

import scrapy
from parsel import Selector
from scrapy.http import Response, TextResponse
from w3lib.url import canonicalize_url

from crawler.base_spiders.base import BASE_URL, LICENCE, NAME, BaseSpider
from crawler.base_spiders.config_keys import (
    ConfigKey,
    Departements,
    Note,
    PageSelector,
    Text,
    WholeNumber,
)
from crawler.base_spiders.html_listing import _MONTHS, decode_listing, parse_listing_date
from vocabulary.items import DocumentRef, NoticeItem

__all__ = ["PrefectureRaaSpider", "bundle_notice", "month_window", "page_period"]

_WS = re.compile(r"\s+")
_YEAR = re.compile(r"\b(20\d{2})\b")
_MONTH = re.compile(r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b", re.I)
_BUNDLE_HREF = re.compile(r"(\.pdf($|\?)|/contenu/telechargement/)", re.I)


def _text(node: Selector) -> str:
    return _WS.sub(" ", node.xpath("string(.)").get() or "").strip()


def month_window(since: date, until: date) -> tuple[date, date]:
    """The dates read: from the first day of the month before ``until`` (or ``since`` if
    earlier) to ``until``."""
    first = until.replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    return min(since, previous), until


def page_period(title: str) -> tuple[int, int | None] | None:
    """(year, month or None) a card's title names ("Année 2025", "Juin 2025"), else None."""
    year = _YEAR.search(title)
    month = _MONTH.search(title)
    if not year:
        return None
    return int(year.group(1)), _MONTHS[month.group(1).lower()] if month else None


def _in_window(period: tuple[int, int | None], start: date, end: date) -> bool:
    year, month = period
    if month is None:
        return start.year <= year <= end.year
    return (start.year, start.month) <= (year, month) <= (end.year, end.month)


def bundle_notice(
    config: Any, url: str, name: str, published: date | None, listing: str
) -> NoticeItem:
    """The notice standing for one bundle until the acts pipeline splits it."""
    return NoticeItem(
        source=getattr(config, "name", "") or "raa",
        source_id="raa-" + hashlib.sha1(url.encode("utf-8")).hexdigest()[:16],
        kind="authorisation",
        title=name,
        url=url,
        buyer_name=config.prefecture,
        departements=list(config.departements),
        published_at=published,
        documents=[DocumentRef(url=url, title=name)],
        fetched_from=listing,
        warnings=[] if published else [f"published_at: no date for bundle {name[:60]!r}"],
        raw={
            "raa_bundle": {
                "prefecture": config.prefecture,
                "departements": list(config.departements),
                "name": name,
                "published": published.isoformat() if published else None,
            },
            "listing": listing,
        },
    )


class PrefectureRaaSpider(BaseSpider):
    config_keys: ClassVar[tuple[ConfigKey, ...]] = (
        # read by BaseSpider
        NAME,
        BASE_URL,
        LICENCE,
        # read by PrefectureRaaSpider (see the module docstring)
        Text("raa_path", "the path of the prefecture's RAA page", required=True),
        Text("prefecture", "the prefecture acts are published under", required=True),
        Departements("departements", "the prefecture's département: routes its acts to groups"),
        PageSelector("card", "one card of a page (year, month or bundle)"),
        PageSelector("card_link", "the card's link, within the card"),
        PageSelector("card_date", "the card's 'Publié le dd/mm/yyyy' detail, within the card"),
        PageSelector("download_link", "bundles listed as download links"),
        PageSelector("next_page", "the link to a page's next page"),
        WholeNumber("max_pages", "pages read at most in one crawl"),
        Note("verified", "against what the entry was checked"),
    )
    source_kind: ClassVar[str] = "listing"
    licence: ClassVar[str] = "actes administratifs publiés (CRPA L. 221-2)"
    parse_family: ClassVar[str] = "raa_page"
    raa_path: ClassVar[str] = ""
    prefecture: ClassVar[str] = ""
    departements: ClassVar[list[str]] = []
    card: ClassVar[str] = "div.fr-card"
    card_link: ClassVar[str] = ".fr-card__title a"
    card_date: ClassVar[str] = ".fr-card__detail"
    download_link: ClassVar[str] = "div.fr-downloads-group ul li a, a.fr-link.fr-link--download"
    next_page: ClassVar[str] = ".fr-pagination__link--next"
    max_pages: ClassVar[int] = 40

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pages_seen: set[str] = set()
        self.bundles_seen: set[str] = set()

    async def start(self) -> AsyncIterator[Any]:
        url = self.portal_url(self.raa_path)
        self.pages_seen.add(canonicalize_url(url))
        yield self._request(url, first=True)

    def _request(self, url: str, *, first: bool = False) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_page,
            errback=self.on_error,
            meta={"first": first},
            dont_filter=True,
        )

    def parse_page(self, response: Response) -> Iterable[Any]:
        if not isinstance(response, TextResponse):
            self.record_error(response.url, "bad_page", "RAA page is not text/HTML")
            return
        page = decode_listing(response)
        start, end = month_window(self.since, self.until)
        found = 0
        for kind, value in read_raa_page(page, self, start, end):
            found += 1
            if kind == "page":
                yield from self._follow(str(value))
            elif isinstance(value, NoticeItem) and value.url not in self.bundles_seen:
                self.bundles_seen.add(value.url)
                if self.sample_exhausted():
                    return
                self.count_notice()
                yield value
        if not found and response.meta.get("first"):
            self.record_error(
                response.url, "layout_changed", "no card, bundle or download link on the RAA page"
            )

    def _follow(self, url: str) -> Iterable[scrapy.Request]:
        key = canonicalize_url(url)
        if key in self.pages_seen:
            return
        if len(self.pages_seen) >= self.max_pages:
            self.record_error(url, "page_cap", f"stopped after {self.max_pages} pages")
            return
        self.pages_seen.add(key)
        yield self._request(url)


def _card_date(card: Selector, link: Selector, config: Any) -> date | None:
    for text in (
        " ".join(_text(d) for d in card.css(config.card_date)) if config.card_date else "",
        (link.attrib.get("title") or "").rsplit(" - ", 1)[-1],
        _text(link),
    ):
        if text:
            found = parse_listing_date(text.replace("Publié le", ""), [])
            if found:
                return found
    return None


def read_raa_page(
    page: TextResponse, config: Any, start: date, end: date
) -> Iterable[tuple[str, Any]]:
    """What one page of a RAA site holds: ("page", url) to follow, ("bundle", notice) for a
    bundle dated in the window (or undated). Pure: no crawl state."""
    links_seen: set[str] = set()
    for card in page.css(config.card):
        for link in card.css(config.card_link)[:1]:
            href = (link.attrib.get("href") or "").strip()
            if not href or href.startswith(("#", "javascript:", "mailto:")):
                continue
            url = page.urljoin(href)
            links_seen.add(url)
            title = _text(link)
            if _BUNDLE_HREF.search(href):
                published = _card_date(card, link, config)
                if published is None or start <= published <= end:
                    yield "bundle", bundle_notice(config, url, title, published, page.url)
                continue
            period = page_period(title)
            if period is not None and _in_window(period, start, end):
                yield "page", url
    for link in page.css(config.download_link) if config.download_link else []:
        href = (link.attrib.get("href") or "").strip()
        url = page.urljoin(href) if href else ""
        if not url or url in links_seen or not _BUNDLE_HREF.search(href):
            continue
        links_seen.add(url)
        name = _text(link).replace("Télécharger", "").strip() or url.rsplit("/", 1)[-1]
        published = parse_listing_date(name, [])
        if published is None or start <= published <= end:
            yield "bundle", bundle_notice(config, url, name, published, page.url)
    if config.next_page:
        for href in page.css(config.next_page).xpath("@href").getall()[:1]:
            yield "page", page.urljoin(href.strip())
