"""A group's read-only link and each recipient's unsubscribe link: signed tokens.

A read-only link opens, without an account, the notices Veilleur shows to groups (their hits,
documents and story; never the analysts' private notes). Its token signs the id of a
``read_links`` row with the installation's key (:mod:`db.secret_key`), so it cannot be forged,
and the row can be revoked: a revoked link opens nothing, and the group's next digest carries a
new one. An unsubscribe token signs (group, recipient): whoever holds it can remove exactly
that address from exactly that group, and nothing else.

Functions take the session first and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.models.base import utcnow
from db.models.digest import Group, ReadLink

__all__ = [
    "Unsubscribed",
    "current_read_link",
    "read_link_group",
    "read_link_token",
    "revoke_read_links",
    "unsubscribe",
    "unsubscribe_token",
]

_READ_SALT = "veilleur.read-link"
_UNSUBSCRIBE_SALT = "veilleur.unsubscribe"


def read_link_token(key: str, link: ReadLink) -> str:
    return URLSafeSerializer(key, salt=_READ_SALT).dumps([link.id, link.group_id])


def current_read_link(session: Session, group_id: int, now: datetime | None = None) -> ReadLink:
    """The group's newest link that is not revoked; a new one when there is none."""
    found = session.scalars(
        select(ReadLink)
        .where(ReadLink.group_id == group_id, ReadLink.revoked_at.is_(None))
        .order_by(ReadLink.id.desc())
        .limit(1)
    ).first()
    if found is not None:
        return found
    link = ReadLink(group_id=group_id, created_at=now or utcnow())
    session.add(link)
    session.flush()
    return link


def revoke_read_links(session: Session, group_id: int, now: datetime | None = None) -> int:
    """Revoke every live link of the group; how many were revoked."""
    done = session.execute(
        update(ReadLink)
        .where(ReadLink.group_id == group_id, ReadLink.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
    )
    return int(getattr(done, "rowcount", 0) or 0)


def read_link_group(session: Session, key: str, token: str) -> int | None:
    """The group a token opens for, or None: bad signature, unknown or revoked link."""
    try:
        link_id, group_id = URLSafeSerializer(key, salt=_READ_SALT).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    link = session.get(ReadLink, link_id) if isinstance(link_id, int) else None
    if link is None or link.group_id != group_id or link.revoked_at is not None:
        return None
    return link.group_id


def unsubscribe_token(key: str, group_id: int, recipient: str) -> str:
    return URLSafeSerializer(key, salt=_UNSUBSCRIBE_SALT).dumps([group_id, recipient])


@dataclass(frozen=True)
class Unsubscribed:
    group: str
    recipient: str
    #: False when the address was no longer among the group's recipients
    removed: bool


def unsubscribe(
    session: Session, key: str, token: str, *, apply: bool = True
) -> Unsubscribed | None:
    """Remove the token's recipient from the token's group (``apply=False``: only say who
    it is, for the confirmation page); None for a bad token or a group that no longer exists."""
    try:
        group_id, recipient = URLSafeSerializer(key, salt=_UNSUBSCRIBE_SALT).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    group = session.get(Group, group_id) if isinstance(group_id, int) else None
    if group is None or not isinstance(recipient, str):
        return None
    present = recipient in (group.recipients or [])
    if apply and present:
        group.recipients = [r for r in group.recipients if r != recipient]
    return Unsubscribed(group.name, recipient, present)
