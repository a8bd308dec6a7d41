"""A notice's story: every notice of the same purchase, reached through ``notice_links``.

One query answers it for ``veilleur show`` and the desk's notice page alike: links are followed
transitively and both ways (a tender's correction, its TED twin, the contract of the twin …),
and each edge keeps the reason and confidence it was drawn with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from db.models.notices import Notice, NoticeLink

__all__ = ["MAX_STORY_NOTICES", "Story", "StoryEdge", "story"]

#: a story stops growing here (a buyer's framework agreement can chain very many notices)
MAX_STORY_NOTICES = 200


@dataclass(frozen=True)
class StoryEdge:
    """One link of a story: ``from_id`` → ``to_id`` (None while the target is not stored;
    ``to_label`` then says which ``source:key`` it waits for)."""

    from_id: int
    to_id: int | None
    to_label: str
    relation: str
    reason: str
    confidence: float


class Story(NamedTuple):
    """The notices of one purchase, oldest first (undated last), and the edges between them."""

    notices: list[Notice]
    edges: list[StoryEdge]

    def edges_from(self, notice_id: int) -> list[StoryEdge]:
        return [e for e in self.edges if e.from_id == notice_id]

    def edges_touching(self, notice_id: int) -> list[StoryEdge]:
        return [e for e in self.edges if notice_id in (e.from_id, e.to_id)]


def story(session: Session, notice_id: int, max_nodes: int = MAX_STORY_NOTICES) -> Story:
    """Every notice connected to ``notice_id`` (links followed both ways), oldest first."""
    seen: set[int] = {notice_id}
    frontier = [notice_id]
    edges: dict[int, StoryEdge] = {}
    while frontier and len(seen) < max_nodes:
        links = session.scalars(
            select(NoticeLink).where(
                or_(NoticeLink.notice_id.in_(frontier), NoticeLink.target_notice_id.in_(frontier))
            )
        ).all()
        frontier = []
        for link in links:
            edges[link.id] = StoryEdge(
                link.notice_id,
                link.target_notice_id,
                f"{link.target_source}:{link.target_key}",
                link.relation,
                link.reason,
                link.confidence,
            )
            for other in (link.notice_id, link.target_notice_id):
                if other is not None and other not in seen:
                    seen.add(other)
                    frontier.append(other)
    notices = session.scalars(select(Notice).where(Notice.id.in_(seen))).all()
    ordered = sorted(notices, key=lambda n: (n.published_at or date.max, n.id))
    return Story(ordered, sorted(edges.values(), key=lambda e: (e.from_id, e.relation)))
