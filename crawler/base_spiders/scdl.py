"""``ScdlDatagouvSpider``: council deliberations published as SCDL "Délibérations" files on
data.gouv.fr.

Recipe — one ``[[scdl_datagouv]]`` entry in ``spiders/portals.toml`` giving the keys
``config_keys`` lists: ``name`` and ``datasets`` (data.gouv.fr dataset slugs or ids), and
optionally ``verified`` (when the datasets were last checked; never read by the crawl). The
spider asks the data.gouv.fr API for each dataset (``/api/1/datasets/<slug>/``), reads every
CSV resource, and maps the SCDL columns (``COLL_NOM``, ``COLL_SIRET``, ``DELIB_ID``,
``DELIB_DATE``, ``DELIB_MATIERE_CODE``, ``DELIB_MATIERE_NOM``, ``DELIB_OBJET``, ``DELIB_URL`` …,
any case) to a ``deliberation`` notice whose ``DELIB_URL`` is a document (fetched and read by
the documents pipeline).

SCDL datasets on an Opendatasoft portal need no code either: an ``[[opendatasoft]]`` entry with
``kind = "deliberation"``, ``document_fields = ["delib_url"]`` and the lower-cased field names.

CSV files in the wild: ``;`` or ``,`` separated, UTF-8 with or without BOM or windows-1252,
``DD/MM/YYYY`` or ISO dates, SIRET as a float (``2.13E+13``). A row without object or id is
recorded and skipped; a file that is not CSV is recorded and the other files go on.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from typing import Any, ClassVar, cast

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.base_spiders.base import BASE_URL, LICENCE, NAME, BaseSpider
from crawler.base_spiders.config_keys import ConfigKey, Note, TextList
from crawler.base_spiders.csv_rows import CsvProblem, read_deliberations
from vocabulary.items import NoticeItem

__all__ = ["ScdlDatagouvSpider"]


class ScdlDatagouvSpider(BaseSpider):
    config_keys: ClassVar[tuple[ConfigKey, ...]] = (
        # read by BaseSpider / RunRecorder
        NAME,
        BASE_URL.optional(),
        LICENCE,
        # read by ScdlDatagouvSpider
        TextList("datasets", "data.gouv.fr dataset slugs or ids", required=True, non_empty=True),
        Note("verified", "when the datasets were last checked on data.gouv.fr"),
    )
    source_kind: ClassVar[str] = "dataset"
    licence: ClassVar[str] = "Licence Ouverte / Etalab 2.0"
    base_url: ClassVar[str] = "https://www.data.gouv.fr"
    datasets: ClassVar[list[str]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ScdlDatagouvSpider:
        spider = cast(ScdlDatagouvSpider, super().from_crawler(crawler, *args, **kwargs))
        if not crawler.settings.getdict("PORTAL_BASE_URLS").get(spider.name):
            # resources are served from static.data.gouv.fr
            spider.allowed_domains = ["data.gouv.fr"]
        return spider

    async def start(self) -> AsyncIterator[Any]:
        for slug in self.datasets:
            yield scrapy.Request(
                self.portal_url(f"/api/1/datasets/{slug}/"),
                callback=self.parse_dataset,
                errback=self.on_error,
                dont_filter=True,
            )

    def parse_dataset(self, response: Response) -> Iterable[Any]:
        try:
            meta = json.loads(response.body)
            resources = [r for r in meta["resources"] if isinstance(r, dict)]
        except (ValueError, KeyError, TypeError) as exc:
            self.record_error(response.url, "bad_page", f"not a data.gouv.fr dataset: {exc}"[:500])
            return
        csvs = [r for r in resources if str(r.get("format", "")).lower() == "csv" and r.get("url")]
        if not csvs:
            self.record_error(response.url, "layout_changed", "dataset has no CSV resource")
        for resource in csvs:
            yield scrapy.Request(
                self._rehost(str(resource["url"])),
                callback=self.parse_csv,
                errback=self.on_error,
                dont_filter=True,
            )

    def _rehost(self, url: str) -> str:
        """Resources live on static.data.gouv.fr; a replay override serves them itself."""
        if not self.crawler.settings.getdict("PORTAL_BASE_URLS").get(self.name):
            return url
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        return self.portal_url(parts.path)

    def parse_csv(self, response: Response) -> Iterable[NoticeItem]:
        # every row is read, whatever its date: councils publish weeks to months after the
        # session, and the store keeps only rows that are new or changed
        for item in read_deliberations(response.body, source=self.name, file_url=response.url):
            if isinstance(item, CsvProblem):
                self.record_error(f"{response.url}{item.where}", item.kind, item.message)
                continue
            if self.sample_exhausted():
                return
            item.fetched_from = response.url
            self.count_notice()
            yield item
