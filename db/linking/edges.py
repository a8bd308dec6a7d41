"""What a linking pass reads and writes: the linking fields of the notices it walks, and the
edges they already have, so that adding an edge twice changes nothing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from db.chunked import in_chunks
from db.linking.scoring import LinkRow
from db.models.notices import Notice, NoticeLink

__all__ = ["Linker", "published_since"]

_LINK_FIELDS = (
    Notice.id,
    Notice.source,
    Notice.source_key,
    Notice.kind,
    Notice.title,
    Notice.buyer_name,
    Notice.buyer_siret,
    Notice.cpv_codes,
    Notice.published_at,
    Notice.related_ids,
    Notice.procedure_key,
    Notice.awardees,
    Notice.departements,
)


def published_since(since: date | None) -> tuple[ColumnElement[bool], ...]:
    """The window ``since`` opens: notices published on or after it, or undated."""
    if since is None:
        return ()
    return (or_(Notice.published_at >= since, Notice.published_at.is_(None)),)


def _load_rows(session: Session, *where: ColumnElement[bool]) -> list[LinkRow]:
    """Linking rows in date order (undated last), then by id: a step comparing candidates
    keeps the first of equal scores, so their order is fixed here, not left to the database."""
    query = select(*_LINK_FIELDS).where(*where)
    query = query.order_by(Notice.published_at.is_(None), Notice.published_at, Notice.id)
    return [
        LinkRow(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4] or "",
            r[5] or "",
            r[6] or "",
            list(r[7] or []),
            r[8],
            list(r[9] or []),
            r[10] or "",
            list(r[11] or []),
            list(r[12] or []),
        )
        for r in session.execute(query)
    ]


class Linker:
    """Adds or refreshes edges, remembering the existing ones to stay idempotent and fast.

    It reads only what a linking step acts on: the notices of the window being linked that
    the step can link (those declaring related ids, TED notices, contracts, deliberations,
    authorisations), with their existing edges; the purchases of every date only when the
    window holds a contract or a deliberation to match against them; and the notices a
    window's notice names, by key. A night's crawl into a store of years thus reads its own
    days, not every stored notice (which cost ~35 µs a stored notice, at every crawl that
    wrote), and a backfill's linking does not hold its whole window at once (~1 KB a notice,
    most of a first crawl's memory at its end)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.existing: dict[tuple[int, str, str, str], NoticeLink] = {}
        self.relations: set[tuple[int, str]] = set()
        self._links_read: set[int] = set()
        self._all_links_read = False
        self._purchases: dict[tuple[str, ...], list[LinkRow]] = {}

    def rows(self, *where: ColumnElement[bool]) -> list[LinkRow]:
        """The notices matching ``where``, in date order, without their edges (candidates
        that edges point at, never from)."""
        return _load_rows(self.session, *where)

    def window(self, since: date | None, *where: ColumnElement[bool]) -> list[LinkRow]:
        """The notices published since ``since`` (or undated; every notice when None) that
        match ``where``, in date order, with their existing edges."""
        rows = _load_rows(self.session, *published_since(since), *where)
        if since is None:
            self._read_all_links()
        else:
            self._read_links([r.id for r in rows])
        return rows

    def purchases(self, kinds: tuple[str, ...]) -> list[LinkRow]:
        """The notices of these kinds, of every date."""
        if kinds not in self._purchases:
            self._purchases[kinds] = _load_rows(self.session, Notice.kind.in_(kinds))
        return self._purchases[kinds]

    def ids_of(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """The stored notice of each (source, key) there is one for."""
        by_source: dict[str, set[str]] = defaultdict(set)
        for source, key in keys:
            by_source[source].add(key)
        found: dict[tuple[str, str], int] = {}
        for source, wanted in by_source.items():
            for chunk in in_chunks(sorted(wanted)):
                query = select(Notice.source_key, Notice.id).where(
                    Notice.source == source, Notice.source_key.in_(chunk)
                )
                found.update(
                    ((source, key), notice_id) for key, notice_id in self.session.execute(query)
                )
        return found

    def holds(self, source: str) -> bool:
        """Whether any notice of ``source`` is stored."""
        query = select(Notice.id).where(Notice.source == source).limit(1)
        return self.session.execute(query).first() is not None

    def _read_all_links(self) -> None:
        if not self._all_links_read:
            self._remember(self.session.scalars(select(NoticeLink)))
            self._all_links_read = True

    def _read_links(self, notice_ids: Iterable[int]) -> None:
        if self._all_links_read:
            return
        todo = sorted(set(notice_ids) - self._links_read)
        self._links_read.update(todo)
        for chunk in in_chunks(todo):
            self._remember(
                self.session.scalars(select(NoticeLink).where(NoticeLink.notice_id.in_(chunk)))
            )

    def _remember(self, links: Iterable[NoticeLink]) -> None:
        for link in links:
            key = (link.notice_id, link.target_source, link.target_key, link.relation)
            self.existing.setdefault(key, link)
            self.relations.add((link.notice_id, link.relation))

    def add(
        self,
        row_id: int,
        target: tuple[str, str, int | None],
        relation: str,
        reason: str,
        confidence: float,
    ) -> bool:
        """Add the edge ``row_id`` → ``target`` (source, key, row id if stored), or refresh
        its target row and, when more confident, its reason. True when something changed."""
        target_source, target_key, target_id = target
        self._read_links((row_id,))  # a quoted TED twin may lie outside the window
        key = (row_id, target_source, target_key, relation)
        link = self.existing.get(key)
        if link is not None:
            changed = link.target_notice_id != target_id and target_id is not None
            if changed:
                link.target_notice_id = target_id
            if round(confidence, 3) > (link.confidence or 0):
                link.reason, link.confidence, changed = reason, round(confidence, 3), True
            return changed
        link = NoticeLink(
            notice_id=row_id,
            target_source=target_source,
            target_key=target_key,
            target_notice_id=target_id,
            relation=relation,
            reason=reason,
            confidence=round(confidence, 3),
        )
        self.session.add(link)
        self.existing[key] = link
        self.relations.add((row_id, relation))
        return True

    def has(self, row_id: int, relation: str) -> bool:
        self._read_links((row_id,))
        return (row_id, relation) in self.relations
