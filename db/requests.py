"""Access requests, the write side: create a draft, then record what happened to it.

Every change names the ``version`` of the request its form or command showed; the UPDATE
only matches while the row is still at that version, so a colleague's change is never
overwritten silently (:class:`RequestConflict`). Every change appends a :class:`RequestEvent`
and recomputes the stored deadlines with :func:`vocabulary.deadlines.compute`. A change the
state does not allow raises :class:`RequestError` with a one-line reason. Session first, never
commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from db.models.base import utcnow
from db.models.notices import Notice
from db.models.requests import AccessRequest, RequestEvent
from vocabulary.deadlines import compute
from vocabulary.errors import VeilleurError
from vocabulary.requests import CADA_OPINIONS, OUTCOMES, SEND_MODES

__all__ = [
    "RequestConflict",
    "RequestError",
    "close_request",
    "create_request",
    "effective_state",
    "events_of",
    "get_request",
    "mark_referred",
    "mark_sent",
    "record_answer",
    "record_opinion",
    "reopen_request",
    "requests_for_notice",
    "update_draft",
]

#: fields of a draft an analyst may edit
DRAFT_FIELDS = ("documents", "recipient", "requester", "mode", "place", "note", "group_id")


class RequestError(VeilleurError, ValueError):
    """Raised when a change is not allowed in the request's state or its input is malformed.
    ``key`` names the message in the desk's catalogue (``request.err.*``), ``params`` fill it;
    ``str()`` is the English one-liner the command line prints."""

    def __init__(self, key: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.key = key
        self.params = params


class RequestConflict(VeilleurError):
    """Raised when the request changed since the version the caller saw; ``current`` is the
    version now stored."""

    def __init__(self, request_id: int, current: int) -> None:
        super().__init__(f"request {request_id} was changed meanwhile (now version {current})")
        self.current = current


def get_request(session: Session, request_id: int) -> AccessRequest:
    request = session.get(AccessRequest, request_id)
    if request is None:
        raise RequestError("request.err.unknown", f"no request {request_id}", id=request_id)
    return request


def effective_state(request: AccessRequest, today: date) -> str:
    """The state as the requester sees it today: silence past the delay is a refusal."""
    if request.state == "sent" and request.refusal_on and today >= request.refusal_on:
        return "refused"
    return request.state


def _refresh(request: AccessRequest) -> None:
    d = compute(
        sent_on=request.sent_on,
        mode=request.mode,
        received_on=request.received_on,
        answered_on=request.answered_on,
        outcome=request.outcome,
        referred_on=request.referred_on,
    )
    request.receipt_estimated = d.receipt_estimated
    request.refusal_on, request.implicit = d.refusal_on, d.implicit
    request.referral_until, request.opinion_due = d.referral_until, d.opinion_due


def _event(
    session: Session,
    request: AccessRequest,
    action: str,
    user_id: int | None,
    note: str = "",
    **data: Any,
) -> None:
    plain = {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}
    session.add(
        RequestEvent(request_id=request.id, user_id=user_id, action=action, data=plain, note=note)
    )


def _change(
    session: Session, request: AccessRequest, seen: int | None, **values: Any
) -> AccessRequest:
    """Apply ``values`` if the request is still at version ``seen`` (None: do not check),
    recompute the deadlines and write; the ORM's version check covers concurrent writers."""
    if seen is not None and request.version != seen:
        raise RequestConflict(request.id, request.version)
    for key, value in values.items():
        setattr(request, key, value)
    _refresh(request)
    request.updated_at = utcnow()
    try:
        session.flush()
    except StaleDataError as exc:
        raise RequestConflict(request.id, request.version) from exc
    return request


def _check_mode(mode: str) -> None:
    if mode not in SEND_MODES:
        raise RequestError(
            "request.err.mode", f"unknown mode {mode!r}; expected one of {', '.join(SEND_MODES)}"
        )


def create_request(
    session: Session,
    notice_id: int,
    *,
    documents: Iterable[Mapping[str, str]],
    recipient: Mapping[str, str],
    requester: Mapping[str, str] | None = None,
    group_id: int | None = None,
    user_id: int | None = None,
    mode: str = "email",
    place: str = "",
    note: str = "",
) -> AccessRequest:
    """A new draft request about ``notice_id``."""
    if session.get(Notice, notice_id) is None:
        raise RequestError("request.err.notice", f"no notice {notice_id}", id=notice_id)
    _check_mode(mode)
    asked = [{"key": d["key"], "label": d["label"]} for d in documents]
    if not asked:
        raise RequestError("request.err.no_documents", "a request must ask for a document")
    request = AccessRequest(
        notice_id=notice_id,
        group_id=group_id,
        created_by=user_id,
        documents=asked,
        recipient=dict(recipient),
        requester=dict(requester or {}),
        mode=mode,
        place=place,
        note=note,
    )
    session.add(request)
    session.flush()
    _event(session, request, "created", user_id, documents=[d["key"] for d in asked])
    return request


def update_draft(
    session: Session, request_id: int, seen: int | None, user_id: int | None, **fields: Any
) -> AccessRequest:
    """Edit a draft: documents, recipient, requester, mode, place, note, group."""
    request = get_request(session, request_id)
    if request.state != "draft":
        raise RequestError("request.err.not_draft", "only a draft can be edited")
    if unknown := set(fields) - set(DRAFT_FIELDS):
        raise RequestError("request.err.field", f"cannot edit {', '.join(sorted(unknown))}")
    if "mode" in fields:
        _check_mode(fields["mode"])
    if "documents" in fields and not fields["documents"]:
        raise RequestError("request.err.no_documents", "a request must ask for a document")
    _change(session, request, seen, **fields)
    _event(session, request, "edited", user_id, fields=sorted(fields))
    return request


