"""One way to declare a source: :func:`declare` builds a spider class from a config entry.

The entry's table name picks the base (``BASES``); every key is checked against the keys the
base states in ``config_keys`` (unknown, missing, wrong type, bad selector syntax) when the
config loads, and a bad entry raises :class:`~vocabulary.errors.ConfigError` with one line
naming the file, the table, the entry and the key. ``spiders/configured.py`` reads the TOML files
and calls :func:`declare` for every entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from crawler.base_spiders.base import BaseSpider
from crawler.base_spiders.config_keys import ConfigKey, default_of
from crawler.base_spiders.csv_files import CsvDeliberationsSpider
from crawler.base_spiders.decp import DecpFilesSpider, DecpOpendatasoftSpider
from crawler.base_spiders.html_listing import HtmlListingSpider
from crawler.base_spiders.opendatasoft import ConfiguredOpendatasoftSpider
from crawler.base_spiders.prefecture import PrefectureRaaSpider
from crawler.base_spiders.scdl import ScdlDatagouvSpider
from crawler.base_spiders.scdl_catalogue import ScdlCatalogueSpider
from vocabulary.errors import ConfigError

__all__ = ["BASES", "base_for", "declare", "entry_label", "key_rows", "missing_keys"]

#: config table name → the base its entries declare sources over
BASES: dict[str, type[BaseSpider]] = {
    "opendatasoft": ConfiguredOpendatasoftSpider,
    "decp_opendatasoft": DecpOpendatasoftSpider,
    "decp_files": DecpFilesSpider,
    "scdl_datagouv": ScdlDatagouvSpider,
    "scdl_catalogue": ScdlCatalogueSpider,
    "csv_deliberations": CsvDeliberationsSpider,
    "html_listing": HtmlListingSpider,
    "prefecture_raa": PrefectureRaaSpider,
}


def base_for(table: str, *, file: str | Path) -> type[BaseSpider]:
    """The base ``[[table]]`` entries declare sources over; ``ConfigError`` for another name."""
    base = BASES.get(table)
    if base is None:
        known = ", ".join(f"[[{t}]]" for t in sorted(BASES))
        raise ConfigError(f"{file}: unknown table [[{table}]] (known tables: {known})")
    return base


def entry_label(file: str | Path, table: str, index: int | None, entry: Any) -> str:
    """``FILE: [[table]] entry N ("name")``: where a config entry is, for error messages."""
    where = f"{file}: [[{table}]]"
    if index is not None:
        where += f" entry {index}"
    name = entry.get("name") if isinstance(entry, Mapping) else None
    if isinstance(name, str) and name:
        where += f' ("{name}")'
    return where


def declare(
    entry: Mapping[str, Any], *, file: str | Path, table: str, index: int | None = None
) -> type[BaseSpider]:
    """The spider class an entry of ``[[table]]`` in ``file`` declares (``index``: its position
    in the table, from 1, for the message); raises ``ConfigError`` for a bad entry."""
    base = base_for(table, file=file)
    where = entry_label(file, table, index, entry)
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{where}: an entry must be a table of keys, not {type(entry).__name__}")
    keys = {key.name: key for key in base.config_keys}
    for name in entry:
        if name not in keys:
            known = ", ".join(sorted(keys))
            raise ConfigError(f'{where}: unknown key "{name}" (known keys: {known})')
    for key in base.config_keys:
        if key.required and key.name not in entry:
            raise ConfigError(f'{where}: missing required key "{key.name}"')
    attrs: dict[str, Any] = {}
    for key in base.config_keys:
        if key.name not in entry:
            continue  # the base's class attribute is the default
        try:
            attrs[key.attribute] = key.convert(entry[key.name])
        except ValueError as exc:
            raise ConfigError(f'{where}: key "{key.name}" {exc}') from exc
    attrs["__module__"] = base.__module__
    attrs["__doc__"] = f"{base.__name__} declared by [[{table}]] in {file}."
    return type(f"Configured_{entry['name']}", (base,), attrs)


def missing_keys(spider_class: type[BaseSpider]) -> list[str]:
    """Required keys of ``spider_class``'s base that it leaves empty (a hand-written spider)."""
    return [
        key.name
        for key in spider_class.config_keys
        if key.required and getattr(spider_class, key.attribute, None) in (None, "", [], {})
    ]


def key_rows(base: type[BaseSpider]) -> list[str]:
    """One Markdown table row per key of ``base``, as ``docs/adding-a-portal.md`` lists them."""
    return [_row(base, key) for key in base.config_keys]


def _row(base: type[BaseSpider], key: ConfigKey) -> str:
    return f"| `{key.name}` | {key.type_text()} | {default_of(base, key)} | {key.meaning} |"
