"""Spiders declared in ``portals.toml`` (and any ``*.toml`` beside it listing sources).

Each ``[[opendatasoft]]`` entry becomes a ``ConfiguredOpendatasoftSpider`` subclass; further
entry types register their builders in ``BUILDERS``. Scrapy's spider loader finds the classes as
members of this module.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import scrapy

from crawler.base_spiders.opendatasoft import ConfiguredOpendatasoftSpider

__all__ = ["BUILDERS", "CONFIG_FILES", "configured_spiders"]

CONFIG_FILES = sorted(Path(__file__).parent.glob("*.toml"))

_ODS_KEYS = {
    "name",
    "base_url",
    "dataset",
    "date_field",
    "id_field",
    "kind",
    "licence",
    "document_fields",
    "field_map",
    "where",
    "select",
    "url_template",
    "source_kind",
}


def _opendatasoft(entry: dict[str, Any]) -> type[scrapy.Spider]:
    unknown = set(entry) - _ODS_KEYS
    missing = {"name", "base_url", "dataset", "date_field", "id_field"} - set(entry)
    if unknown or missing:
        raise ValueError(
            f"opendatasoft entry {entry.get('name')!r}: unknown keys {sorted(unknown)}, "
            f"missing keys {sorted(missing)}"
        )
    attrs = {
        "name": entry["name"],
        "base_url": entry["base_url"],
        "dataset": entry["dataset"],
        "date_field": entry["date_field"],
        "id_field": entry["id_field"],
        "kind": entry.get("kind", "other"),
        "licence": entry.get("licence", ""),
        "source_kind": entry.get("source_kind", "dataset"),
        "document_fields": list(entry.get("document_fields", [])),
        "field_map": dict(entry.get("field_map", {})),
        "where": entry.get("where"),
        "select": entry.get("select"),
        "url_template": entry.get("url_template", ""),
        "__module__": __name__,
        "__doc__": f"Opendatasoft dataset {entry['dataset']} on {entry['base_url']} (portals.toml).",
    }
    return type(f"Configured_{entry['name']}", (ConfiguredOpendatasoftSpider,), attrs)


#: entry table name → class builder; other bases add theirs here
BUILDERS: dict[str, Callable[[dict[str, Any]], type[scrapy.Spider]]] = {
    "opendatasoft": _opendatasoft,
}


def configured_spiders(files: list[Path] | None = None) -> list[type[scrapy.Spider]]:
    classes: list[type[scrapy.Spider]] = []
    for path in files if files is not None else CONFIG_FILES:
        with path.open("rb") as handle:
            config = tomllib.load(handle)
        for table, builder in BUILDERS.items():
            for entry in config.get(table, []):
                classes.append(builder(entry))
    return classes


for _spider_class in configured_spiders():
    globals()[_spider_class.__name__] = _spider_class
