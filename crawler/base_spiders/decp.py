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
    (``acheteur_id``, ``titulaire_id_1`` …) are reshaped into the JSON format's tree.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any, ClassVar

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.base_spiders.base import BASE_URL, LICENCE, NAME, BaseSpider
from crawler.base_spiders.config_keys import ConfigKey, TextList
from crawler.base_spiders.decp_json import (
    DecpRecordError,
    merge_duplicates,
    parse_decp_document,
    parse_decp_record,
)
from crawler.base_spiders.opendatasoft import (
    DATASET,
    DATE_FIELD,
    ID_FIELD,
    WHERE,
    OpendatasoftSpider,
)
from vocabulary.errors import BadRecordError, SpiderArgumentError
from vocabulary.items import NoticeItem

__all__ = ["DecpFilesSpider", "DecpOpendatasoftSpider", "flat_to_decp"]

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


def _first(record: dict[str, Any], *names: str) -> Any:
    for name in names:
        value = record.get(name)
        if value not in (None, ""):
            return value
    return None


def flat_to_decp(record: dict[str, Any]) -> dict[str, Any]:
    """A flat data.economie.gouv.fr DECP record reshaped as the regulatory JSON tree."""
    titulaires = []
    for n in range(1, 4):
        ident = _first(record, f"titulaire_id_{n}", f"titulaire_siret_{n}")
        name = _first(
            record, f"titulaire_denominationsociale_{n}", f"titulaire_denominationSociale_{n}"
        )
        if ident or name:
            titulaires.append(
                {
                    "id": ident,
                    "denominationSociale": name or ident,
                    "typeIdentifiant": _first(record, f"titulaire_typeidentifiant_{n}"),
                }
            )
    tree: dict[str, Any] = {
        "id": _first(record, "id", "uid"),
        "acheteur": {
            "id": _first(record, "acheteur_id", "acheteur.id"),
            "nom": _first(record, "acheteur_nom", "acheteur.nom"),
        },
        "nature": record.get("nature"),
        "objet": record.get("objet"),
        "codeCPV": _first(record, "codecpv", "codeCPV", "cpv"),
        "procedure": record.get("procedure"),
        "dureeMois": _first(record, "dureemois", "dureeMois"),
        "dateNotification": _first(record, "datenotification", "dateNotification"),
        "datePublicationDonnees": _first(
            record, "datepublicationdonnees", "datePublicationDonnees"
        ),
        "montant": record.get("montant"),
        "lieuExecution": {
            "code": _first(
                record, "lieuexecution_code", "lieu_execution_code", "lieuExecution.code"
            ),
            "typeCode": _first(
                record,
                "lieuexecution_typecode",
                "lieu_execution_type_code",
                "lieuExecution.typeCode",
            ),
        },
        "titulaires": titulaires,
        "modifications": [],
        "source": record.get("source"),
    }
    if _first(record, "objetmodification", "idmodification"):
        tree["modifications"].append(
            {
                "objetModification": record.get("objetmodification"),
                "montant": record.get("montantmodification"),
                "dureeMois": record.get("dureemoismodification"),
            }
        )
    return tree


class DecpOpendatasoftSpider(OpendatasoftSpider):
    """A DECP dataset of an Opendatasoft portal (``[[decp_opendatasoft]]`` entries)."""

    config_keys: ClassVar[tuple[ConfigKey, ...]] = (
        # read by BaseSpider / RunRecorder
        NAME,
        BASE_URL,
        LICENCE,
        # read by OpendatasoftSpider
        DATASET,
        DATE_FIELD.optional(),
        ID_FIELD.optional(),
        WHERE,
    )
    source_kind: ClassVar[str] = "dataset"
    licence: ClassVar[str] = ETALAB_LICENCE
    date_field: ClassVar[str] = "datenotification"
    id_field: ClassVar[str] = "id"

    def parse_record(self, record: dict[str, Any], response: Response) -> NoticeItem | None:
        try:
            notice = parse_decp_record(flat_to_decp(record), self.dataset)
        except ValueError as exc:
            raise BadRecordError(str(exc)) from exc
        notice.source = self.name
        notice.raw = record
        return notice
