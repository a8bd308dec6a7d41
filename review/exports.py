"""The current filtered view as CSV or JSON: the notice list's export (:mod:`db.notice_export`)
streamed batch by batch (keyset pages of 500), so exporting 100 000 notices neither builds
them in memory nor holds one long query open."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask import Response
from sqlalchemy.orm import Session, sessionmaker

from db.notice_export import export_chunks
from db.notice_list import NoticeFilters, iter_notices

__all__ = ["stream"]

_MIMETYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}


def _rows(maker: sessionmaker[Session], filters: NoticeFilters) -> Iterator[dict[str, Any]]:
    with maker() as session:
        yield from iter_notices(session, filters)


def stream(fmt: str, filters: NoticeFilters, maker: sessionmaker[Session]) -> Response:
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    response = Response(export_chunks(fmt, _rows(maker, filters)), mimetype=_MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="veilleur-{stamp}.{fmt}"'
    return response
