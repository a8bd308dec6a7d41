"""Rule files (``extract/rules/*.toml``): what a rule and an exclusion are, and how a file is
read and checked. The matching engine is ``extract.rules``; the format is in ``docs/rules.md``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vocabulary.errors import VeilleurError
from vocabulary.terms import CATEGORIES, Category

__all__ = [
    "CONTEXT_SCOPES",
    "SCOPES",
    "Exclusion",
    "Negation",
    "Rule",
    "RuleError",
    "parse_exclusion",
    "parse_negation",
    "parse_rule",
]

#: how far an exclusion reaches: the phrase itself, a window of words, or the whole notice
SCOPES = ("overlap", "window", "notice")
#: where a rule's ``context`` words must be: the same field, the same document (any page, or the
#: notice's own fields), or anywhere in the notice
CONTEXT_SCOPES = ("field", "document", "notice")


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
    context: tuple[str, ...] = ()
    context_scope: str = "notice"
    negatable: bool = True


@dataclass(frozen=True)
class Negation:
    """Words that negate what follows them ("hors vidéoprotection", "il ne s'agit pas de
    reconnaissance faciale"): rule hits within ``window`` words after a cue, in the same
    sentence and before a word of ``stop``, are neutralised. A cue inside a phrase of
    ``except`` ("hors taxes") negates nothing."""

    id: str
    terms: tuple[str, ...]
    window: int = 8
    stop: tuple[str, ...] = ()
    except_: tuple[str, ...] = ()
    description: str = ""
    examples: tuple[str, ...] = ()
    examples_kept: tuple[str, ...] = ()


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
    "context",
    "context_scope",
    "negatable",
}
_NEG_KEYS = {"id", "terms", "window", "stop", "except", "description", "examples", "examples_kept"}
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
        context=_tuple(raw, "context", where),
        context_scope=_context_scope(raw, where),
        negatable=bool(raw.get("negatable", True)),
    )


def _context_scope(raw: dict[str, Any], where: str) -> str:
    scope = str(raw.get("context_scope", "notice"))
    if scope not in CONTEXT_SCOPES:
        raise RuleError(f"{where}: context_scope must be one of {CONTEXT_SCOPES}")
    if "context_scope" in raw and not raw.get("context"):
        raise RuleError(f"{where}: context_scope without context words")
    return scope


def parse_negation(raw: dict[str, Any], where: str) -> Negation:
    unknown = set(raw) - _NEG_KEYS
    if unknown or "id" not in raw or not raw.get("terms"):
        raise RuleError(f"{where}: negation needs id and terms; unknown keys {sorted(unknown)}")
    return Negation(
        id=str(raw["id"]),
        terms=_tuple(raw, "terms", where),
        window=int(raw.get("window", 8)),
        stop=_tuple(raw, "stop", where),
        except_=_tuple(raw, "except", where),
        description=str(raw.get("description", "")),
        examples=_tuple(raw, "examples", where),
        examples_kept=_tuple(raw, "examples_kept", where),
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
