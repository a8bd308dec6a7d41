"""Which sources exist: every spider the project's spider loader finds (``SPIDER_LOADER_CLASS``):
the hand-written ones of ``SPIDER_MODULES`` and those the portal files declare."""

from __future__ import annotations

from functools import lru_cache

import scrapy
from scrapy.spiderloader import SpiderLoaderProtocol, get_spider_loader
from scrapy.utils.project import get_project_settings

from vocabulary.errors import UnknownSourceError

__all__ = ["nightly_source_names", "source_names", "spider_class"]


@lru_cache(maxsize=1)
def _loader() -> SpiderLoaderProtocol:
    return get_spider_loader(get_project_settings())


def source_names() -> list[str]:
    """Names of every crawlable source, sorted."""
    return sorted(_loader().list())


def spider_class(name: str) -> type[scrapy.Spider]:
    try:
        return _loader().load(name)
    except KeyError as exc:
        known = ", ".join(source_names())
        raise UnknownSourceError(f"no source named {name!r} (known: {known})") from exc


def nightly_source_names() -> list[str]:
    """The sources a nightly crawl reads: all but the frozen ones (a dataset that no longer
    changes, such as ``decp_v3``, is read once with ``veilleur crawl NAME --since …``)."""
    return [n for n in source_names() if not getattr(spider_class(n), "frozen", False)]
