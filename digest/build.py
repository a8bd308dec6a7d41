"""What goes into one recipient's digest — pure: plain data in, a :class:`Digest` out.

The database side (``digest.queries``) loads notices, deliveries and failed jobs into the small
dataclasses below; this module decides. Exactly-once rests on one rule: an entry is
``(notice, reason, content_hash)``, left out when the recipient already has a delivery with that
key: "new since the last digest" needs no clock, and a digest that failed to go out is still new.

Reasons: ``new`` (a flagged notice in the group's scope), ``update`` (a delivered notice changed
— correction, cancellation, deadline or award — or a new notice amends it), ``deadline`` (a
delivered notice closes within :data:`DEADLINE_WINDOW`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from vocabulary.terms import POSITIVE_VERDICTS

__all__ = [
    "DEADLINE_WINDOW",
    "TRACKED_FIELDS",
    "Delivered",
    "Digest",
    "Entry",
    "GroupSpec",
    "JobReport",
    "NoticeView",
    "PoolIndex",
    "Quote",
    "build_digest",
    "departement_of_commune",
    "describe_changes",
    "in_scope",
    "notice_ui_url",
    "shown_to",
]

DEADLINE_WINDOW = timedelta(days=7)
#: normalized fields whose change is worth telling a group about, with their French label
TRACKED_FIELDS: dict[str, str] = {
    "kind": "nature de l'avis",
    "title": "objet",
    "deadline_at": "date limite",
    "awardees": "attributaires",
    "estimated_value": "montant estimé",
    "lots": "lots",
    "description": "description",
}
KIND_LABELS = {
    "correction": "rectificatif",
    "cancellation": "annulation",
    "award": "attribution",
}


@dataclass(frozen=True)
class Quote:
    """Why a notice was flagged, in its own words: one flag's snippet and where the matched
    term lies in it (``start``/``end`` None for flags stored before terms were recorded)."""

    category: str
    field: str
    snippet: str
    term: str = ""
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class NoticeView:
    """The fields of a notice a digest shows or filters on."""

    id: int
    title: str
    kind: str
    source: str
    url: str
    content_hash: str
    buyer_name: str | None = None
    departements: tuple[str, ...] = ()
    commune_insee: str | None = None
    categories: tuple[str, ...] = ()
    score: float = 0.0
    flagged: bool = True
    published_at: date | None = None
    deadline_at: datetime | None = None
    awardees: tuple[str, ...] = ()
    first_seen_at: datetime | None = None
    #: when its newest flag was recorded (a rescan with new rules can flag an older notice)
    flagged_at: datetime | None = None
    #: (category, field, snippet) of each flag
    snippets: tuple[tuple[str, str, str], ...] = ()
    #: each flag's snippet with its matched term, strongest first
    quotes: tuple[Quote, ...] = ()
    estimated_value: float | None = None
    currency: str | None = None
    cpv_codes: tuple[str, ...] = ()
    #: the analysts' latest verdict (None: nobody reviewed it), when, and their public note
    verdict: str | None = None
    reviewed_at: datetime | None = None
    public_note: str = ""
    details: tuple[str, ...] = ()  #: a prefectoral authorisation's details, one per line

    @property
    def confirmed(self) -> bool:
        return self.verdict in POSITIVE_VERDICTS


@dataclass(frozen=True)
class GroupSpec:
    """A group's filters. Empty territory lists mean everything; empty categories mean all."""

    id: int
    name: str
    recipients: tuple[str, ...]
    departements: tuple[str, ...] = ()
    communes: tuple[str, ...] = ()
    #: EPCI name -> INSEE codes of its member communes
    epcis: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    categories: tuple[str, ...] = ()
    min_score: float = 0.0
    cadence: str = "daily"
    operators: bool = False
    #: ``flagged`` (flagged and not rejected, plus confirmed) or ``confirmed`` (confirmed only)
    selection: str = "flagged"
    #: how readers reach the group, printed in every digest
    contact: str = ""

    @cached_property
    def all_territory(self) -> bool:
        return not (self.departements or self.communes or self.epcis)

    @cached_property
    def commune_set(self) -> frozenset[str]:
        """Communes named directly or as members of an EPCI (computed once per group)."""
        codes = set(self.communes)
        for members in self.epcis.values():
            codes.update(members)
        return frozenset(codes)

    @cached_property
    def departement_set(self) -> frozenset[str]:
        return frozenset(self.departements)

    @cached_property
    def category_set(self) -> frozenset[str]:
        return frozenset(self.categories)


