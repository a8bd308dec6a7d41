"""The request page's forms turned into changes (:mod:`db.requests`); each form carries the
``version`` it showed, so a colleague's change in between is a conflict, not an overwrite."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from db.requests import (
    RequestError,
    close_request,
    get_request,
    mark_referred,
    mark_sent,
    record_answer,
    record_opinion,
    reopen_request,
    update_draft,
)
from letters.catalogue import choose
from review.guards import optional_id
from review.request_flow import follow_verdict
from vocabulary.errors import ConfigError

__all__ = ["action", "day"]

Action = Callable[[Session], list[str]]
RECIPIENT = ("name", "service", "address", "email")
REQUESTER = ("kind", "name", "legal_form", "representative", "address", "email")


def day(value: str | None) -> date | None:
    """A date from an ``<input type="date">`` (empty: none)."""
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise RequestError("request.err.date", f"not a date: {value!r}") from None


def _seen(form: MultiDict[str, str]) -> int | None:
    return optional_id(form.get("version"))


def _text(form: MultiDict[str, str], name: str, limit: int = 2000) -> str:
    return (form.get(name) or "").replace("\r\n", "\n").strip()[:limit]


def _edit(form: MultiDict[str, str], request_id: int, user_id: int) -> Action:
    def run(s: Session) -> list[str]:
        current = get_request(s, request_id)
        try:
            documents = [
                {"key": a.key, "label": a.label}
                for a in choose("other", (), form.getlist("documents"))
            ]
        except ConfigError as exc:
            raise RequestError("request.err.field", str(exc)) from exc
        recipient = dict(current.recipient or {})
        recipient.update({k: _text(form, f"recipient_{k}") for k in RECIPIENT})
        requester = {k: _text(form, f"requester_{k}") for k in REQUESTER}
        group = form.get("group_id", "")
        update_draft(
            s,
            request_id,
            _seen(form),
            user_id,
            documents=documents,
            recipient=recipient,
            requester=requester,
            mode=form.get("mode", current.mode),
            place=_text(form, "place", 200),
            group_id=optional_id(group),
        )
        return []

    return run


def action(
    what: str, request_id: int, form: MultiDict[str, str], user_id: int, today: date
) -> Action:
    """The change ``what`` asks for, ready to run in a transaction."""
    seen = _seen(form)
    if what == "edit":
        return _edit(form, request_id, user_id)

    def run(s: Session) -> list[str]:
        warnings: list[str] = []
        if what == "sent":
            sent_on = day(form.get("sent_on")) or today
            r: Any = mark_sent(
                s,
                request_id,
                seen,
                user_id,
                sent_on,
                mode=form.get("mode") or None,
                received_on=day(form.get("received_on")),
                today=today,
            )
            follow_verdict(s, r.notice_id, user_id, "foi_requested", f"demande n° {r.id} envoyée")
        elif what == "answer":
            record_answer(
                s,
                request_id,
                seen,
                user_id,
                day(form.get("answered_on")) or today,
                form.get("outcome", ""),
                missing=form.getlist("missing"),
                note=_text(form, "note"),
            )
        elif what == "referred":
            _, warnings = mark_referred(
                s, request_id, seen, user_id, day(form.get("referred_on")) or today
            )
        elif what == "opinion":
            record_opinion(
                s,
                request_id,
                seen,
                user_id,
                day(form.get("opinion_on")) or today,
                form.get("opinion", ""),
                note=_text(form, "note"),
            )
        elif what == "close":
            close_request(
                s,
                request_id,
                seen,
                user_id,
                day(form.get("closed_on")) or today,
                _text(form, "note"),
            )
        elif what == "reopen":
            reopen_request(s, request_id, seen, user_id)
        return warnings

    return run
