"""The desk's queue: the notice list of :mod:`db.notice_list`, read from and written back to
the query string (the same arguments drive the queue, its pages and its exports).

The argument names are the desk's own (``status``, ``date_from``, ``q`` …) so bookmarked
URLs keep working; a value the list refuses raises :class:`~vocabulary.errors.FilterError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from datetime import date

from db.notice_list import NoticeFilters
from vocabulary.errors import FilterError

__all__ = ["QUERY_ARGS", "filter_args", "filters_from_args"]

#: query-string argument -> (NoticeFilters field, longest value kept)
QUERY_ARGS = {
    "status": ("verdict", 30),
    "category": ("category", 50),
    "departement": ("departement", 3),
    "buyer": ("buyer", 200),
    "source": ("source", 100),
    "kind": ("kind", 30),
    "date_from": ("published_from", 10),
    "date_to": ("published_to", 10),
    "min_score": ("min_score", 20),
    "q": ("query", 300),
    "unflagged": ("include_unflagged", 5),
}
_ARG_OF = {name: arg for arg, (name, _limit) in QUERY_ARGS.items()}


def _date(arg: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FilterError(f"{arg}: {value!r} is not a date (YYYY-MM-DD)") from None


def _score(arg: str, value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise FilterError(f"{arg}: {value!r} is not a number") from None


def filters_from_args(args: Mapping[str, str]) -> NoticeFilters:
    """The filters the analyst asked for (query-string arguments are never trusted further)."""
    values: dict[str, object] = {}
    for arg, (name, limit) in QUERY_ARGS.items():
        value = (args.get(arg) or "").strip()[:limit]
        if not value:
            continue
        if name in ("published_from", "published_to"):
            values[name] = _date(arg, value)
        elif name == "min_score":
            values[name] = _score(arg, value)
        elif name == "include_unflagged":
            values[name] = value in ("1", "on", "true")
        else:
            values[name] = value
    return NoticeFilters(**values)  # type: ignore[arg-type]  # each value parsed for its field


def filter_args(filters: NoticeFilters) -> dict[str, str]:
    """The non-empty filters as query-string arguments (for links, pages and exports)."""
    out: dict[str, str] = {}
    for f in fields(filters):
        value = getattr(filters, f.name)
        if f.name not in _ARG_OF or value in (None, False):
            continue
        if value is True:
            out[_ARG_OF[f.name]] = "1"
        else:
            out[_ARG_OF[f.name]] = value.isoformat() if isinstance(value, date) else str(value)
    return out