@dataclass
class Delivered:
    """What one recipient already got of one notice: reason -> content hashes, and the hash
    of the latest delivery (the version the recipient last saw)."""

    hashes: dict[str, set[str]] = field(default_factory=dict)
    last_hash: str | None = None

    def has(self, reason: str, content_hash: str) -> bool:
        return content_hash in self.hashes.get(reason, set())

    def any_hash(self, content_hash: str) -> bool:
        return any(content_hash in hs for hs in self.hashes.values())


@dataclass(frozen=True)
class JobReport:
    """A failed job, for the operators' section."""

    id: int
    job: str
    status: str
    started_at: datetime
    message: str = ""


@dataclass(frozen=True)
class Entry:
    notice: NoticeView
    reason: str
    #: human-readable lines: what changed, or why this update concerns the group
    changes: tuple[str, ...] = ()
    closing_soon: bool = False

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.notice.id, self.reason, self.notice.content_hash)

    def delivery_keys(self) -> tuple[tuple[int, str, str], ...]:
        """Deliveries to record once sent; an entry shown as closing soon also counts as the
        deadline reminder, so it is not repeated the next day."""
        if self.closing_soon and self.reason != "deadline":
            return (self.key, (self.notice.id, "deadline", self.notice.content_hash))
        return (self.key,)


@dataclass(frozen=True)
class Digest:
    group: GroupSpec
    generated_at: datetime
    new: tuple[Entry, ...] = ()
    updates: tuple[Entry, ...] = ()
    deadlines: tuple[Entry, ...] = ()
    failed_jobs: tuple[JobReport, ...] = ()
    base_url: str | None = None
    #: the group's read-only link (``…/p/<token>``): "Dans Veilleur" opens notices under it
    read_base: str | None = None
    watched: tuple[Entry, ...] = ()  # notices of parties the group watches (digest.watch)

    @property
    def entries(self) -> tuple[Entry, ...]:
        return self.new + self.updates + self.deadlines + self.watched

    @property
    def is_empty(self) -> bool:
        return not (self.entries or self.failed_jobs)

    def signature(self) -> tuple[Any, ...]:
        """Two recipients with equal signatures can share one message."""
        return (tuple(e.key for e in self.entries), tuple(j.id for j in self.failed_jobs))


def departement_of_commune(insee: str) -> str:
    """Département of an INSEE commune code: 2 characters, 3 overseas (971…976)."""
    insee = insee.strip().upper()
    return insee[:3] if insee.startswith("97") else insee[:2]


def shown_to(notice: NoticeView, group: GroupSpec) -> bool:
    """The analysts' verdict applied: a rejected notice is never shown; a ``confirmed`` group
    sees confirmed notices only; otherwise flagged or confirmed (found by hand) ones."""
    if notice.verdict == "not_relevant":
        return False
    if group.selection == "confirmed":
        return notice.confirmed
    return notice.flagged or notice.confirmed


def in_scope(notice: NoticeView, group: GroupSpec) -> bool:
    """Territory, categories and minimum score of ``group`` applied to ``notice``. A notice
    the analysts confirmed needs no score, and one found by hand (no category) passes the
    category filter: the analysts' word stands for the rules'."""
    if notice.score < group.min_score and not notice.confirmed:
        return False
    if (
        group.categories and notice.categories and group.category_set.isdisjoint(notice.categories)
    ) or (group.categories and not notice.categories and not notice.confirmed):
        return False
    if group.all_territory:
        return True
    if notice.commune_insee and notice.commune_insee in group.commune_set:
        return True
    if group.departements:
        wanted = group.departement_set
        if not wanted.isdisjoint(notice.departements):
            return True
        return (
            bool(notice.commune_insee)
            and departement_of_commune(notice.commune_insee or "") in wanted
        )
    return False


class PoolIndex:
    """Candidate notices indexed by département and commune, so each of many groups looks at
    its own territory instead of scanning the whole pool (100 groups x 10 000 notices)."""

    def __init__(self, notices: Iterable[NoticeView]) -> None:
        self.notices = list(notices)
        self._by_dept: dict[str, list[NoticeView]] = {}
        self._by_commune: dict[str, list[NoticeView]] = {}
        for n in self.notices:
            depts = set(n.departements)
            if n.commune_insee:
                depts.add(departement_of_commune(n.commune_insee))
                self._by_commune.setdefault(n.commune_insee, []).append(n)
            for d in depts:
                self._by_dept.setdefault(d, []).append(n)

    def matching(self, group: GroupSpec) -> list[NoticeView]:
        """The notices :func:`in_scope` of ``group``, in pool order."""
        if group.all_territory:
            base: Iterable[NoticeView] = self.notices
        else:
            found: dict[int, NoticeView] = {}
            for d in group.departement_set:
                found.update((n.id, n) for n in self._by_dept.get(d, ()))
            for c in group.commune_set:
                found.update((n.id, n) for n in self._by_commune.get(c, ()))
            base = sorted(found.values(), key=lambda n: n.id)
        return [n for n in base if in_scope(n, group)]


