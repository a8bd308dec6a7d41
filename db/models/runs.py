"""Sources, crawl runs and their errors, scheduled job runs, and database locks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.base import Base, UTCDateTime, utcnow

__all__ = ["CatalogueResource", "CrawlError", "CrawlRun", "JobRun", "Lock", "Source"]


class Source(Base):
    """A portal or publication we crawl; ``watermark`` is the last publication date fully read."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(50), default="api")
    licence: Mapped[str | None] = mapped_column(String(200))
    base_url: Mapped[str | None] = mapped_column(String(500))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    watermark: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    runs: Mapped[list[CrawlRun]] = relationship(back_populates="source")


class CrawlRun(Base):
    """One crawl of one source. Status: running, ok, failing (zero items where there were
    some, or errors), error (the crawl itself broke), interrupted (killed, found on restart)."""

    __tablename__ = "crawl_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default="running")
    pid: Mapped[int | None] = mapped_column(Integer)
    args: Mapped[dict[str, Any]] = mapped_column(default=dict)
    items_seen: Mapped[int] = mapped_column(Integer, default=0)
    items_new: Mapped[int] = mapped_column(Integer, default=0)
    items_changed: Mapped[int] = mapped_column(Integer, default=0)
    items_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    errors_count: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)
    source: Mapped[Source] = relationship(back_populates="runs")
    errors: Mapped[list[CrawlError]] = relationship(back_populates="run")


class CrawlError(Base):
    """A bad page, record or document met during a run, with the URL it came from."""

    __tablename__ = "crawl_errors"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    source_name: Mapped[str] = mapped_column(String(100), index=True)
    url: Mapped[str | None] = mapped_column(Text)
    record_id: Mapped[str | None] = mapped_column(String(200))
    error_kind: Mapped[str] = mapped_column(String(80))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    run: Mapped[CrawlRun | None] = relationship(back_populates="errors")


class JobRun(Base):
    """One scheduled or manual job (nightly crawl of a source, digests) and its outcome.
    Status: running, ok, failed, skipped, missed."""

    __tablename__ = "job_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(100), index=True)
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default="running")
    message: Mapped[str | None] = mapped_column(Text)


class Lock(Base):
    """A named lease held in the database so only one process crawls a source at a time."""

    __tablename__ = "locks"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CatalogueResource(Base):
    """A file a catalogue-discovered source reads (an SCDL CSV of a data.gouv.fr dataset): what
    it was last time (``fingerprint``: the catalogue's checksum, else its last modification)
    and its health: ``ok``, ``not_conforming`` (the file lost required columns), ``failed``
    (it could not be fetched), ``gone`` (its dataset left the catalogue's answer)."""

    __tablename__ = "catalogue_resources"
    __table_args__ = (UniqueConstraint("source", "resource_id", name="uq_catalogue_resource"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    dataset_id: Mapped[str] = mapped_column(String(100))
    dataset_title: Mapped[str] = mapped_column(Text, default="")
    resource_id: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(Text, default="")
    fingerprint: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(30), default="ok")
    error: Mapped[str | None] = mapped_column(Text)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
