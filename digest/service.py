"""One digest run: read (one transaction), send (no transaction open), record (one per group).

Order matters for exactly-once: a delivery row is written only after the SMTP server accepted
that recipient, and nothing is held open in the database while talking to the server. The
remaining window — the process dies between the server's 250 and the commit — can repeat one
message at the next run; it cannot lose one.

A group is *due* when its cadence has elapsed since its last complete digest (or when named
explicitly); a group whose last digest was only partly accepted stays due, so the refused
recipients are retried at the next run while the others have nothing pending.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from db.models.base import utcnow
from db.models.digest import Group
from db.read_links import current_read_link, read_link_token, unsubscribe_token
from db.request_reminders import (
    ReminderView,
    delivered_reminders,
    record_reminders,
    reminders_due,
)
from db.secret_key import load_secret_key
from db.session import session_scope
from digest import queries as q
from digest.build import Delivered, Digest, GroupSpec, NoticeView, PoolIndex, build_digest
from digest.render import UNSUBSCRIBE_PLACEHOLDER, RenderedDigest, render_digest
from digest.requests import reminders_of, request_reminders, with_reminders
from digest.send import SendError, SmtpSender, SmtpSettings, build_message
from digest.watch import add_watched, watched_notices
from vocabulary.deadlines import today_in_paris

__all__ = [
    "CADENCE",
    "GroupResult",
    "PreparedMessage",
    "is_due",
    "prepare_digests",
    "send_digests",
]

log = logging.getLogger(__name__)
#: time since the last complete digest after which a group is due (a little under the period,
#: so a 07:00 job that finished at 07:02 yesterday still fires today)
CADENCE = {"daily": timedelta(hours=20), "weekly": timedelta(days=6, hours=20)}
DEFAULT_BACKLOG_DAYS = 7


class Sender(Protocol):
    def send(self, msg: object, recipients: list[str]) -> set[str]: ...


@dataclass
class PreparedMessage:
    """One rendered digest and the recipients who should get exactly this content."""

    group: GroupSpec
    digest: Digest
    rendered: RenderedDigest
    recipients: list[str]
    #: recipient -> their own unsubscribe link (empty without ``VEILLEUR_BASE_URL``)
    unsubscribe: dict[str, str] = field(default_factory=dict)

    def personal(self, recipient: str) -> RenderedDigest:
        """The message as ``recipient`` gets it: with their own unsubscribe link."""
        return self.rendered.with_unsubscribe(self.unsubscribe.get(recipient))


@dataclass
class GroupResult:
    group: str
    messages: int = 0
    accepted: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    error: str | None = None
    empty: bool = False


def is_due(group: Group, now: datetime) -> bool:
    if group.last_digest_at is None:
        return True
    return now - group.last_digest_at >= CADENCE.get(group.cadence, CADENCE["daily"])


def _backlog_days(env: Mapping[str, str]) -> int:
    try:
        return int(env.get("VEILLEUR_DIGEST_BACKLOG_DAYS", DEFAULT_BACKLOG_DAYS))
    except ValueError:
        return DEFAULT_BACKLOG_DAYS


#: overlap with the previous complete digest, against clock skew and late commits
WINDOW_OVERLAP = timedelta(days=1)


def _window(group: Group, backlog: timedelta) -> tuple[datetime, datetime]:
    """(oldest first-seen time ever eligible, start of the "new since" window) for a group.

    Deliveries make the window safe to overlap: what was delivered is never sent again, so
    the window only bounds how much is read. It starts before the last *complete* digest; a
    digest that failed for someone leaves ``last_digest_at`` unchanged, so nothing is lost.
    """
    horizon = group.created_at - backlog
    since = horizon
    if group.last_digest_at is not None:
        since = max(horizon, group.last_digest_at - WINDOW_OVERLAP)
    return horizon, since


def _fresh(n: NoticeView, horizon: datetime, since: datetime) -> bool:
    if n.confirmed and n.reviewed_at is not None and n.reviewed_at >= since:
        return True  # confirmed by an analyst since the last digest, however old
    seen = n.first_seen_at
    if seen is not None and seen < horizon:
        return False
    return (seen is None or seen >= since) or (n.flagged_at is not None and n.flagged_at >= since)


def _changed_pairs(
    views: Iterable[NoticeView], delivered: Mapping[str, Mapping[int, Delivered]]
) -> list[tuple[int, str]]:
    """(notice, hash) versions needed to describe updates: only notices that changed."""
    current = {v.id: v.content_hash for v in views}
    pairs: set[tuple[int, str]] = set()
    for per in delivered.values():
        for nid, d in per.items():
            chash = current.get(nid)
            if chash is not None and not d.any_hash(chash) and d.last_hash:
                pairs.update({(nid, chash), (nid, d.last_hash)})
    return sorted(pairs)


def prepare_digests(
    url: str | None,
    now: datetime,
    group_names: Iterable[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> tuple[list[PreparedMessage], list[GroupResult]]:
    """Build and render every due group's digests; recipients with equal content share one."""
    env = os.environ if env is None else env
    base_url = (env.get("VEILLEUR_BASE_URL") or "").rstrip("/") or None
    key = load_secret_key(env=env) if base_url else None
    operators = q.operator_group_names(env)
    backlog = timedelta(days=_backlog_days(env))
    names = set(group_names) if group_names else None
    prepared: list[PreparedMessage] = []
    results: list[GroupResult] = []
    with session_scope(url) as s:
        if names:
            groups = [g for g in q.list_groups(s) if g.name in names]
            missing = names - {g.name for g in groups}
            if missing:
                raise KeyError(f"no such group: {', '.join(sorted(missing))}")
        else:
            groups = [g for g in q.list_groups(s, active_only=True) if is_due(g, now)]
        if not groups:
            return prepared, results
        windows = {g.id: _window(g, backlog) for g in groups}
        reminders = _request_reminders(s, now)
        pool = q.candidate_notices(
            s, min(w[1] for w in windows.values()), min(w[0] for w in windows.values())
        )
        index = PoolIndex(pool)
        by_id = {n.id: n for n in pool}
        for group in groups:
            spec = q.group_spec(group, operators)
            horizon, since = windows[group.id]
            # territory/category/score once per group, not once per recipient
            candidates = [n for n in index.matching(spec) if _fresh(n, horizon, since)]
            delivered = q.delivered_by_recipient(s, group.id)
            ids = {nid for per in delivered.values() for nid in per}
            absent = ids - by_id.keys()
            views = [by_id[i] for i in ids if i in by_id]
            views += q.notice_views(s, absent) if absent else []
            versions = q.version_data(s, _changed_pairs(views, delivered))
            amendments = q.amendments_of(s, ids) if ids else {}
            watched = watched_notices(s, group.id, since)
            sends = q.last_sends(s, group.id) if spec.operators else {}
            reminded = delivered_reminders(s, group.id)
            jobs_pool = q.failed_jobs_since(s, horizon) if spec.operators else []
            by_signature: dict[tuple[object, ...], PreparedMessage] = {}
            result = GroupResult(group.name)
            read_base = None
            if base_url and key:
                link = current_read_link(s, group.id, now)
                read_base = f"{base_url}/p/{read_link_token(key, link)}"
            for recipient in spec.recipients:
                since = sends.get(recipient, horizon)
                jobs = [j for j in jobs_pool if j.started_at > since]
                digest = build_digest(
                    spec, recipient, now, candidates, delivered.get(recipient, {}),
                    versions, amendments, views, jobs, base_url,
                )  # fmt: skip
                got = reminded.get(recipient, set())
                digest = with_reminders(
                    digest, request_reminders(spec, reminders[0], got, reminders[1])
                )
                digest = add_watched(digest, watched, delivered.get(recipient, {}))
                if digest.is_empty:
                    continue
                digest = replace(digest, read_base=read_base)
                sig = digest.signature()
                if sig not in by_signature:
                    rendered = render_digest(digest, UNSUBSCRIBE_PLACEHOLDER if key else None)
                    by_signature[sig] = PreparedMessage(spec, digest, rendered, [])
                by_signature[sig].recipients.append(recipient)
                if base_url and key:
                    token = unsubscribe_token(key, group.id, recipient)
                    by_signature[sig].unsubscribe[recipient] = f"{base_url}/unsubscribe/{token}"
            prepared.extend(by_signature.values())
            result.messages = len(by_signature)
            result.empty = not by_signature
            results.append(result)
    return prepared, results


