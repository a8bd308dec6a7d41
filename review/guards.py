"""What the desk refuses before a request reaches the database, and what it never prints.

* Ids: every id column is a 32-bit ``INTEGER`` (PostgreSQL ``integer``, SQLite's 64-bit rowid
  aside), and a larger number in a URL made PostgreSQL raise "integer out of range" (SQLite:
  "Python int too large to convert to SQLite INTEGER") — a 500. An id above :data:`MAX_ID`
  cannot exist, so ``<int:…>`` path parts stop there (a 404) and :func:`small_int` reads form
  and query values the same way.
* NUL characters: PostgreSQL text cannot hold U+0000 ("A string literal cannot contain NUL
  (0x00) characters", psycopg raises before sending), so a ``?q=%00`` search answered 500 and a
  streamed export broke mid-body. No field of the desk has a use for it: a request carrying one
  in its path, query string or form is refused with a 400 on both databases.
* Invisible characters: every value a template prints goes through
  :func:`vocabulary.display.for_display` (bidi controls, zero-width characters).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from markupsafe import Markup
from werkzeug.routing import IntegerConverter

from review import i18n
from vocabulary.display import for_display

__all__ = ["MAX_ID", "BoundedInt", "display_finalize", "install", "optional_id", "small_int"]

#: the largest value of a 32-bit signed ``INTEGER`` column
MAX_ID = 2**31 - 1
#: views that raise ``max_content_length`` before reading their (multipart) body
_OWN_BODY_LIMIT = frozenset({"requests.upload"})


class BoundedInt(IntegerConverter):
    """``<int:…>`` that matches 0 … :data:`MAX_ID` only (werkzeug's ``max`` argument)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def small_int(raw: str | None) -> int:
    """``raw`` as an id (ASCII digits, at most :data:`MAX_ID`); ValueError otherwise, so that
    ``request.args.get(name, type=small_int)`` gives None for anything else."""
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        raise ValueError(f"not an id: {raw!r}")
    value = int(raw)
    if value > MAX_ID:
        raise ValueError(f"id out of range: {raw!r}")
    return value


def optional_id(raw: str | None) -> int | None:
    """:func:`small_int`, None instead of ValueError."""
    try:
        return small_int(raw)
    except ValueError:
        return None


def _has_nul() -> bool:
    if "\x00" in request.path:
        return True
    values = [*request.args.items(multi=True)]
    # the upload view sets its own size limit before reading its body (review/
    # requests_views.py): reading it here would apply the 1 MiB form cap to the files
    if request.method == "POST" and request.endpoint not in _OWN_BODY_LIMIT:
        values += request.form.items(multi=True)
    return any("\x00" in k or "\x00" in v for k, v in values)


def _refuse_nul() -> Any:
    if _has_nul():
        message = i18n.translate("error.nul")
        return render_template("error.html", message=message), 400
    return None


def install(app: Flask) -> None:
    """Bound ``<int:…>`` (before any blueprint adds its rules) and refuse NUL characters."""
    app.url_map.converters["int"] = BoundedInt
    app.before_request(_refuse_nul)
    app.jinja_env.finalize = display_finalize


def display_finalize(value: Any) -> Any:
    """Jinja ``finalize``: every printed string through :func:`vocabulary.display.for_display`
    (bidi controls and zero-width characters out of titles, buyer names, snippets …); markup
    stays markup — removing a character cannot open a tag."""
    if isinstance(value, Markup):
        return Markup(for_display(str(value)))
    if isinstance(value, str):
        return for_display(value)
    return value
