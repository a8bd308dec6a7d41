"""``ScdlCatalogueSpider``: every dataset the national catalogue lists under the SCDL
deliberations schema, discovered each run — no config entry per town.

Recipe — one ``[[scdl_catalogue]]`` entry (``name``; ``schema`` defaults to
``scdl/deliberations``; ``exclude`` and ``datasets`` remove or add datasets by id or slug;
``page_size`` datasets per catalogue page, at most ``max_pages`` pages):

1. ``GET /api/1/datasets/?schema=<schema>&page_size=N`` (udata filters datasets having a
   resource whose ``schema.name`` is the value: ``udata/core/dataset/api.py``), following
   ``next_page`` (the same URL with ``page+1``; ``null`` on the last page), with the datasets
   embedded with their ``resources``.
2. Per dataset, the resources that declare the schema (else its CSV resources), documentation
   left out. A resource whose fingerprint (``checksum.value``, else
   ``extras["analysis:checksum"]``, else ``last_modified``) is the one it had when last read
   completely is not fetched again.
3. Each CSV is read by the SCDL reader, every row whatever its date — aggregated feeds (a GIP's
   yearly file of its members' acts) republish a year's file when a late act arrives — and the
   store keeps what is new by content hash. The buyer and the place are read per row.
4. Health per resource in ``catalogue_resources``: ``ok``, ``not_conforming`` (required SCDL
   columns missing), ``failed`` (could not be fetched), ``gone`` (its dataset left the answer).
   ``veilleur status`` lists the unhealthy ones. A run where every resource was unchanged is a
   normal run, not a failing one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

import orjson
import scrapy
from scrapy.http import Response

from crawler.base_spiders.base import BASE_URL, LICENCE, NAME, BaseSpider
from crawler.base_spiders.config_keys import ConfigKey, Text, TextList, WholeNumber
from crawler.base_spiders.csv_rows import CsvProblem, read_deliberations
from vocabulary.items import NoticeItem

__all__ = ["ScdlCatalogueSpider", "fingerprint", "pick_resources"]


def fingerprint(resource: dict[str, Any]) -> str | None:
    """What tells a resource's content changed: the catalogue's checksum, else its analysis
    checksum, else its last modification date."""
    checksum = resource.get("checksum")
    if isinstance(checksum, dict) and checksum.get("value"):
        return f"{checksum.get('type') or 'sha1'}:{checksum['value']}"
    extras: dict[str, Any] = resource["extras"] if isinstance(resource.get("extras"), dict) else {}
    if extras.get("analysis:checksum"):
        return f"sha1:{extras['analysis:checksum']}"
    return str(resource.get("last_modified") or "") or None


def _schema_name(resource: dict[str, Any]) -> str | None:
    schema = resource.get("schema")
    return schema.get("name") if isinstance(schema, dict) else None


def pick_resources(dataset: dict[str, Any], schema: str) -> list[dict[str, Any]]:
    """The resources to read: those declaring ``schema``, else the dataset's CSV files."""
    resources = [
        r
        for r in dataset.get("resources") or []
        if isinstance(r, dict) and r.get("url") and r.get("type") != "documentation"
    ]
    declared = [r for r in resources if _schema_name(r) == schema]
    return declared or [r for r in resources if str(r.get("format", "")).lower() == "csv"]


