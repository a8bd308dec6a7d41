"""The catalogue of documents to ask for (``catalogue.toml``), and the choice for a notice.

A notice's kind brings the procurement documents that are communicable at its stage (before
the award only the consultation documents; after signature the contract, prices, analysis
report and technical offer); its flagged categories add what surveillance technology brings
(the prefect's authorisation, the departmental commission's opinion, the impact assessment).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from letters.model import Ask
from vocabulary.errors import ConfigError
from vocabulary.terms import CATEGORIES, NOTICE_KINDS

__all__ = ["CATALOGUE", "Entry", "catalogue", "choose", "offered"]

CATALOGUE = Path(__file__).with_name("catalogue.toml")


@dataclass(frozen=True)
class Entry:
    key: str
    label: str
    why: str
    kinds: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    default: bool = False

    def applies(self, kind: str, categories: Iterable[str]) -> bool:
        return kind in self.kinds or not self.categories.isdisjoint(categories)

    def ask(self) -> Ask:
        return Ask(self.key, self.label)


def _strings(raw: dict[str, object], key: str) -> frozenset[str]:
    value = raw.get(key, [])
    return frozenset(str(v) for v in value) if isinstance(value, list) else frozenset()


def _entry(raw: dict[str, object], where: str) -> Entry:
    try:
        entry = Entry(
            key=str(raw["key"]),
            label=str(raw["label"]),
            why=str(raw.get("why", "")),
            kinds=_strings(raw, "kinds"),
            categories=_strings(raw, "categories"),
            default=bool(raw.get("default", False)),
        )
    except KeyError as exc:
        raise ConfigError(f"{where}: missing key {exc}") from exc
    if unknown := entry.kinds - set(NOTICE_KINDS):
        raise ConfigError(f"{where} ({entry.key}): unknown kinds {sorted(unknown)}")
    if unknown := entry.categories - set(CATEGORIES):
        raise ConfigError(f"{where} ({entry.key}): unknown categories {sorted(unknown)}")
    if not (entry.kinds or entry.categories):
        raise ConfigError(f"{where} ({entry.key}): names neither kinds nor categories")
    return entry


def load(path: Path = CATALOGUE) -> tuple[Entry, ...]:
    """Read and check a catalogue file; a bad entry raises :class:`ConfigError` naming it."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    entries = tuple(
        _entry(raw, f"{path.name} [[document]] #{i}")
        for i, raw in enumerate(data.get("document", []), 1)
    )
    keys = [e.key for e in entries]
    if len(keys) != len(set(keys)):
        raise ConfigError(f"{path.name}: duplicate keys")
    return entries


@cache
def catalogue() -> tuple[Entry, ...]:
    return load()


def offered(kind: str, categories: Iterable[str]) -> list[Entry]:
    """Every document that makes sense for a notice of ``kind`` flagged in ``categories``,
    kind documents first, in catalogue order."""
    cats = list(categories)
    return [e for e in catalogue() if e.applies(kind, cats)]


def choose(kind: str, categories: Iterable[str], keys: Iterable[str] | None = None) -> list[Ask]:
    """The documents of a new request: the defaults for the notice, or exactly ``keys`` (any
    catalogue key, in catalogue order). An unknown key raises :class:`ConfigError`."""
    if keys is None:
        return [e.ask() for e in offered(kind, categories) if e.default]
    wanted = set(keys)
    known = {e.key for e in catalogue()}
    if unknown := wanted - known:
        raise ConfigError(f"unknown document(s): {', '.join(sorted(unknown))}")
    return [e.ask() for e in catalogue() if e.key in wanted]
