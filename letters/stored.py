"""From stored rows to letter facts, for the desk and the command line alike.

The rows are read through small protocols (the attributes a request and a notice have), so
this module needs no database: whatever carries those attributes — the ORM objects, a test's
dataclass — can be written to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Protocol

from letters.catalogue import choose
from letters.model import Ask, NoticeFacts, Party, Recipient, RequestFacts
from letters.recipient import recipient_from_notice

__all__ = ["StoredNotice", "StoredRequest", "draft_for", "facts_from", "party", "recipient"]


class StoredNotice(Protocol):
    title: str
    kind: str
    source: str
    source_id: str
    url: str
    published_at: date | None
    buyer_name: str | None
    buyer_siret: str | None
    categories: list[Any]
    awardees: list[Any]
    raw: dict[str, Any]


class StoredRequest(Protocol):
    id: int
    documents: list[Any]
    missing: list[Any]
    recipient: dict[str, Any]
    requester: dict[str, Any]
    mode: str
    place: str
    sent_on: date | None
    received_on: date | None
    answered_on: date | None
    outcome: str | None
    refusal_on: date | None
    implicit: bool


def _names(values: Sequence[Any]) -> tuple[str, ...]:
    out = []
    for value in values or ():
        name = value.get("name") if isinstance(value, Mapping) else value
        if name:
            out.append(str(name))
    return tuple(out)


def notice_facts(notice: StoredNotice) -> NoticeFacts:
    return NoticeFacts(
        title=notice.title or "(sans titre)",
        kind=notice.kind,
        source=notice.source,
        source_id=notice.source_id,
        url=notice.url if notice.url.startswith(("http://", "https://")) else "",
        published_at=notice.published_at,
        buyer_name=notice.buyer_name or "",
        categories=tuple(str(c) for c in notice.categories or ()),
        awardees=_names(notice.awardees),
    )


def party(values: Mapping[str, Any] | None) -> Party:
    v = values or {}
    return Party(
        kind="organisation" if v.get("kind") == "organisation" else "person",
        name=str(v.get("name") or ""),
        legal_form=str(v.get("legal_form") or ""),
        representative=str(v.get("representative") or ""),
        address=str(v.get("address") or ""),
        email=str(v.get("email") or ""),
    )


def recipient(values: Mapping[str, Any] | None) -> Recipient:
    v = values or {}
    return Recipient(**{k: str(v.get(k) or "") for k in Recipient.__dataclass_fields__})


def draft_for(
    notice: StoredNotice, keys: Sequence[str] | None = None
) -> tuple[list[dict[str, str]], dict[str, str]]:
    """The documents (catalogue defaults, or ``keys``) and the recipient of a new request."""
    asks = choose(notice.kind, [str(c) for c in notice.categories or ()], keys)
    found = recipient_from_notice(notice.source, notice.raw, notice.buyer_name, notice.buyer_siret)
    return (
        [{"key": a.key, "label": a.label} for a in asks],
        {k: getattr(found, k) for k in Recipient.__dataclass_fields__},
    )


def facts_from(
    request: StoredRequest, notice: StoredNotice, *, written_on: date | None = None
) -> RequestFacts:
    """The letter facts of a stored request about a stored notice."""
    return RequestFacts(
        notice=notice_facts(notice),
        documents=tuple(Ask(str(d["key"]), str(d["label"])) for d in request.documents or ()),
        requester=party(request.requester),
        recipient=recipient(request.recipient),
        mode=request.mode,
        place=request.place or "",
        written_on=written_on,
        request_id=request.id,
        sent_on=request.sent_on,
        received_on=request.received_on,
        answered_on=request.answered_on,
        outcome=request.outcome,
        missing=tuple(str(k) for k in request.missing or ()),
        refusal_on=request.refusal_on,
        implicit=request.implicit,
    )