class ScdlCatalogueSpider(BaseSpider):
    """SCDL datasets discovered through the catalogue (``[[scdl_catalogue]]`` entries)."""

    config_keys: ClassVar[tuple[ConfigKey, ...]] = (
        # read by BaseSpider / RunRecorder
        NAME,
        BASE_URL.optional(),
        LICENCE,
        # read by ScdlCatalogueSpider
        Text("schema", "the schema the datasets declare, as the catalogue names it"),
        TextList("exclude", "dataset ids or slugs never read"),
        TextList("datasets", "dataset ids or slugs read besides those the catalogue lists"),
        WholeNumber("page_size", "datasets asked per catalogue page"),
        WholeNumber("max_pages", "catalogue pages read at most in one crawl"),
    )
    source_kind: ClassVar[str] = "dataset"
    licence: ClassVar[str] = "Licence Ouverte / Etalab 2.0"
    base_url: ClassVar[str] = "https://www.data.gouv.fr"
    schema: ClassVar[str] = "scdl/deliberations"
    exclude: ClassVar[list[str]] = []
    datasets: ClassVar[list[str]] = []
    page_size: ClassVar[int] = 100
    max_pages: ClassVar[int] = 50

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pages_read: set[str] = set()
        self.datasets_seen: set[str] = set()
        self.catalogue_complete = False
        self.unchanged = 0
        self.known: dict[str, str | None] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> ScdlCatalogueSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        assert isinstance(spider, ScdlCatalogueSpider)
        # resources live on any host (static.data.gouv.fr, the councils' own portals)
        spider.allowed_domains = []
        return spider

    # -- requests -------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        self.known = self._stored(lambda s: _fingerprints(s, self.name)) or {}
        query = urlencode({"schema": self.schema, "page_size": self.page_size, "page": 1})
        yield self._catalogue_request(self.portal_url(f"/api/1/datasets/?{query}"))
        for slug in self.datasets:
            yield scrapy.Request(
                self.portal_url(f"/api/1/datasets/{slug}/"),
                callback=self.parse_dataset,
                errback=self.on_error,
                dont_filter=True,
            )

    def _catalogue_request(self, url: str) -> scrapy.Request:
        self.pages_read.add(url)
        return scrapy.Request(
            url, callback=self.parse_catalogue, errback=self.on_error, dont_filter=True
        )

    def _rehost(self, url: str) -> str:
        """Production links point at data.gouv.fr hosts; a replay override serves them itself."""
        if not self.crawler.settings.getdict("PORTAL_BASE_URLS").get(self.name):
            return url
        parts = urlsplit(url)
        return self.portal_url(parts.path + (f"?{parts.query}" if parts.query else ""))

    # -- callbacks ------------------------------------------------------------------------

    def on_error(self, failure: Any) -> None:
        super().on_error(failure)
        request = failure.request
        resource = request.meta.get("resource")
        if resource:
            self._record(request.meta["dataset"], resource, "failed", repr(failure.value), 0)

    def parse_catalogue(self, response: Response) -> Iterable[Any]:
        try:
            page = orjson.loads(response.body)
            datasets = [d for d in page["data"] if isinstance(d, dict)]
        except (ValueError, KeyError, TypeError) as exc:
            self.record_error(response.url, "bad_page", f"not a catalogue page: {exc}"[:500])
            return
        for dataset in datasets:
            yield from self._dataset(dataset)
        following = page.get("next_page")
        if not following:
            self.catalogue_complete = True
            return
        url = self._rehost(str(following))
        if url in self.pages_read:
            self.record_error(url, "listing_loop", "next_page points back to a page already read")
        elif len(self.pages_read) >= self.max_pages:
            self.record_error(url, "page_cap", f"stopped after {self.max_pages} catalogue pages")
        else:
            yield self._catalogue_request(url)

    def parse_dataset(self, response: Response) -> Iterable[Any]:
        try:
            dataset = orjson.loads(response.body)
        except ValueError as exc:
            self.record_error(response.url, "bad_page", f"not a dataset: {exc}"[:500])
            return
        if isinstance(dataset, dict):
            yield from self._dataset(dataset)

    def _dataset(self, dataset: dict[str, Any]) -> Iterable[scrapy.Request]:
        ident, slug = str(dataset.get("id") or ""), str(dataset.get("slug") or "")
        if not ident or ident in self.exclude or slug in self.exclude:
            return
        self.datasets_seen.add(ident)
        resources = pick_resources(dataset, self.schema)
        if not resources:
            self.record_error(
                f"{self.base_url}/datasets/{slug or ident}", "layout_changed", "no CSV resource"
            )
        for resource in resources:
            mark = fingerprint(resource)
            if mark is not None and self.known.get(str(resource.get("id"))) == mark:
                self.unchanged += 1
                continue
            meta = {"dataset": dataset, "resource": resource, "fingerprint": mark}
            yield scrapy.Request(
                self._rehost(str(resource["url"])),
                callback=self.parse_resource,
                errback=self.on_error,
                meta=meta,
                dont_filter=True,
            )

    def parse_resource(self, response: Response) -> Iterable[NoticeItem]:
        dataset, resource = response.meta["dataset"], response.meta["resource"]
        rows, problem = 0, None
        for item in read_deliberations(response.body, source=self.name, file_url=response.url):
            if isinstance(item, CsvProblem):
                self.record_error(f"{response.url}{item.where}", item.kind, item.message)
                if item.kind == "not_conforming":
                    problem = item.message
                continue
            if self.sample_exhausted():
                break
            rows += 1
            item.fetched_from = response.url
            self.count_notice()
            yield item
        status = "not_conforming" if problem else "ok"
        self._record(dataset, resource, status, problem, rows, response.meta["fingerprint"])

    # -- health ---------------------------------------------------------------------------

    def _stored(self, work: Any) -> Any:
        from db.session import session_scope

        with session_scope(self.crawler.settings.get("DATABASE_URL")) as session:
            return work(session)

    def _record(
        self,
        dataset: dict[str, Any],
        resource: dict[str, Any],
        status: str,
        error: str | None,
        rows: int,
        mark: str | None = None,
    ) -> None:
        from db.catalogue import record_resource

        self._stored(
            lambda s: record_resource(
                s,
                self.name,
                dataset_id=str(dataset.get("id")),
                dataset_title=str(dataset.get("title") or ""),
                resource_id=str(resource.get("id")),
                url=str(resource.get("url")),
                fingerprint=mark if status == "ok" else None,
                status=status,
                error=error,
                rows=rows,
                now=datetime.now(UTC),
            )
        )

    def closed(self, reason: str) -> None:
        if reason != "finished" or not self.catalogue_complete:
            return
        from db.catalogue import mark_gone

        present = self.datasets_seen
        self._stored(lambda s: mark_gone(s, self.name, present, datetime.now(UTC)))

    @property
    def nothing_new_expected(self) -> bool:
        """True when every resource was unchanged since it was last read (the run recorder
        then takes zero notices for a normal run)."""
        return self.unchanged > 0 and self.notices_yielded == 0


def _fingerprints(session: Any, source: str) -> dict[str, str | None]:
    from db.catalogue import resource_fingerprints

    return resource_fingerprints(session, source)
