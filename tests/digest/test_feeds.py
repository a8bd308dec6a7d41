"""Atom feeds: valid XML from hostile scraped text, filtered per group."""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from db.session import session_scope
from digest import queries as q
from digest.feeds import build_feed, feed_xml, slugify, write_feeds
from tests.digest.test_build import ALL, view
from tests.factories import add_group, digest_notice, digest_record, store

NOW = datetime(2026, 11, 29, 7, 0, tzinfo=UTC)
A = "{http://www.w3.org/2005/Atom}"


def _titles(xml: bytes) -> list[str]:
    return [
        t.text or "" for t in etree.fromstring(xml).iter(f"{A}entry") for t in t.iter(f"{A}title")
    ]


def test_feed_parses_with_every_notice() -> None:
    assert len(_titles(build_feed("t", "urn:x", ALL, NOW))) == len(ALL)


def test_nul_and_control_chars_dropped() -> None:
    xml = build_feed("t", "urn:x", [view("2018J114600", title="Vidéo\x00protection\x0b")], NOW)
    assert _titles(xml) == ["Vidéoprotection"]


def test_markup_escaped_not_parsed() -> None:
    xml = build_feed("t", "urn:x", [view("2018J114600", title="<b>caméras</b> & LAPI")], NOW)
    assert _titles(xml) == ["<b>caméras</b> & LAPI"]


def test_summary_has_no_phone() -> None:
    notice = view(
        "20-102325",
        snippets=(
            ("videosurveillance", "description", digest_record("20-102325")["contact_text"]),
        ),
    )
    assert b"78 22 02 12" not in build_feed("t", "urn:x", [notice], NOW)


def test_ui_link_with_base_url() -> None:
    xml = build_feed("t", "urn:x", [view("2018J114600", 6)], NOW, "https://veilleur.example.org")
    assert b'href="https://veilleur.example.org/notices/6"' in xml


def test_slug_ascii() -> None:
    assert slugify("Lyon — Rhône") == "lyon-rhone"


def test_group_feed_filters_territory(sqlite_url: str) -> None:
    with session_scope(sqlite_url) as s:
        g = add_group(s, "lyon", ["a@example.org"], departements=["69"])
        store(s, *digest_notice(digest_record("2018J114600")))
        store(s, *digest_notice(digest_record("20182100")))
        xml = feed_xml(s, q.group_spec(g))
    assert _titles(xml) == [digest_record("2018J114600")["title"]]


def test_write_feeds_files(sqlite_url: str, tmp_path) -> None:
    with session_scope(sqlite_url) as s:
        add_group(s, "Lyon — Rhône", ["a@example.org"], departements=["69"])
        paths = write_feeds(s, tmp_path)
    assert sorted(p.name for p in paths) == ["all.atom", "lyon-rhone.atom"]
