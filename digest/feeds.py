"""Atom feeds: one per group and one for everything, for feed readers and chat bridges.

:func:`feed_xml` returns the bytes (the web UI serves them as ``application/atom+xml``);
:func:`write_feeds` writes ``all.atom`` and ``<group-slug>.atom`` into a directory for static
hosting. Entries carry the same scrubbed text as digests (no personal contact data) and are
built with lxml, so scraped text is escaped, and characters XML 1.0 forbids (NUL and other C0
controls that real notices contain) are dropped rather than breaking the whole feed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree
from sqlalchemy.orm import Session

from db.read_links import current_read_link, read_link_token
from digest import queries as q
from digest.build import GroupSpec, NoticeView, in_scope, notice_ui_url, shown_to
from digest.render import french_amount, scrub_personal
from vocabulary.cpv import cpv_with_label
from vocabulary.display import for_display
from vocabulary.labels import label
from vocabulary.places import place_label

__all__ = ["FEED_LIMIT", "build_feed", "feed_xml", "slugify", "write_feeds"]

ATOM = "http://www.w3.org/2005/Atom"
FEED_LIMIT = 200
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(text: str | None) -> str:
    return _XML_BAD.sub("", text or "")


def slugify(name: str) -> str:
    """A file-name-safe, ASCII slug for a group name ("Lyon — Rhône" -> "lyon-rhone")."""
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")
    return slug or "group"


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ATOM}}}{tag}", {k: _x(v) for k, v in attrs.items()})
    if text is not None:
        el.text = _x(for_display(text))  # titles and buyers shown as read (vocabulary.display)
    return el


def _summary(n: NoticeView) -> str:
    lines = [
        f"{label('kind', n.kind).capitalize()}"
        + (f", publié le {n.published_at:%d/%m/%Y}" if n.published_at else ""),
        f"Acheteur : {n.buyer_name or 'inconnu'}",
        f"Lieu : {place_label(n.commune_insee, n.departements) or '—'}",
    ]
    if n.estimated_value:
        lines.append(f"Montant : {french_amount(n.estimated_value, n.currency)}")
    if n.deadline_at:
        lines.append(f"Date limite : {n.deadline_at:%d/%m/%Y}")
    seen: set[str] = set()
    for quote in n.quotes[:6]:
        shown = cpv_with_label(quote.term) if quote.field == "cpv" else f"« {quote.snippet[:320]} »"
        if shown not in seen and len(seen) < 3:
            seen.add(shown)
            lines.append(f"{shown} ({label('category', quote.category)})")
    status = "pas encore examiné" if n.verdict in (None, "new") else label("verdict", n.verdict)
    lines.append(f"Statut : {status}")
    if n.public_note:
        lines.append(f"Note des analystes : {n.public_note}")
    return "\n".join(lines)


def build_feed(
    title: str,
    feed_id: str,
    notices: Sequence[NoticeView],
    now: datetime,
    base_url: str | None = None,
    read_base: str | None = None,
) -> bytes:
    """An Atom 1.0 document for ``notices`` (newest first). Entries link to the group's
    read-only view under ``read_base`` when given, else to the desk (``base_url``)."""
    root = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    _sub(root, "title", title)
    _sub(root, "id", feed_id)
    updated = max((n.first_seen_at for n in notices if n.first_seen_at), default=now)
    _sub(root, "updated", _iso(updated))
    _sub(_sub(root, "author"), "name", "Veilleur")
    if base_url:
        _sub(root, "link", href=base_url.rstrip("/") + "/")
    for n in notices:
        entry = _sub(root, "entry")
        _sub(entry, "title", scrub_personal(n.title) or "(sans titre)")
        _sub(entry, "id", f"{feed_id}:notice:{n.id}:{n.content_hash[:16]}")
        _sub(entry, "updated", _iso(n.first_seen_at or now))
        link = (
            (f"{read_base}/notices/{n.id}" if read_base else None)
            or notice_ui_url(base_url, n.id)
            or (n.url if n.url.startswith(("http://", "https://")) else "")
        )
        if link:
            _sub(entry, "link", href=link)
        if n.url.startswith(("http://", "https://")) and n.url != link:
            _sub(entry, "link", rel="related", href=n.url)
        for cat in n.categories:
            _sub(entry, "category", term=cat)
        _sub(entry, "summary", scrub_personal(_summary(n)), type="text")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True))


def feed_xml(
    session: Session,
    group: GroupSpec | None = None,
    base_url: str | None = None,
    limit: int = FEED_LIMIT,
    now: datetime | None = None,
    read_base: str | None = None,
) -> bytes:
    """The Atom feed of ``group`` (its selection, territory, categories, minimum score), or of
    every notice shown to groups when ``group`` is None (flagged and not rejected, or
    confirmed). For the web UI: ``Response(feed_xml(s, g))``."""
    now = now or datetime.now(UTC)
    pool = q.recent_flagged(session, limit if group is None else limit * 10)
    if group is None:
        return build_feed(
            "Veilleur — tous les avis signalés",
            "urn:veilleur:feed:all",
            pool[:limit],
            now,
            base_url,
        )
    chosen = [n for n in pool if shown_to(n, group) and in_scope(n, group)][:limit]
    return build_feed(
        f"Veilleur — {group.name}",
        f"urn:veilleur:feed:group:{group.id}",
        chosen,
        now,
        base_url,
        read_base,
    )


def write_feeds(
    session: Session,
    out_dir: Path,
    base_url: str | None = None,
    now: datetime | None = None,
    key: str | None = None,
) -> list[Path]:
    """Write ``all.atom`` and one ``<slug>.atom`` per active group; returns the paths. With
    ``base_url`` and the installation's ``key``, a group's entries open its read-only link."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    path = out_dir / "all.atom"
    path.write_bytes(feed_xml(session, None, base_url, now=now))
    written.append(path)
    seen = {"all"}
    for group in q.list_groups(session, active_only=True):
        slug = slugify(group.name)
        slug = f"{slug}-{group.id}" if slug in seen else slug
        seen.add(slug)
        path = out_dir / f"{slug}.atom"
        read_base = None
        if base_url and key:
            token = read_link_token(key, current_read_link(session, group.id))
            read_base = f"{base_url.rstrip('/')}/p/{token}"
        spec = q.group_spec(group)
        path.write_bytes(feed_xml(session, spec, base_url, now=now, read_base=read_base))
        written.append(path)
    return written
