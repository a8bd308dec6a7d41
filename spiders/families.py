"""Families of sources: how one response body, as the portal serves it, becomes notices.

``FAMILIES`` maps a family name to a function reading one body (bytes) into notices and the
problems met; the spiders read their responses with the same functions, so what
``veilleur parse SOURCE FILE`` prints is what a crawl would store. A configured source belongs
to the family of its base (``family_of``) and passes its class as ``ParseContext.config``
(a listing's selectors, a city export's column map). Adding a family is one entry.

Pure of crawl state: no request is made, nothing is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from scrapy.http import HtmlResponse

from crawler.base_spiders.csv_files import CsvDeliberationsSpider
from crawler.base_spiders.csv_rows import CsvProblem, read_deliberations
from crawler.base_spiders.decp import DecpFilesSpider, DecpOpendatasoftSpider
from crawler.base_spiders.decp_flat import parse_flat_records
from crawler.base_spiders.decp_json import DecpRecordError, parse_decp_document
from crawler.base_spiders.html_listing import (
    HtmlListingSpider,
    ListingProblem,
    decode_listing,
    listing_rows,
)
from crawler.base_spiders.opendatasoft import ConfiguredOpendatasoftSpider
from crawler.base_spiders.scdl import ScdlDatagouvSpider
from crawler.base_spiders.scdl_catalogue import ScdlCatalogueSpider
from spiders.boamp import BoampSpider, boamp_notice
from spiders.parsers.ted_xml import XMLError, parse_ted_xml
from spiders.ted import TedSpider, notice_from_hit
from vocabulary.errors import BadRecordError, VeilleurError
from vocabulary.items import DocumentRef, NoticeItem

__all__ = [
    "FAMILIES",
    "ParseContext",
    "ParseError",
    "ParseProblem",
    "family_of",
    "notice_json",
]


class ParseError(VeilleurError):
    """Raised when a body cannot be read at all as the family's format (not JSON, no records …)."""


@dataclass(frozen=True)
class ParseProblem:
    """A record or row that could not become a notice; ``where`` locates it in the body."""

    where: str
    kind: str
    message: str
    record_id: str | None = None


@dataclass(frozen=True)
class ParseContext:
    """``url``: where the body was served from; ``source``: the name notices get;
    ``config``: the configured source's class, when there is one."""

    url: str
    source: str
    config: Any = None
    options: dict[str, Any] = field(default_factory=dict)


Parsed = Iterator[NoticeItem | ParseProblem]
Family = Callable[[bytes, ParseContext], Parsed]


def _json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(f"not JSON: {exc}") from exc


def _records(payload: Any, what: str) -> list[Any]:
    """The records of an Opendatasoft answer: a records page, an export list, or one record."""
    if isinstance(payload, dict) and isinstance(payload.get("results"), list):
        return list(payload["results"])
    if isinstance(payload, list):
        return payload
    raise ParseError(f"not {what}: expected a records page ({{total_count, results}}) or a list")


def parse_boamp(body: bytes, ctx: ParseContext) -> Parsed:
    """A BOAMP records page or ``/exports/json`` answer."""
    for index, record in enumerate(_records(_json(body), "BOAMP records")):
        try:
            if not isinstance(record, dict):
                raise BadRecordError("record is not an object")
            yield boamp_notice(record, ctx.source)
        except BadRecordError as exc:
            yield ParseProblem(f"results[{index}]", "bad_record", str(exc))


def parse_ted(body: bytes, ctx: ParseContext) -> Parsed:
    """A TED search answer (JSON: one notice per hit) or one notice's XML."""
    if body.lstrip()[:1] == b"<":
        try:
            notice = parse_ted_xml(body, ctx.url)
        except XMLError as exc:
            raise ParseError(f"{exc.kind}: {exc}") from exc
        notice.source = ctx.source
        yield notice
        return
    payload = _json(body)
    if not isinstance(payload, dict) or not isinstance(payload.get("notices"), list):
        raise ParseError("not a TED search answer: no 'notices' list")
    if payload.get("timedOut") is True:
        yield ParseProblem("", "search_timed_out", "the answer says timedOut: it may be partial")
    for index, hit in enumerate(payload["notices"]):
        found = notice_from_hit(hit) if isinstance(hit, dict) else None
        if found is None or not found.source_id:
            yield ParseProblem(f"notices[{index}]", "bad_record", "hit without publication-number")
            continue
        found.source = ctx.source
        yield found


