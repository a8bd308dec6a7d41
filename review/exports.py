"""The current filtered view as CSV or JSON, streamed batch by batch (keyset pages of 500), so
exporting 100 000 notices neither builds them in memory nor holds one long query open."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from flask import Response
from sqlalchemy.orm import Session, sessionmaker

from review.queue import QueueFilters, iter_queue
from review.render import csv_cell

__all__ = ["COLUMNS", "row_dict", "stream"]

COLUMNS = (
    "id", "published_at", "kind", "source", "title", "buyer_name", "departements", "categories",
    "score", "verdict", "deadline_at", "estimated_value", "flagged",
)  # fmt: skip


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def row_dict(row: dict[str, Any]) -> dict[str, Any]:
    out = {c: _plain(row.get(c)) for c in COLUMNS}
    out["verdict"] = out["verdict"] or "new"
    return out


def _rows(maker: sessionmaker[Session], filters: QueueFilters) -> Iterator[dict[str, Any]]:
    with maker() as session:
        for row in iter_queue(session, filters):
            yield row_dict(row)


def _csv(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(
            [csv_cell(";".join(map(str, v)) if isinstance(v, list) else v) for v in row.values()]
        )
        if buf.tell() > 64_000:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def _json(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    yield "["
    first = True
    for row in rows:
        yield ("\n" if first else ",\n") + json.dumps(row, ensure_ascii=False)
        first = False
    yield "\n]\n"


def stream(fmt: str, filters: QueueFilters, maker: sessionmaker[Session]) -> Response:
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    rows = _rows(maker, filters)
    if fmt == "csv":
        body, mimetype = _csv(rows), "text/csv; charset=utf-8"
    else:
        body, mimetype = _json(rows), "application/json; charset=utf-8"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="veilleur-{stamp}.{fmt}"'
    return response
