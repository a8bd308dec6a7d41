"""Exports of the notice list as CSV, JSON or JSON lines, streamed chunk by chunk.

``veilleur export`` and the desk's ``/export.csv``/``/export.json`` both write these chunks, so
the same filters give the same columns (:data:`db.notice_list.NOTICE_COLUMNS`) and the same
cells. Scraped text is hostile: a CSV cell that a spreadsheet would run as a formula is
neutralised (OWASP, "CSV Injection": https://owasp.org/www-community/attacks/CSV_Injection).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from db.notice_list import NOTICE_COLUMNS

__all__ = ["EXPORT_FORMATS", "csv_cell", "export_chunks", "export_row"]

#: bytes of CSV buffered before a chunk is handed on
_CSV_CHUNK = 64_000


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def export_row(row: dict[str, Any]) -> dict[str, Any]:
    """A list row as plain JSON values, in :data:`NOTICE_COLUMNS` order (no verdict: ``new``)."""
    out = {c: _plain(row.get(c)) for c in NOTICE_COLUMNS}
    out["verdict"] = out["verdict"] or "new"
    return out


def csv_cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (scraped titles are hostile)."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _csv_value(value: Any) -> str:
    if isinstance(value, list):
        return csv_cell(";".join(map(str, value)))
    if isinstance(value, str):
        return csv_cell(value)
    return "" if value is None else str(value)


def _csv(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(NOTICE_COLUMNS)
    for row in rows:
        writer.writerow([_csv_value(v) for v in row.values()])
        if buf.tell() > _CSV_CHUNK:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def _json(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    yield "["
    first = True
    for row in rows:
        yield ("\n" if first else ",\n") + json.dumps(row, ensure_ascii=False)
        first = False
    yield "\n]\n"


def _jsonl(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    for row in rows:
        yield json.dumps(row, ensure_ascii=False) + "\n"


_WRITERS = {"csv": _csv, "json": _json, "jsonl": _jsonl}
#: the formats an export can be written in
EXPORT_FORMATS = tuple(_WRITERS)


def export_chunks(fmt: str, rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The export of list ``rows`` (from :func:`db.notice_list.iter_notices`) in ``fmt``."""
    return _WRITERS[fmt](export_row(row) for row in rows)
