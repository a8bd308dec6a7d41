"""The whole picture: parties (buyers and vendors by SIREN), where and when flagged notices are,
groups' watchlists, and the price-schedule lines read from documents.

``notice_parties`` and ``notice_facets`` are derived from ``notices`` (their JSON lists of
awardees, départements and categories cannot be indexed the same way on SQLite and
PostgreSQL); :mod:`db.picture` rebuilds them for the notices a crawl or a rescan touched.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, UTCDateTime, utcnow

__all__ = [
    "NoticeFacet",
    "NoticeParty",
    "Party",
    "PartyCount",
    "PartyLink",
    "PictureCount",
    "PriceLine",
    "Watch",
]


class Party(Base):
    """A buyer or vendor: one legal unit by SIREN, or, with no identifier, one normalized name.

    ``key`` is ``siren:<9 digits>`` or ``name:<normalized name>``; ``sirets`` and ``names`` keep
    every establishment and every spelling seen (names are merged by identifier, never guessed).
    """

    __tablename__ = "parties"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(250), unique=True)
    siren: Mapped[str | None] = mapped_column(String(9), index=True)
    name: Mapped[str] = mapped_column(Text, default="")
    name_key: Mapped[str] = mapped_column(String(240), index=True, default="")
    sirets: Mapped[list[Any]] = mapped_column(default=list)
    names: Mapped[list[Any]] = mapped_column(default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NoticeParty(Base):
    """A party's part in a notice: ``role`` buyer or supplier. ``amount`` is the awardee's own
    value when the source gives one, else the notice's amount shared between its suppliers."""

    __tablename__ = "notice_parties"
    __table_args__ = (
        UniqueConstraint("notice_id", "party_id", "role", name="uq_notice_parties"),
        # a party's page: its rows by role and date, totals by category (both index-only)
        # (with notice_id: the notice list newest first and the counterparts' and price lines'
        # subqueries read the index alone, no table lookup per notice)
        Index("ix_notice_parties_party", "party_id", "role", "published_at", "notice_id", "amount"),
        Index("ix_notice_parties_totals", "party_id", "role", "category", "amount"),
        # the other side of a party's notices (counterparts), index-only
        Index("ix_notice_parties_notice", "notice_id", "role", "party_id", "amount"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    role: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(Text, default="")
    siret: Mapped[str | None] = mapped_column(String(14))
    amount: Mapped[float | None] = mapped_column(Float)
    #: the notice's first category when flagged, else None
    category: Mapped[str | None] = mapped_column(String(50))
    published_at: Mapped[date | None] = mapped_column(Date)


class NoticeFacet(Base):
    """One flagged notice in one département for one category (the map's and timeline's rows)."""

    __tablename__ = "notice_facets"
    __table_args__ = (
        Index(
            "ix_notice_facets_category",
            "category", "published_at", "departement", "amount", "first_departement",
        ),
        Index(
            "ix_notice_facets_period",
            "first_category", "published_at", "departement", "amount", "first_departement",
        ),
    )  # fmt: skip
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    departement: Mapped[str] = mapped_column(String(3))
    commune_insee: Mapped[str | None] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(30))
    published_at: Mapped[date | None] = mapped_column(Date)
    #: the purchase's amount counted once per story (see db.picture), else None
    amount: Mapped[float | None] = mapped_column(Float)
    #: the row of the notice's first category (in this département): counting only these
    #: rows counts each (notice, département) once, without DISTINCT
    first_category: Mapped[bool] = mapped_column(Boolean, default=True)
    #: the row of the notice's first département (for this category): each notice once
    first_departement: Mapped[bool] = mapped_column(Boolean, default=True)


class PictureCount(Base):
    """``notice_facets`` summed per category, month, département and commune: the map, the
    timeline and the communes read these few thousand rows instead of every facet.

    ``category`` is a category, or ``*`` for each notice's first category (the map without a
    category filter). ``notices``/``amount`` count the facet rows (each notice once per
    département); ``first_notices``/``first_amount`` only its first département's row (each
    notice once). :mod:`db.picture_counts` recounts the months a refresh touched.
    """

    __tablename__ = "picture_counts"
    __table_args__ = (
        Index(
            "ix_picture_counts_read",
            "category", "month", "departement", "commune_insee",
            "notices", "amount", "first_notices", "first_amount",
        ),
    )  # fmt: skip
    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(50))
    #: ``YYYY-MM``; None for undated notices (counted on the map when no period is asked)
    month: Mapped[str | None] = mapped_column(String(7))
    departement: Mapped[str] = mapped_column(String(3))
    commune_insee: Mapped[str | None] = mapped_column(String(10))
    notices: Mapped[int] = mapped_column(Integer)
    amount: Mapped[float | None] = mapped_column(Float)
    first_notices: Mapped[int] = mapped_column(Integer)
    first_amount: Mapped[float | None] = mapped_column(Float)


class PartyCount(Base):
    """A party's notices and amounts per role, category and year: its page's totals and chart
    read these few rows, even for a vendor with thousands of notices (:mod:`db.party_counts`)."""

    __tablename__ = "party_counts"
    __table_args__ = (
        Index("ix_party_counts_read", "party_id", "role", "category", "year", "notices", "amount"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    role: Mapped[str] = mapped_column(String(10))
    category: Mapped[str | None] = mapped_column(String(50))
    #: ``YYYY`` of publication; None for undated notices
    year: Mapped[str | None] = mapped_column(String(4))
    notices: Mapped[int] = mapped_column(Integer)
    amount: Mapped[float | None] = mapped_column(Float)


class PartyLink(Base):
    """A party's counterpart (the buyers of a vendor, the vendors of a buyer) with the notices
    they share and the counterpart's amount on them (:mod:`db.party_counts`)."""

    __tablename__ = "party_links"
    __table_args__ = (
        Index("ix_party_links_read", "party_id", "role", "notices", "other_id", "amount"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    #: the party's role in the shared notices (the counterpart has the other one)
    role: Mapped[str] = mapped_column(String(10))
    other_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    notices: Mapped[int] = mapped_column(Integer)
    amount: Mapped[float | None] = mapped_column(Float)


class Watch(Base):
    """A group follows a party: its new notices go to the group's digest (reason ``watch``)."""

    __tablename__ = "watches"
    __table_args__ = (UniqueConstraint("group_id", "party_id", name="uq_watches"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PriceLine(Base):
    """A line of a price schedule (BPU, DQE, DPGF) read from a stored document."""

    __tablename__ = "price_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    member: Mapped[str] = mapped_column(String(500), default="")
    page: Mapped[int] = mapped_column(Integer)
    row: Mapped[int] = mapped_column(Integer)
    designation: Mapped[str] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(String(40))
    quantity: Mapped[float | None] = mapped_column(Float)
    unit_price: Mapped[float | None] = mapped_column(Float)
    total: Mapped[float | None] = mapped_column(Float)
    equipment: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(50))