def parse_decp(body: bytes, ctx: ParseContext) -> Parsed:
    """A DECP JSON file (``{"marches": …}``, 2019 or 2022 format) or an Opendatasoft records
    page / export of the ministry's flat datasets."""
    payload = _json(body)
    label = ctx.url.rsplit("/", 1)[-1]
    if isinstance(payload, dict) and "marches" in payload:
        items: Any = parse_decp_document(payload, label)
    else:
        items = parse_flat_records(_records(payload, "a DECP file or dataset answer"), label)
    for item in items:
        if isinstance(item, DecpRecordError):
            where = "" if item.index < 0 else f"[{item.index}]"
            if item.error_kind in ("malformed_json", "unknown_shape"):
                raise ParseError(item.message)
            yield ParseProblem(where, item.error_kind, item.message, item.record_id)
            continue
        item.source = ctx.source
        yield item


def parse_csv(body: bytes, ctx: ParseContext) -> Parsed:
    """An SCDL deliberations CSV, or a city export whose columns the source's entry maps."""
    config = ctx.config
    columns = getattr(config, "columns", None) or None
    fixed = {
        name: getattr(config, name)
        for name in ("buyer_name", "buyer_siret", "departements")
        if getattr(config, name, None)
    }
    for item in read_deliberations(
        body,
        source=ctx.source,
        file_url=ctx.url,
        columns=columns,
        fixed=fixed,
        date_formats=tuple(getattr(config, "date_format", ()) or ()),
    ):
        if isinstance(item, CsvProblem):
            yield ParseProblem(item.where, item.kind, item.message, item.record_id)
        else:
            yield item


def parse_listing(body: bytes, ctx: ParseContext) -> Parsed:
    """A council listing page, read with a configured ``[[html_listing]]`` source's selectors."""
    if ctx.config is None or not issubclass(ctx.config, HtmlListingSpider):
        raise ParseError(
            "a listing page is read with a configured source's selectors: give its name"
        )
    page = decode_listing(HtmlResponse(url=ctx.url, body=body))
    for item in listing_rows(page, ctx.config):
        if isinstance(item, ListingProblem):
            yield ParseProblem(item.url, item.kind, item.message, item.record_id)
        else:
            item.source = ctx.source
            yield item


def parse_raa(body: bytes, ctx: ParseContext) -> Parsed:
    """One prefecture recueil (PDF, or its extracted text): one notice per act, as the acts
    pipeline makes them (pages spanned and details under ``act``)."""
    import hashlib

    from crawler.pipelines.acts import act_notice
    from extract.documents import extract_document
    from extract.raa import is_nominative, split_bundle

    result = extract_document(body, name=ctx.url)
    if not result.pages:
        raise ParseError(f"not a readable recueil: {result.reason or result.status}")
    ref = DocumentRef(
        url=ctx.url,
        sha256=hashlib.sha256(body).hexdigest(),
        status=result.status,
        page_count=result.page_count,
        pages=list(result.pages),
    )
    config = ctx.config
    info = {
        "prefecture": getattr(config, "prefecture", None),
        "departements": list(getattr(config, "departements", []) or []),
    }
    bundle = NoticeItem(ctx.source, ctx.url, "authorisation", "", ctx.url, documents=[ref])
    acts = split_bundle(ref.pages)
    if not acts:
        raise ParseError("no act id (such as 83-2025-01-21-00003) in the recueil")
    if is_nominative(ref.pages[0].text):
        yield ParseProblem(
            "", "nominative", "a nominative recueil: the crawl keeps only acts the rules flag"
        )
    for act in acts:
        yield act_notice(bundle, ref, act, info)


