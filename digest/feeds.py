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

from digest import queries as q
from digest.build import GroupSpec, NoticeView, in_scope, notice_ui_url
from digest.render import scrub_personal

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
        el.text = _x(text)
    return el


def build_feed(
    title: str,
    feed_id: str,
    notices: Sequence[NoticeView],
    now: datetime,
    base_url: str | None = None,
) -> bytes:
    """An Atom 1.0 document for ``notices`` (newest first)."""
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
        link = notice_ui_url(base_url, n.id) or (
            n.url if n.url.startswith(("http://", "https://")) else ""
        )
        if link:
            _sub(entry, "link", href=link)
        if n.url.startswith(("http://", "https://")) and n.url != link:
            _sub(entry, "link", rel="related", href=n.url)
        for cat in n.categories:
            _sub(entry, "category", term=cat)
        lines = [
            f"Acheteur : {n.buyer_name or 'inconnu'}",
            f"Lieu : {', '.join(n.departements) or '—'}"
            + (f" (commune {n.commune_insee})" if n.commune_insee else ""),
            f"Nature : {n.kind}",
        ]
        if n.deadline_at:
            lines.append(f"Date limite : {n.deadline_at:%d/%m/%Y}")
        lines += [f"« {snip[:320]} » ({cat})" for cat, _f, snip in n.snippets[:3]]
        _sub(entry, "summary", scrub_personal("\n".join(lines)), type="text")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True))


def feed_xml(
    session: Session,
    group: GroupSpec | None = None,
    base_url: str | None = None,
    limit: int = FEED_LIMIT,
    now: datetime | None = None,
) -> bytes:
    """The Atom feed of ``group`` (filtered by its territory, categories, minimum score), or of
    every flagged notice when ``group`` is None. For the web UI: ``Response(feed_xml(s, g))``."""
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
    chosen = [n for n in pool if in_scope(n, group)][:limit]
    return build_feed(
        f"Veilleur — {group.name}", f"urn:veilleur:feed:group:{group.id}", chosen, now, base_url
    )


def write_feeds(
    session: Session, out_dir: Path, base_url: str | None = None, now: datetime | None = None
) -> list[Path]:
    """Write ``all.atom`` and one ``<slug>.atom`` per active group; returns the paths."""
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
        path.write_bytes(feed_xml(session, q.group_spec(group), base_url, now=now))
        written.append(path)
    return written
