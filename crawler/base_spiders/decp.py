"""DECP (données essentielles de la commande publique): awarded contracts, kind ``contract``.

Two bases, one parser (:mod:`crawler.base_spiders.decp_json`); no Python for a new DECP source:

``[[decp_files]]`` entries — ``DecpFilesSpider``: whole JSON files in the regulatory format
    (``{"marches": [...]}``), e.g. the consolidated files or a publisher's own dump. The entry's
    ``files`` (overridden by the ``DECP_FILES`` setting or ``-a files=url1,url2``) are absolute
    URLs or paths relative to its ``base_url``. Files are read one after the other and the same
    contract seen in several files is stored once (the cleanest copy, awardees united); notices
    are yielded after the last file. A file that fails or is not DECP JSON is recorded, the
    others go on.

``[[decp_opendatasoft]]`` entries — ``DecpOpendatasoftSpider``: a DECP dataset of an
    Opendatasoft portal, such as the economy ministry's on data.economie.gouv.fr (``decp_v3``:
    ``decp-v3-marches-valides``, format of the 2019 decree, frozen in February 2024;
    ``decp_2022``: ``decp-2022-marches-valides``, 2022 decree, current); flat records
    (``acheteur_id``, ``titulaire_id_1`` …) are grouped per contract and reshaped into the JSON
    format's tree; windows are on the publication date; ``frozen`` (true) marks a dataset that
    no longer changes (read on demand, not nightly).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any, ClassVar

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.base_spiders.base import BASE_URL, LICENCE, NAME, BaseSpider
from crawler.base_spiders.config_keys import ConfigKey, Flag, TextList
from crawler.base_spiders.decp_flat import parse_flat_records
from crawler.base_spiders.decp_json import (
    DecpRecordError,
    merge_duplicates,
    parse_decp_document,
)
from crawler.base_spiders.opendatasoft import (
    DATASET,
    DATE_FIELD,
    ID_FIELD,
    WHERE,
    DateWindow,
    OpendatasoftSpider,
)
from vocabulary.errors import SpiderArgumentError
from vocabulary.items import NoticeItem

__all__ = ["DecpFilesSpider", "DecpOpendatasoftSpider"]

ETALAB_LICENCE = "Licence Ouverte / Etalab 2.0"


class DecpFilesSpider(BaseSpider):
    """DECP JSON files; declared by ``[[decp_files]]`` entries (``name``, ``files``)."""

    config_keys: ClassVar[tuple[ConfigKey, ...]] = (
        # read by BaseSpider / RunRecorder
        NAME,
        BASE_URL.optional(),
        LICENCE,
        # read by DecpFilesSpider
        TextList(
            "files",
            "the DECP JSON files: absolute URLs, or paths relative to `base_url`",
            required=True,
            attr="configured_files",
            non_empty=True,
        ),
    )
    source_kind: ClassVar[str] = "dataset"
    licence: ClassVar[str] = ETALAB_LICENCE
    base_url: ClassVar[str] = "https://www.data.gouv.fr"
    configured_files: ClassVar[list[str]] = []

    def __init__(self, *args: Any, files: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._files_arg = [f.strip() for f in str(files).split(",") if f.strip()] if files else []
        self.contracts: list[NoticeItem] = []
        self.files: list[str] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> DecpFilesSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        assert isinstance(spider, DecpFilesSpider)
        spider.files = (
            spider._files_arg
            or list(crawler.settings.getlist("DECP_FILES"))
            or list(spider.configured_files)
        )
        if not spider.files:
            raise SpiderArgumentError(
                "no DECP file configured: set files in its [[decp_files]] entry, "
                "DECP_FILES, or -a files=URL,URL"
            )
        return spider

    def file_request(self, index: int) -> scrapy.Request:
        target = self.files[index]
        url = target if "://" in target else self.portal_url(target)
        return scrapy.Request(
            url,
            callback=self.parse_file,
            errback=self.on_file_error,
            meta={"index": index},
            dont_filter=True,
        )

    async def start(self) -> AsyncIterator[Any]:
        yield self.file_request(0)

    def parse_file(self, response: Response) -> Iterable[Any]:
        label = response.url.rsplit("/", 1)[-1]
        for item in parse_decp_document(response.body, label):
            if isinstance(item, DecpRecordError):
                where = response.url if item.index < 0 else f"{response.url}#marches[{item.index}]"
                self.record_error(where, item.error_kind, item.message, item.record_id)
                continue
            item.source = self.name
            item.fetched_from = response.url
            self.contracts.append(item)
        yield from self._next(response.meta["index"])

    def on_file_error(self, failure: Any) -> Iterable[Any]:
        request = failure.request
        self.record_error(request.url, "request_failed", repr(failure.value)[:500])
        yield from self._next(request.meta["index"])

    def _next(self, index: int) -> Iterable[Any]:
        if index + 1 < len(self.files):
            yield self.file_request(index + 1)
            return
        merged, self.contracts = merge_duplicates(self.contracts), []
        for notice in merged:
            if self.sample_exhausted():
                return
            self.count_notice()
            yield notice


class DecpOpendatasoftSpider(OpendatasoftSpider):
    """A DECP dataset of an Opendatasoft portal (``[[decp_opendatasoft]]`` entries).

    Recipe: the crawl windows on the date the data were PUBLISHED (``datepublicationdonnees``):
    contracts appear weeks to years after their notification, so a window on the notification
    date would never see them. Each window is first probed (``limit=1``) for its size, halved
    while it holds more than ``DECP_EXPORT_MAX_ROWS`` rows, then read whole through
    ``/exports/json`` so that the several rows of one contract (one per modification or
    subcontracting act) are grouped together (:mod:`crawler.base_spiders.decp_flat`).
    ``frozen = true`` (``decp_v3``) leaves the source out of the nightly crawl and makes an
    empty run a normal one.
    """

    config_keys: ClassVar[tuple[ConfigKey, ...]] = (
        # read by BaseSpider / RunRecorder
        NAME,
        BASE_URL,
        LICENCE,
        Flag("frozen", "the dataset no longer changes: read on demand, not nightly"),
        # read by OpendatasoftSpider
        DATASET,
        DATE_FIELD.optional(),
        ID_FIELD.optional(),
        WHERE,
    )
    source_kind: ClassVar[str] = "dataset"
    licence: ClassVar[str] = ETALAB_LICENCE
    frozen: ClassVar[bool] = False
    date_field: ClassVar[str] = "datepublicationdonnees"
    id_field: ClassVar[str] = "id"

    async def start(self) -> AsyncIterator[Any]:
        yield self.probe_request(DateWindow(self.since, self.until))

    def probe_request(self, window: DateWindow) -> scrapy.Request:
        params = self._params(window) | {"limit": 1, "offset": 0}
        return scrapy.Request(
            self.api_url("records", params),
            callback=self.parse_probe,
            errback=self.on_request_error,
            meta={"window": window},
            dont_filter=True,
        )

    def parse_probe(self, response: Response) -> Iterable[Any]:
        window: DateWindow = response.meta["window"]
        payload = self._json(response)
        total = payload.get("total_count") if isinstance(payload, dict) else None
        if not isinstance(total, int) or total < 0:
            if payload is not None:
                self.record_error(response.url, "bad_page", f"total_count is {total!r}")
            return
        if total == 0:
            return
        if total > self.settings.getint("DECP_EXPORT_MAX_ROWS", 20_000) and window.days > 1:
            self.crawler.stats.inc_value("veilleur/ods/windows_split")
            for half in window.halves():
                yield self.probe_request(half)
            return
        yield self.export_request(window)

    def parse_export(self, response: Response) -> Iterable[Any]:
        payload = self._json(response)
        if not isinstance(payload, list):
            if payload is not None:
                self.record_error(response.url, "bad_page", "export is not a JSON list")
            return
        for item in parse_flat_records(payload, self.dataset):
            if isinstance(item, DecpRecordError):
                self.record_error(response.url, item.error_kind, item.message, item.record_id)
                continue
            if self.sample_exhausted():
                return
            item.source = self.name
            item.fetched_from = response.url
            self.count_notice()
            yield item

    def parse_record(self, record: dict[str, Any], response: Response) -> NoticeItem | None:
        raise NotImplementedError("DECP rows are read by whole windows (parse_export)")