def send_digests(
    url: str | None,
    now: datetime | None = None,
    group_names: Iterable[str] | None = None,
    settings: SmtpSettings | None = None,
    env: Mapping[str, str] | None = None,
) -> list[GroupResult]:
    """Send every due group's digest (or the named groups'); record what the server accepted."""
    env = os.environ if env is None else env
    now = now or utcnow()
    prepared, results = prepare_digests(url, now, group_names, env)
    by_group = {r.group: r for r in results}
    if not prepared:
        _mark_done(url, [r for r in results if r.empty], now)
        return results
    settings = settings or SmtpSettings.from_env(env)
    with SmtpSender(settings) as sender:
        for pm in prepared:
            result = by_group[pm.group.name]
            for recipient in pm.recipients:
                personal = pm.personal(recipient)
                msg = build_message(
                    personal, settings.mail_from, pm.group.name, pm.unsubscribe.get(recipient)
                )
                try:
                    accepted = sender.send(msg, [recipient])
                except SendError as exc:
                    log.error("digest_send_failed group=%s error=%s", pm.group.name, exc)
                    result.error = str(exc)
                    result.refused.append(recipient)
                    continue
                result.accepted.extend(sorted(accepted))
                result.refused.extend(sorted({recipient} - accepted))
                _record(url, pm, accepted, str(msg["Message-ID"]), now)
    _mark_done(url, [r for r in results if not r.refused and r.error is None], now)
    for r in results:
        log.info(
            "digest_group group=%s messages=%d accepted=%d refused=%d error=%s",
            r.group, r.messages, len(r.accepted), len(r.refused), r.error,
        )  # fmt: skip
    return results


def _request_reminders(
    s: Session, now: datetime
) -> tuple[list[ReminderView], dict[int, NoticeView]]:
    """Access-request reminders due today (Paris), with their notices for the groups' scope."""
    due = reminders_due(s, today_in_paris(now))
    ids = {v.notice_id for v in due if v.group_id is None}
    return due, {n.id: n for n in q.notice_views(s, ids)} if ids else {}


def _record(
    url: str | None, pm: PreparedMessage, accepted: set[str], msg_id: str, now: datetime
) -> None:
    keys = [k for e in pm.digest.entries for k in e.delivery_keys()]
    reminded = [(r.request_id, r.key) for r in reminders_of(pm.digest)]
    with session_scope(url) as s:
        for recipient in sorted(accepted):
            q.record_deliveries(s, pm.group.id, recipient, keys, now)
            record_reminders(s, pm.group.id, recipient, reminded, now)
            q.record_send(
                s, pm.group.id, recipient, msg_id, len(pm.digest.entries),
                len(pm.digest.failed_jobs), now,
            )  # fmt: skip


def _mark_done(url: str | None, results: list[GroupResult], now: datetime) -> None:
    if not results:
        return
    with session_scope(url) as s:
        for group in q.list_groups(s):
            if group.name in {r.group for r in results}:
                q.mark_group_done(s, group.id, now)
