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
    "check": ("to_check", 5),
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

    def arg(name: str) -> str | None:
        return (args.get(name) or "").strip()[: QUERY_ARGS[name][1]] or None

    date_from, date_to, min_score = arg("date_from"), arg("date_to"), arg("min_score")
    return NoticeFilters(
        verdict=arg("status"),
        category=arg("category"),
        departement=arg("departement"),
        buyer=arg("buyer"),
        source=arg("source"),
        kind=arg("kind"),
        published_from=_date("date_from", date_from) if date_from else None,
        published_to=_date("date_to", date_to) if date_to else None,
        min_score=_score("min_score", min_score) if min_score else None,
        query=arg("q"),
        include_unflagged=arg("unflagged") in ("1", "on", "true"),
        to_check=arg("check") in ("1", "on", "true"),
    )


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
