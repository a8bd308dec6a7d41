"""Which records a crawl may skip unparsed: their notice was stored from that very record.

The store keeps each notice's ``record_digest`` (``db.store``); a spider digests the records
of a page (``crawler.base_spiders.unchanged``) and asks here which it need not read again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from sqlalchemy import Table, bindparam, exists, select
from sqlalchemy.orm import Session

from db.chunked import in_chunks
from db.models.documents import NoticeDocument
from db.models.notices import Notice

__all__ = ["unchanged_keys"]

_NOTICES = cast(Table, Notice.__table__)
_DOCUMENTS = cast(Table, NoticeDocument.__table__)
# Core, built once: asked once a page of records, where the ORM's per-call work showed
_STORED_DIGESTS = select(_NOTICES.c.source_key, _NOTICES.c.record_digest).where(
    _NOTICES.c.source == bindparam("source"),
    _NOTICES.c.source_key.in_(bindparam("keys", expanding=True)),
    _NOTICES.c.record_digest.is_not(None),
    ~exists().where(_DOCUMENTS.c.notice_id == _NOTICES.c.id, _DOCUMENTS.c.document_id.is_(None)),
)


def unchanged_keys(session: Session, source: str, digests: Mapping[str, str]) -> set[str]:
    """The keys of ``digests`` (stored key → record digest) whose notice was stored from a
    record with that very digest, and none of whose documents still waits to be fetched: a
    crawl can skip these records without parsing them, storing them would change nothing."""
    found: set[str] = set()
    for keys in in_chunks(list(digests)):
        rows = session.execute(_STORED_DIGESTS, {"source": source, "keys": keys})
        found.update(key for key, digest in rows if digests[key] == digest)
    return found
