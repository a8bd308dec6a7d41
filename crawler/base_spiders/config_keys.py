"""The keys a base spider reads from a config entry, stated as small typed descriptors.

Each base lists its keys in ``config_keys``, grouped under ``# read by <Base>`` comments. A key
says its TOML name, the class attribute it sets (the same name unless ``attr`` says otherwise),
whether the entry must give it, and what it means in one line. Its type checks and converts a
value; a key an entry leaves out keeps the base's class attribute, which is therefore the
default (see :func:`default_of`).

:func:`crawler.base_spiders.declare.declare` applies them to every ``portals.toml`` entry, and
``docs/adding-a-portal.md`` lists them (a test keeps the two equal).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, ClassVar

from cssselect import SelectorError
from lxml import etree
from parsel.csstranslator import HTMLTranslator

from vocabulary.terms import NOTICE_KINDS

__all__ = [
    "Choice",
    "ConfigKey",
    "DateFormats",
    "Departements",
    "Flag",
    "Note",
    "PageSelector",
    "SourceName",
    "Text",
    "TextList",
    "TextMap",
    "WholeNumber",
    "default_of",
    "is_xpath",
    "notice_kind_key",
]

_WS = re.compile(r"\s+")
_DEPARTEMENT = re.compile(r"^(0[1-9]|[1-8]\d|9[0-5]|2[AB]|97[1-6])$")
_SOURCE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _one_line(text: object) -> str:
    return _WS.sub(" ", str(text)).strip()


def _shown(value: Any) -> str:
    return f"{type(value).__name__} {_one_line(repr(value))[:60]}"


@dataclass(frozen=True)
class ConfigKey:
    """One key of a config entry: a string unless a subclass says otherwise."""

    name: str
    meaning: str
    required: bool = False
    #: the class attribute the key sets; empty: the key's own name
    attr: str = ""

    label: ClassVar[str] = "string"

    def type_text(self) -> str:
        """The type as the docs name it."""
        return self.label

    @property
    def attribute(self) -> str:
        return self.attr or self.name

    def optional(self) -> ConfigKey:
        """The same key, which an entry may leave out (the base's attribute is the default)."""
        return replace(self, required=False)

    def convert(self, value: Any) -> Any:
        """The class attribute's value for ``value``; ``ValueError`` says what is wrong."""
        if not isinstance(value, str):
            raise ValueError(f"must be a string, not {_shown(value)}")
        return value


@dataclass(frozen=True)
class Text(ConfigKey):
    """A string, optionally of a fixed shape (``pattern``, described by ``shape``, named in the
    docs by ``named``)."""

    pattern: str = ""
    shape: str = ""
    named: str = ""

    def type_text(self) -> str:
        return self.named or self.label

    def convert(self, value: Any) -> Any:
        text = super().convert(value)
        if self.pattern and not re.fullmatch(self.pattern, text):
            raise ValueError(f"must be {self.shape or self.pattern}, not {text[:60]!r}")
        return text


@dataclass(frozen=True)
class SourceName(ConfigKey):
    label: ClassVar[str] = "source name"

    def convert(self, value: Any) -> Any:
        text = super().convert(value)
        if not _SOURCE_NAME.match(text):
            raise ValueError(
                f"must be lower-case letters, digits and _ starting with a letter, not {text!r}"
            )
        return text


@dataclass(frozen=True)
class Choice(ConfigKey):
    choices: tuple[str, ...] = ()

    def type_text(self) -> str:
        return "one of " + ", ".join(f"`{c}`" for c in self.choices)

    def convert(self, value: Any) -> Any:
        text = super().convert(value)
        if text not in self.choices:
            raise ValueError(f"must be one of {', '.join(self.choices)}, not {text!r}")
        return text


def notice_kind_key(meaning: str) -> Choice:
    """The ``kind`` key: every notice of the source is of this kind."""
    return Choice("kind", meaning, choices=tuple(NOTICE_KINDS))


@dataclass(frozen=True)
class WholeNumber(ConfigKey):
    minimum: int = 1

    label: ClassVar[str] = "whole number"

    def convert(self, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"must be a whole number, not {_shown(value)}")
        if value < self.minimum:
            raise ValueError(f"must be at least {self.minimum}, not {value}")
        return value


@dataclass(frozen=True)
class Flag(ConfigKey):
    """``true`` or ``false``."""

    label: ClassVar[str] = "true or false"

    def convert(self, value: Any) -> Any:
        if not isinstance(value, bool):
            raise ValueError(f"must be true or false, not {_shown(value)}")
        return value


@dataclass(frozen=True)
class TextList(ConfigKey):
    """A list of strings; ``non_empty``: at least one."""

    non_empty: bool = False

    label: ClassVar[str] = "list of strings"

    def convert(self, value: Any) -> Any:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"must be a list of strings, not {_shown(value)}")
        if self.non_empty and not value:
            raise ValueError("must list at least one value")
        return list(value)


