"""Rule files (``extract/rules/*.toml``): what a rule and an exclusion are, and how a file is
read and checked. The matching engine is ``extract.rules``; the format is in ``docs/rules.md``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vocabulary.errors import VeilleurError
from vocabulary.terms import CATEGORIES, Category

__all__ = ["SCOPES", "Exclusion", "Rule", "RuleError", "parse_exclusion", "parse_rule"]

#: how far an exclusion reaches: the phrase itself, a window of words, or the whole notice
SCOPES = ("overlap", "window", "notice")


class RuleError(VeilleurError, ValueError):
    """Raised when a rule file is malformed (bad TOML, unknown key, missing id/terms)."""


@dataclass(frozen=True)
class Rule:
    id: str
    category: Category
    weight: float
    terms: tuple[str, ...]
    version: str
    description: str = ""
    fields: tuple[str, ...] = ()
    near: tuple[str, ...] = ()
    window: int = 8
    requires: tuple[str, ...] = ()
    examples_match: tuple[str, ...] = ()
    examples_no_match: tuple[str, ...] = ()


@dataclass(frozen=True)
class Exclusion:
    id: str
    terms: tuple[str, ...]
    scope: str = "overlap"
    applies_to: tuple[str, ...] = ("*",)
    window: int = 6
    description: str = ""
    examples: tuple[str, ...] = ()


def _tuple(raw: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleError(f"{where}: {key} must be a list of strings")
    return tuple(value)


_RULE_KEYS = {
    "id",
    "category",
    "weight",
    "terms",
    "cpv",
    "description",
    "fields",
    "near",
    "window",
    "requires",
    "examples_match",
    "examples_no_match",
}
_EXCL_KEYS = {"id", "terms", "scope", "applies_to", "window", "description", "examples"}


def parse_rule(raw: dict[str, Any], version: str, where: str) -> Rule:
    unknown = set(raw) - _RULE_KEYS
    if unknown or "id" not in raw or "category" not in raw:
        raise RuleError(f"{where}: needs id and category; unknown keys {sorted(unknown)}")
    if raw["category"] not in CATEGORIES:
        raise RuleError(
            f"{where}: category {raw['category']!r} is not one of {', '.join(CATEGORIES)}"
        )
    terms = _tuple(raw, "terms", where) + _tuple(raw, "cpv", where)
    if not terms:
        raise RuleError(f"{where}: rule {raw['id']} has no terms or cpv codes")
    return Rule(
        id=str(raw["id"]),
        category=raw["category"],
        weight=float(raw.get("weight", 1.0)),
        terms=terms,
        version=version,
        description=str(raw.get("description", "")),
        fields=_tuple(raw, "fields", where),
        near=_tuple(raw, "near", where),
        window=int(raw.get("window", 8)),
        requires=_tuple(raw, "requires", where),
        examples_match=_tuple(raw, "examples_match", where),
        examples_no_match=_tuple(raw, "examples_no_match", where),
    )


def parse_exclusion(raw: dict[str, Any], where: str) -> Exclusion:
    unknown = set(raw) - _EXCL_KEYS
    scope = str(raw.get("scope", "overlap"))
    if unknown or "id" not in raw or scope not in SCOPES:
        raise RuleError(
            f"{where}: exclusion needs id, scope in {SCOPES}; unknown {sorted(unknown)}"
        )
    applies = _tuple(raw, "applies_to", where) or ("*",)
    if scope != "overlap" and "*" in applies:
        raise RuleError(f"{where}: a {scope} exclusion must list the rules it applies to")
    return Exclusion(
        id=str(raw["id"]),
        terms=_tuple(raw, "terms", where),
        scope=scope,
        applies_to=applies,
        window=int(raw.get("window", 6)),
        description=str(raw.get("description", "")),
        examples=_tuple(raw, "examples", where),
    )
