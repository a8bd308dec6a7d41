"""Access-request reminders in a group's digest — pure: what is due, what the recipient already
got, out come the reminders to add and the words to show.

A reminder goes to the group the request was made for; a request made for no group reminds
every group whose territory and categories cover its notice (:func:`digest.build.in_scope`).
Each reminder is keyed by its milestone and date (``refusal:2025-02-06`` …), so it reaches a
recipient once. Addresses never appear: only the request's number, dates and the buyer's name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from db.request_reminders import ReminderView
from digest.build import Digest, GroupSpec, NoticeView, in_scope

__all__ = [
    "RequestDigest",
    "reminder_context",
    "reminders_of",
    "request_reminders",
    "request_ui_url",
    "with_reminders",
]


@dataclass(frozen=True)
class RequestDigest(Digest):
    """A digest that also carries access-request reminders."""

    requests: tuple[ReminderView, ...] = ()

    @property
    def is_empty(self) -> bool:
        return super().is_empty and not self.requests

    def signature(self) -> tuple[Any, ...]:
        return (*super().signature(), self.requests)


def with_reminders(digest: Digest, reminders: tuple[ReminderView, ...]) -> Digest:
    """``digest`` with ``reminders`` added (unchanged when there are none)."""
    if not reminders:
        return digest
    values = {f.name: getattr(digest, f.name) for f in fields(digest)}
    return RequestDigest(**values, requests=reminders)


def reminders_of(digest: Digest) -> tuple[ReminderView, ...]:
    return digest.requests if isinstance(digest, RequestDigest) else ()


def request_reminders(
    group: GroupSpec,
    due: Iterable[ReminderView],
    delivered: set[tuple[int, str]],
    notices: Mapping[int, NoticeView],
) -> tuple[ReminderView, ...]:
    """The reminders of ``due`` for one recipient of ``group`` who already got ``delivered``."""
    out = []
    for view in due:
        if (view.request_id, view.key) in delivered:
            continue
        if view.group_id is not None:
            if view.group_id != group.id:
                continue
        else:
            notice = notices.get(view.notice_id)
            if notice is None or not in_scope(notice, group):
                continue
        out.append(view)
    return tuple(out)


def request_ui_url(base_url: str | None, request_id: int) -> str | None:
    if not base_url:
        return None
    return f"{base_url.rstrip('/')}/requests/{request_id}"


def _d(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "—"


def _lines(v: ReminderView) -> list[str]:
    if v.milestone == "refusal":
        what = "Sans réponse : refus implicite" if v.implicit else "Refus"
        lines = [
            f"{what} depuis le {_d(v.refusal_on)} ; la CADA peut être saisie jusqu'au "
            f"{_d(v.referral_until)} (date prudente)."
        ]
        if v.receipt_estimated:
            lines.append(
                "Date de réception estimée : le refus peut naître quelques jours plus tard."
            )
        return lines
    if v.milestone == "closing":
        return [
            f"Plus que quelques jours pour saisir la CADA : au plus tard le {_d(v.referral_until)}."
        ]
    if v.milestone == "opinion":
        return [f"L'avis de la CADA était attendu le {_d(v.opinion_due)}."]
    flagged = f" ; {v.flagged_pages} page(s) signalée(s)" if v.flagged_pages else ""
    return [f"{v.documents} document(s) reçu(s), {v.pages} page(s) lue(s){flagged}."]


def reminder_context(
    v: ReminderView,
    base_url: str | None,
    read_base: str | None,
    clean: Callable[[str | None, int], str],
) -> dict[str, object]:
    """What the templates print for one reminder: ``read_url`` opens the notice in the group's
    read-only view (no account needed), ``ui_url`` the request on the analysts' desk; ``clean``
    tidies source text (the digest's own cleaner, which also removes personal contact details)."""
    return {
        "id": v.request_id,
        "title": clean(v.title, 300) or "(sans titre)",
        "buyer": clean(v.buyer, 200) or "acheteur inconnu",
        "lines": _lines(v),
        "read_url": f"{read_base}/notices/{v.notice_id}" if read_base else "",
        "ui_url": request_ui_url(base_url, v.request_id) or "",
    }