def notice_ui_url(base_url: str | None, notice_id: int) -> str | None:
    """Link to the notice in the analysts' interface, when ``VEILLEUR_BASE_URL`` is set."""
    if not base_url:
        return None
    return f"{base_url.rstrip('/')}/notices/{notice_id}"


def _fmt(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(_fmt(v) for v in value)
    if isinstance(value, dict):
        ident = f"{value.get('id_type') or 'id'} {value['id']}" if value.get("id") else value
        return str(value.get("name") or value.get("denomination") or ident)
    return str(value)


def describe_changes(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> tuple[str, ...]:
    """Lines saying which tracked fields differ between two versions' data."""
    if old is None:
        return ("nouvelle version de l'avis",)
    lines = []
    for key, label in TRACKED_FIELDS.items():
        if key in old or key in new:
            before, after = old.get(key), new.get(key)
            if before != after:
                if key in ("description", "lots"):
                    lines.append(f"{label} modifié(e)")
                else:
                    lines.append(f"{label} : {_fmt(before)} → {_fmt(after)}")
    return tuple(lines) or ("nouvelle version de l'avis",)


def _closing_soon(notice: NoticeView, now: datetime) -> bool:
    return notice.deadline_at is not None and now <= notice.deadline_at <= now + DEADLINE_WINDOW


def build_digest(
    group: GroupSpec,
    recipient: str,
    now: datetime,
    candidates: Iterable[NoticeView],
    delivered: Mapping[int, Delivered],
    versions: Mapping[tuple[int, str], Mapping[str, Any]] | None = None,
    amendments: Mapping[int, Sequence[tuple[NoticeView, str]]] | None = None,
    delivered_views: Iterable[NoticeView] = (),
    failed_jobs: Sequence[JobReport] = (),
    base_url: str | None = None,
) -> Digest:
    """The digest for ``recipient`` of ``group`` at ``now``.

    ``candidates``: flagged notices that may be new; ``delivered``: for this recipient,
    notice id -> :class:`Delivered`; ``delivered_views``: the current
    state of notices already delivered (for updates and deadlines); ``versions``: (notice id,
    content hash) -> that version's data, to describe changes; ``amendments``: delivered notice
    id -> notices (correction, cancellation, award…) that amend it, with the link relation.
    """
    versions = versions or {}
    amendments = amendments or {}
    new: list[Entry] = []
    seen: set[int] = set()
    for notice in candidates:
        if notice.id in delivered or notice.id in seen or not shown_to(notice, group):
            continue
        if not in_scope(notice, group):
            continue
        seen.add(notice.id)
        new.append(Entry(notice, "new", closing_soon=_closing_soon(notice, now)))

    updates: list[Entry] = []
    deadlines: list[Entry] = []
    for notice in delivered_views:
        got = delivered.get(notice.id)
        if got is None or notice.verdict == "not_relevant":  # rejected: leaves the digests
            continue
        soon = _closing_soon(notice, now)
        if not got.any_hash(notice.content_hash):
            old = versions.get((notice.id, got.last_hash)) if got.last_hash else None
            cur = versions.get((notice.id, notice.content_hash), {})
            changes = describe_changes(old, cur)
            updates.append(Entry(notice, "update", changes, closing_soon=soon))
        elif soon and not got.has("deadline", notice.content_hash):
            deadlines.append(Entry(notice, "deadline", closing_soon=True))
        for amending, relation in amendments.get(notice.id, ()):
            if amending.id in delivered or amending.id in seen:
                continue
            if amending.verdict == "not_relevant":
                continue
            seen.add(amending.id)
            label = KIND_LABELS.get(amending.kind, relation)
            line = f"{label} de l'avis « {notice.title[:120]} »"
            updates.append(Entry(amending, "update", (line,), _closing_soon(amending, now)))

    new.sort(key=lambda e: (-e.notice.score, e.notice.id))
    deadlines.sort(key=lambda e: e.notice.deadline_at or now)
    return Digest(
        group, now, tuple(new), tuple(updates), tuple(deadlines), tuple(failed_jobs), base_url
    )
