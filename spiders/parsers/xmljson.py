"""Reading XML turned into JSON the xmltodict way (``"@attr"``, ``"#text"``, a one-element list
collapsed into its element), as BOAMP's ``donnees`` documents are."""

from __future__ import annotations

from typing import Any

__all__ = ["as_list", "child", "number", "text"]


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def text(value: Any) -> str:
    """The text of a leaf in any rendering: plain string, ``{"#text": …}``, list of those."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict):
        return text(value.get("#text"))
    if isinstance(value, list):
        return " ".join(t for t in (text(v) for v in value) if t)
    return ""


def number(value: Any) -> float | None:
    raw = text(value).replace("\u202f", "").replace(" ", "").replace(",", ".")
    try:
        result = float(raw)
    except ValueError:
        return None
    return result if result == result and abs(result) != float("inf") else None


def child(node: Any, *path: str) -> Any:
    """The node at ``path`` under ``node`` (the first element wherever a list stands)."""
    for name in path:
        if isinstance(node, list):
            node = node[0] if node else None
        if not isinstance(node, dict):
            return None
        node = node.get(name)
    return node
