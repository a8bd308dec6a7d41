"""What the desk and the command line do alike with access requests: draft one from a notice,
write its letters, store a received file, and move the notice's verdict along.

The Commission's address is a setting (``VEILLEUR_CADA_ADDRESS``, lines separated by ``|``,
and ``VEILLEUR_CADA_EMAIL``): it came from a secondary source and may change.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models.notices import Notice
from db.models.requests import AccessRequest
from db.models.review import ReviewHead
from db.requests import RequestError, create_request, get_request
from letters.compose import referral_letter, request_letter
from letters.model import Letter
from letters.render import MEDIA_TYPES, file_name, render
from letters.stored import draft_for, facts_from
from review.verdicts import record_verdict

__all__ = [
    "CADA_ADDRESS",
    "CADA_EMAIL",
    "LetterFile",
    "cada_contact",
    "draft_request",
    "follow_verdict",
    "last_requester",
    "letter_file",
    "letter_of",
    "store_upload",
]

CADA_ADDRESS = "TSA 50730|75334 Paris Cedex 07"
CADA_EMAIL = "cada@cada.fr"
#: how far a request moves a notice's verdict: sent → FOI requested, files read → documented
_ORDER = ("new", "relevant", "not_relevant", "follow_up", "foi_requested", "documented")


def cada_contact(env: Mapping[str, str] | None = None) -> tuple[str, str]:
    env = os.environ if env is None else env
    address = env.get("VEILLEUR_CADA_ADDRESS") or CADA_ADDRESS
    return address.replace("|", "\n"), env.get("VEILLEUR_CADA_EMAIL") or CADA_EMAIL


def last_requester(session: Session, group_id: int | None) -> dict[str, str]:
    """Who signed the group's latest request (so the next one starts filled in)."""
    stmt = select(AccessRequest.requester).order_by(AccessRequest.id.desc()).limit(1)
    if group_id is not None:
        stmt = stmt.where(AccessRequest.group_id == group_id)
    found = session.scalar(stmt)
    return dict(found or {})


def draft_request(
    session: Session,
    notice_id: int,
    *,
    user_id: int | None,
    group_id: int | None = None,
    keys: Sequence[str] | None = None,
    requester: Mapping[str, str] | None = None,
    mode: str = "email",
    place: str = "",
) -> AccessRequest:
    """A new draft about a notice: the catalogue's documents for its kind and categories (or
    exactly ``keys``), the buyer read from the notice, the group's last signatory."""
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise RequestError("request.err.notice", f"no notice {notice_id}", id=notice_id)
    documents, recipient = draft_for(notice, keys)
    signer = dict(requester) if requester else last_requester(session, group_id)
    return create_request(
        session,
        notice_id,
        documents=documents,
        recipient=recipient,
        requester=signer,
        group_id=group_id,
        user_id=user_id,
        mode=mode,
        place=place or "",
    )


def letter_of(session: Session, request_id: int, kind: str, today: date) -> Letter:
    """The request letter (dated the day it was sent, else today) or the referral (today)."""
    request = get_request(session, request_id)
    notice = session.get(Notice, request.notice_id)
    assert notice is not None  # a foreign key
    if kind == "referral":
        address, email = cada_contact()
        return referral_letter(
            facts_from(request, notice), written_on=today, cada_address=address, cada_email=email
        )
    return request_letter(facts_from(request, notice, written_on=request.sent_on or today))


@dataclass(frozen=True)
class LetterFile:
    name: str
    media_type: str
    body: bytes


def letter_file(session: Session, request_id: int, kind: str, fmt: str, today: date) -> LetterFile:
    letter = letter_of(session, request_id, kind, today)
    request = get_request(session, request_id)
    buyer = str((request.recipient or {}).get("name") or "")
    return LetterFile(
        file_name(letter, request_id, buyer, fmt), MEDIA_TYPES[fmt], render(letter, fmt)
    )


def store_upload(root: Path, body: bytes) -> tuple[str, str]:
    """Store a received file content-addressed under ``root`` (``<sha[:2]>/<sha>``, the
    crawler's layout); returns (sha256, path relative to ``root``)."""
    sha = hashlib.sha256(body).hexdigest()
    relative = f"{sha[:2]}/{sha}"
    path = root / relative
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{sha}.{os.getpid()}.tmp")
        tmp.write_bytes(body)
        tmp.replace(path)
    return sha, relative


def follow_verdict(
    session: Session, notice_id: int, user_id: int | None, verdict: str, note: str
) -> bool:
    """Append ``verdict`` to the notice's trail unless it is already there or further along;
    True when a review was added."""
    head = session.get(ReviewHead, notice_id)
    current = head.verdict if head else "new"
    if current in _ORDER and _ORDER.index(current) >= _ORDER.index(verdict):
        return False
    record_verdict(
        session, notice_id, user_id, verdict, head.review_id if head else None, note=note
    )
    return True
