"""SQLAlchemy 2 typed models: the whole schema, one class per table, grouped by area.

* :mod:`db.models.notices` — notices, their versions, links and flags;
* :mod:`db.models.documents` — documents, their pages, the notices that link them;
* :mod:`db.models.runs` — sources, crawl runs and errors, job runs, locks;
* :mod:`db.models.review` — users, reviews, each notice's latest review, second opinions;
* :mod:`db.models.digest` — groups, deliveries, digest sends;
* :mod:`db.models.requests` — access requests, their trail, received files, reminders;
* :mod:`db.models.picture` — parties, where flagged notices are, watchlists, price lines.

Every class is re-exported here, and importing this package registers every table on
``Base.metadata`` (what ``create_all`` and the migrations compare against). Every schema change
goes through an Alembic migration in ``db/migrations/versions``.
"""

from __future__ import annotations

from db.models.base import Base, JsonType, UTCDateTime, utcnow
from db.models.digest import Delivery, DigestSend, Group, ReadLink
from db.models.documents import Document, DocumentPage, NoticeDocument
from db.models.notices import Flag, Notice, NoticeLink, NoticeVersion
from db.models.picture import (
    NoticeFacet,
    NoticeParty,
    Party,
    PartyCount,
    PartyLink,
    PictureCount,
    PriceLine,
    Watch,
)
from db.models.requests import AccessRequest, ReceivedDocument, RequestEvent, RequestReminder
from db.models.review import Review, ReviewHead, SecondOpinion, User
from db.models.runs import CatalogueResource, CrawlError, CrawlRun, JobRun, Lock, Source

__all__ = [
    "AccessRequest",
    "Base",
    "CatalogueResource",
    "CrawlError",
    "CrawlRun",
    "Delivery",
    "DigestSend",
    "Document",
    "DocumentPage",
    "Flag",
    "Group",
    "JobRun",
    "JsonType",
    "Lock",
    "Notice",
    "NoticeDocument",
    "NoticeFacet",
    "NoticeLink",
    "NoticeParty",
    "NoticeVersion",
    "Party",
    "PartyCount",
    "PartyLink",
    "PictureCount",
    "PriceLine",
    "ReadLink",
    "ReceivedDocument",
    "RequestEvent",
    "RequestReminder",
    "Review",
    "ReviewHead",
    "SecondOpinion",
    "Source",
    "UTCDateTime",
    "User",
    "Watch",
    "utcnow",
]