@dataclass(frozen=True)
class Departements(TextList):
    label: ClassVar[str] = "list of département codes"

    def convert(self, value: Any) -> Any:
        codes: list[str] = super().convert(value)
        wrong = [c for c in codes if not _DEPARTEMENT.match(c)]
        if wrong:
            raise ValueError(f"holds {wrong[0]!r}, not a département code (01…95, 2A, 2B, 971…976)")
        return codes


@dataclass(frozen=True)
class TextMap(ConfigKey):
    """A table of strings; ``allowed``: the only keys it may hold."""

    allowed: tuple[str, ...] = ()

    label: ClassVar[str] = "table of strings"

    def convert(self, value: Any) -> Any:
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise ValueError(f"must be a table of strings, not {_shown(value)}")
        wrong = sorted(k for k in value if self.allowed and k not in self.allowed)
        if wrong:
            raise ValueError(f"holds {wrong[0]!r}, which is none of {', '.join(self.allowed)}")
        return dict(value)


@dataclass(frozen=True)
class DateFormats(ConfigKey):
    label: ClassVar[str] = "strptime pattern or list of them"

    def convert(self, value: Any) -> Any:
        formats = [value] if isinstance(value, str) else value
        if not isinstance(formats, list) or not all(isinstance(f, str) for f in formats):
            raise ValueError(f"must be a string or a list of strings, not {_shown(value)}")
        wrong = [f for f in formats if "%" not in f]
        if wrong:
            raise ValueError(f"holds {wrong[0]!r}, which has no strptime directive (%d, %m …)")
        return list(formats)


def is_xpath(selector: str) -> bool:
    """Selectors starting with ``/``, ``./`` or ``(`` are XPath; the others CSS."""
    return selector.startswith(("/", "./", "("))


_CSS = HTMLTranslator()


@dataclass(frozen=True)
class PageSelector(ConfigKey):
    """A CSS selector, or an XPath expression when it starts with ``/``, ``./`` or ``(``;
    checked when the config loads, so a typo fails before any page is fetched."""

    label: ClassVar[str] = "CSS or XPath selector"

    def convert(self, value: Any) -> Any:
        selector = super().convert(value)
        if is_xpath(selector):
            try:
                etree.XPath(selector)
            except etree.XPathError as exc:
                raise ValueError(f"is not a valid XPath expression: {_one_line(exc)}") from exc
            return selector
        try:
            _CSS.css_to_xpath(selector)
        except SelectorError as exc:
            raise ValueError(f"is not a valid CSS selector: {_one_line(exc)}") from exc
        return selector


@dataclass(frozen=True)
class Note(ConfigKey):
    """A note for the people maintaining the entry; the crawl never reads it."""

    label: ClassVar[str] = "date or string"

    def convert(self, value: Any) -> Any:
        if not isinstance(value, str | date):
            raise ValueError(f"must be a date or a string, not {_shown(value)}")
        return value


def default_of(base: type, key: ConfigKey) -> str:
    """How the docs show the value a base keeps when an entry leaves ``key`` out."""
    if key.required:
        return "required"
    value = getattr(base, key.attribute, None)
    if value is None or value == "" or isinstance(key, Note):
        return "—"
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, Sequence) and not value:
        return "`[]`"
    if isinstance(value, dict) and not value:
        return "`{}`"
    return f"`{value!r}`"
