"""Sources declared in config files, loaded beside the hand-written spiders.

The files: ``spiders/portals.toml`` (and any ``*.toml`` beside it), then those of the
``VEILLEUR_EXTRA_PORTALS`` setting (the demo's and the tests' replay-only sources). Each
``[[table]]`` entry becomes a spider class through
:func:`crawler.base_spiders.declare.declare`, which checks every key; a bad file or entry
raises :class:`~vocabulary.errors.ConfigError` in one line naming the file, table and key.

``PortalSpiderLoader`` (the ``SPIDER_LOADER_CLASS`` setting) finds the spider modules'
classes as Scrapy's loader does, then adds the declared ones, so ``scrapy crawl NAME``,
``veilleur crawl NAME`` and the source registry see the same sources.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scrapy.settings import BaseSettings
from scrapy.spiderloader import SpiderLoader

from crawler.base_spiders.base import BaseSpider
from crawler.base_spiders.declare import base_for, declare, entry_label
from vocabulary.errors import ConfigError

__all__ = ["PORTAL_FILES", "PortalSpiderLoader", "configured_spiders", "load_portals"]

#: the shipped declaration files
PORTAL_FILES = sorted(Path(__file__).parent.glob("*.toml"))


def _shown(path: Path) -> str:
    """The path as a user typed it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_portals(path: Path) -> list[tuple[str, type[BaseSpider]]]:
    """Every source ``path`` declares, each with where it is declared (for messages)."""
    shown = _shown(path)
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{shown}: cannot be read ({exc.strerror or exc})") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{shown}: not valid TOML ({exc})") from exc
    declared: list[tuple[str, type[BaseSpider]]] = []
    for table, entries in config.items():
        base_for(table, file=shown)
        if not isinstance(entries, list):
            raise ConfigError(f"{shown}: [{table}] is one table; declare sources as [[{table}]]")
        for index, entry in enumerate(entries, 1):
            spider_class = declare(entry, file=shown, table=table, index=index)
            declared.append((entry_label(shown, table, index, entry), spider_class))
    return declared


def configured_spiders(
    files: Iterable[Path], taken: dict[str, Any] | None = None
) -> list[type[BaseSpider]]:
    """The classes ``files`` declare; a name declared twice, or already in ``taken`` (name →
    where), is a ``ConfigError``."""
    where: dict[str, Any] = dict(taken or {})
    classes: list[type[BaseSpider]] = []
    for path in files:
        for label, spider_class in load_portals(path):
            if spider_class.name in where:
                raise ConfigError(
                    f'{label}: key "name" "{spider_class.name}" is already a source '
                    f"({where[spider_class.name]})"
                )
            where[spider_class.name] = label
            classes.append(spider_class)
    return classes


class PortalSpiderLoader(SpiderLoader):
    """Scrapy's spider loader, plus the sources the portal files declare."""

    def __init__(self, settings: BaseSettings) -> None:
        extra = [Path(p) for p in settings.getlist("VEILLEUR_EXTRA_PORTALS") if p]
        self.portal_files = [*PORTAL_FILES, *extra]
        super().__init__(settings)

    def _load_all_spiders(self) -> None:
        super()._load_all_spiders()
        written = {name: f"{cls.__module__}.{cls.__name__}" for name, cls in self._spiders.items()}
        for spider_class in configured_spiders(self.portal_files, taken=written):
            self._spiders[spider_class.name] = spider_class
