"""One story per purchase: notices of all sources linked in ``notice_links``, each edge with a
relation, a reason and a confidence.

* :mod:`db.linking.scoring` — pure: similarity, best candidates, reasons, confidence;
* :mod:`db.linking.linker` — the database walk that adds edges (:func:`link_all`);
* :mod:`db.linking.story` — the query that reads a notice's whole story (:func:`story`).
"""

from __future__ import annotations

from db.linking.linker import LinkStats, link_all
from db.linking.story import Story, StoryEdge, story

__all__ = ["LinkStats", "Story", "StoryEdge", "link_all", "story"]
