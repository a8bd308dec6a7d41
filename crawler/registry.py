"""Which sources exist: every spider in ``SPIDER_MODULES``, hand-written or configured."""

from __future__ import annotations

from functools import lru_cache

import scrapy
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from vocabulary.errors import UnknownSourceError

__all__ = ["source_names", "spider_class"]


@lru_cache(maxsize=1)
def _loader() -> SpiderLoader:
    return SpiderLoader.from_settings(get_project_settings())


def source_names() -> list[str]:
    """Names of every crawlable source, sorted."""
    return sorted(_loader().list())


def spider_class(name: str) -> type[scrapy.Spider]:
    try:
        return _loader().load(name)
    except KeyError as exc:
        known = ", ".join(source_names())
        raise UnknownSourceError(f"no source named {name!r} (known: {known})") from exc
