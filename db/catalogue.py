"""The files a catalogue-discovered source reads and their health (``catalogue_resources``).

One function per question; each takes the session first and never commits (the caller owns the
transaction).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.models import CatalogueResource

__all__ = ["mark_gone", "record_resource", "resource_fingerprints", "unhealthy_resources"]


def resource_fingerprints(session: Session, source: str) -> dict[str, str | None]:
    """resource id → the fingerprint it had when last read completely (``ok`` ones only: a file
    that failed or stopped conforming is read again)."""
    rows = session.execute(
        select(CatalogueResource.resource_id, CatalogueResource.fingerprint).where(
            CatalogueResource.source == source, CatalogueResource.status == "ok"
        )
    )
    return {resource_id: fingerprint for resource_id, fingerprint in rows}


def record_resource(
    session: Session,
    source: str,
    *,
    dataset_id: str,
    dataset_title: str,
    resource_id: str,
    url: str,
    fingerprint: str | None,
    status: str,
    error: str | None,
    rows: int,
    now: datetime,
) -> None:
    """What one read of a resource found (insert or update)."""
    row = session.scalar(
        select(CatalogueResource).where(
            CatalogueResource.source == source, CatalogueResource.resource_id == resource_id
        )
    )
    if row is None:
        row = CatalogueResource(source=source, resource_id=resource_id)
        session.add(row)
    row.dataset_id, row.dataset_title, row.url = dataset_id, dataset_title[:500], url
    row.fingerprint, row.status, row.error = fingerprint, status, (error or None)
    row.rows, row.checked_at = rows, now


def mark_gone(session: Session, source: str, present: Iterable[str], now: datetime) -> int:
    """Resources of datasets no longer in the catalogue's answer become ``gone``; how many."""
    result = session.execute(
        update(CatalogueResource)
        .where(
            CatalogueResource.source == source,
            CatalogueResource.dataset_id.not_in(list(present)),
            CatalogueResource.status != "gone",
        )
        .values(status="gone", error="the dataset left the catalogue's answer", checked_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def unhealthy_resources(session: Session, source: str | None = None) -> list[CatalogueResource]:
    """Resources whose last read was not ``ok``, newest first (for ``veilleur status``)."""
    stmt = select(CatalogueResource).where(CatalogueResource.status != "ok")
    if source:
        stmt = stmt.where(CatalogueResource.source == source)
    return list(session.scalars(stmt.order_by(CatalogueResource.checked_at.desc())))
