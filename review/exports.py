"""The current filtered view as CSV or JSON: the notice list's export (:mod:`db.notice_export`)
streamed batch by batch (keyset pages of 500), so exporting 100 000 notices neither builds
them in memory nor holds one long query open. OCDS: the same selection as a release package
(:mod:`db.ocds`), the same stream as ``veilleur export --format ocds``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask import Response
from sqlalchemy.orm import Session, sessionmaker

from db.notice_export import export_chunks
from db.notice_list import NoticeFilters, iter_notices
from db.ocds import ocds_chunks, ocid_prefix

__all__ = ["ocds_stream", "stream"]

_MIMETYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}


def _rows(maker: sessionmaker[Session], filters: NoticeFilters) -> Iterator[dict[str, Any]]:
    """The selection's rows, its first query already run: a query the database refuses
    raises here, before the response's status and headers are sent, never half-way through
    a body the client takes for a whole file."""
    session = maker()
    rows = iter_notices(session, filters)
    try:
        first = next(rows, None)
    except BaseException:
        session.close()
        raise

    def chained() -> Iterator[dict[str, Any]]:
        try:
            if first is not None:
                yield first
                yield from rows
        finally:
            session.close()

    return chained()


def stream(fmt: str, filters: NoticeFilters, maker: sessionmaker[Session]) -> Response:
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    response = Response(export_chunks(fmt, _rows(maker, filters)), mimetype=_MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="veilleur-{stamp}.{fmt}"'
    return response


def ocds_stream(filters: NoticeFilters, maker: sessionmaker[Session], uri: str) -> Response:
    """The selection as an OCDS package; raises FilterError (before any byte is sent) when
    nothing matches."""
    session = maker()
    chunks = ocds_chunks(session, filters, uri=uri, prefix=ocid_prefix()[0])
    try:
        first = next(chunks)
    except BaseException:
        session.close()
        raise

    def body() -> Iterator[str]:
        try:
            yield first
            yield from chunks
        finally:
            session.close()

    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    response = Response(body(), mimetype="application/json; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="veilleur-{stamp}.ocds.json"'
    return response