def mark_sent(
    session: Session,
    request_id: int,
    seen: int | None,
    user_id: int | None,
    sent_on: date,
    *,
    mode: str | None = None,
    received_on: date | None = None,
    today: date | None = None,
) -> AccessRequest:
    """Record the day the request went out (and, for a letter, the day it was received)."""
    request = get_request(session, request_id)
    if request.state not in ("draft", "sent"):
        raise RequestError(
            "request.err.not_sendable", f"a {request.state} request was sent already"
        )
    if today and sent_on > today:
        raise RequestError("request.err.future", "that date is in the future")
    if received_on and received_on < sent_on:
        raise RequestError("request.err.receipt_before", "received before it was sent?")
    mode = mode or request.mode
    _check_mode(mode)
    _change(
        session, request, seen, state="sent", sent_on=sent_on, received_on=received_on, mode=mode
    )
    _event(session, request, "sent", user_id, sent_on=sent_on, received_on=received_on, mode=mode)
    return request


def record_answer(
    session: Session,
    request_id: int,
    seen: int | None,
    user_id: int | None,
    answered_on: date,
    outcome: str,
    *,
    missing: Iterable[str] = (),
    note: str = "",
) -> AccessRequest:
    """Record the administration's answer: ``full``, ``partial`` (``missing`` names what is
    still withheld) or ``refused``."""
    request = get_request(session, request_id)
    if request.state in ("draft", "closed"):
        raise RequestError("request.err.not_sent", f"a {request.state} request has no answer")
    if outcome not in OUTCOMES:
        raise RequestError("request.err.outcome", f"outcome must be one of {', '.join(OUTCOMES)}")
    if request.sent_on and answered_on < request.sent_on:
        raise RequestError("request.err.answer_before", "answered before it was sent?")
    keys = {d["key"] for d in request.documents}
    withheld = [k for k in missing if k in keys] if outcome == "partial" else []
    state = "refused" if outcome == "refused" else "answered"
    if request.state == "referred":
        state = "referred" if outcome != "full" else "answered"
    _change(
        session,
        request,
        seen,
        state=state,
        answered_on=answered_on,
        outcome=outcome,
        missing=withheld,
    )
    _event(session, request, "answered", user_id, note, answered_on=answered_on, outcome=outcome)
    return request


def mark_referred(
    session: Session,
    request_id: int,
    seen: int | None,
    user_id: int | None,
    referred_on: date,
) -> tuple[AccessRequest, list[str]]:
    """Record the referral to the CADA; returns warnings (a referral past the prudent limit is
    recorded, with a warning: the delay may not be opposable)."""
    request = get_request(session, request_id)
    if request.state not in ("sent", "answered", "refused"):
        raise RequestError(
            "request.err.not_referable", f"a {request.state} request cannot be referred"
        )
    if request.refusal_on is None:
        raise RequestError("request.err.no_refusal", "nothing was refused: nothing to refer")
    if referred_on < request.refusal_on:
        raise RequestError(
            "request.err.too_early",
            f"the CADA can only be referred to from {request.refusal_on.isoformat()}"
            " (one month after receipt); earlier is inadmissible",
            day=request.refusal_on,
        )
    warnings = []
    if request.referral_until and referred_on > request.referral_until:
        warnings.append("request.warn.late")
    _change(session, request, seen, state="referred", referred_on=referred_on)
    _event(session, request, "referred", user_id, referred_on=referred_on)
    return request, warnings


def record_opinion(
    session: Session,
    request_id: int,
    seen: int | None,
    user_id: int | None,
    opinion_on: date,
    opinion: str,
    *,
    note: str = "",
) -> AccessRequest:
    """Record the CADA's opinion on a referred request."""
    request = get_request(session, request_id)
    if request.state != "referred":
        raise RequestError("request.err.not_referred", "only a referred request gets an opinion")
    if opinion not in CADA_OPINIONS:
        raise RequestError(
            "request.err.opinion", f"opinion must be one of {', '.join(CADA_OPINIONS)}"
        )
    _change(session, request, seen, opinion_on=opinion_on, opinion=opinion)
    _event(session, request, "opinion", user_id, note, opinion_on=opinion_on, opinion=opinion)
    return request


def close_request(
    session: Session,
    request_id: int,
    seen: int | None,
    user_id: int | None,
    closed_on: date,
    note: str = "",
) -> AccessRequest:
    request = get_request(session, request_id)
    if request.state == "closed":
        raise RequestError("request.err.closed", "the request is closed already")
    _change(session, request, seen, state="closed", closed_on=closed_on, closed_from=request.state)
    _event(session, request, "closed", user_id, note, closed_on=closed_on)
    return request


def reopen_request(
    session: Session, request_id: int, seen: int | None, user_id: int | None
) -> AccessRequest:
    request = get_request(session, request_id)
    if request.state != "closed":
        raise RequestError("request.err.not_closed", "only a closed request can be reopened")
    _change(session, request, seen, state=request.closed_from or "draft", closed_on=None)
    _event(session, request, "reopened", user_id)
    return request


def requests_for_notice(session: Session, notice_id: int) -> list[AccessRequest]:
    stmt = (
        select(AccessRequest).where(AccessRequest.notice_id == notice_id).order_by(AccessRequest.id)
    )
    return list(session.scalars(stmt))


def events_of(session: Session, request_id: int) -> list[RequestEvent]:
    stmt = (
        select(RequestEvent).where(RequestEvent.request_id == request_id).order_by(RequestEvent.id)
    )
    return list(session.scalars(stmt))