def parse_raa_page(body: bytes, ctx: ParseContext) -> Parsed:
    """A page of a prefecture's RAA site, read with a ``[[prefecture_raa]]`` entry's selectors:
    the bundles it lists (every date: no window)."""
    from datetime import date

    from crawler.base_spiders.prefecture import PrefectureRaaSpider, read_raa_page

    if ctx.config is None or not issubclass(ctx.config, PrefectureRaaSpider):
        raise ParseError(
            "a RAA page is read with a configured prefecture's selectors: give its name"
        )
    page = decode_listing(HtmlResponse(url=ctx.url, body=body))
    for kind, value in read_raa_page(page, ctx.config, date.min, date.max):
        if kind == "page":
            yield ParseProblem(str(value), "follows", "a page the crawl would read next")
        else:
            yield value


def parse_opendatasoft(body: bytes, ctx: ParseContext) -> Parsed:
    """A records page of a dataset a ``[[opendatasoft]]`` entry maps."""
    if ctx.config is None or not issubclass(ctx.config, ConfiguredOpendatasoftSpider):
        raise ParseError("an Opendatasoft page is read with a configured source's field map")
    from crawler.base_spiders.fields import notice_from_mapping

    for index, record in enumerate(_records(_json(body), "Opendatasoft records")):
        try:
            yield notice_from_mapping(
                source=ctx.source,
                kind=ctx.config.kind,
                record=record,
                field_map=ctx.config.field_map,
                document_fields=ctx.config.document_fields,
                url_template=ctx.config.url_template,
                fallback_url=ctx.url,
            )
        except (BadRecordError, ValueError, TypeError) as exc:
            yield ParseProblem(f"results[{index}]", "bad_record", str(exc))


#: family name → the function reading one body of that family
FAMILIES: dict[str, Family] = {
    "boamp": parse_boamp,
    "ted": parse_ted,
    "decp": parse_decp,
    "scdl": parse_csv,
    "listing": parse_listing,
    "opendatasoft": parse_opendatasoft,
    "raa": parse_raa,
    "raa_page": parse_raa_page,
}

#: base classes of sources → their family (most specific first)
_BASES: tuple[tuple[type, str], ...] = (
    (BoampSpider, "boamp"),
    (TedSpider, "ted"),
    (DecpFilesSpider, "decp"),
    (DecpOpendatasoftSpider, "decp"),
    (ScdlDatagouvSpider, "scdl"),
    (ScdlCatalogueSpider, "scdl"),
    (CsvDeliberationsSpider, "scdl"),
    (HtmlListingSpider, "listing"),
    (ConfiguredOpendatasoftSpider, "opendatasoft"),
)


def family_of(spider_class: type) -> str | None:
    """The family a source's class belongs to (``None``: none reads single bodies)."""
    declared = getattr(spider_class, "parse_family", None)
    if isinstance(declared, str):
        return declared
    for base, name in _BASES:
        if issubclass(spider_class, base):
            return name
    return None


def notice_json(item: NoticeItem) -> dict[str, Any]:
    """The fields ``veilleur parse`` prints, dates in ISO 8601 (a deadline with its offset)."""
    return {
        "source": item.source,
        "source_id": item.source_id,
        "kind": item.kind,
        "title": item.title,
        "url": item.url,
        "buyer_name": item.buyer_name,
        "buyer_siret": item.buyer_siret,
        "departements": item.departements,
        "publication_departements": item.publication_departements,
        "commune_insee": item.commune_insee,
        "published_at": item.published_at.isoformat() if item.published_at else None,
        "deadline_at": item.deadline_at.isoformat() if item.deadline_at else None,
        "estimated_value": item.estimated_value,
        "estimated_value_low": item.estimated_value_low,
        "currency": item.currency,
        "cpv_codes": item.cpv_codes,
        "awardees": item.awardees,
        "related_ids": item.related_ids,
        "procedure_key": item.procedure_key,
        "documents": [d.url for d in item.documents],
        "warnings": item.warnings,
        **({"act": item.raw["raa_act"]} if "raa_act" in item.raw else {}),
    }
