"""Bidi controls and zero-width characters in scraped titles and buyer names do not reach a
mail or a feed as they are (vocabulary.display)."""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from digest.feeds import build_feed
from tests.digest.test_build import view
from tests.digest.test_render import _render

TITLE = "Caméras \u202egnp.exe\u202c de vidéo\u200bprotection \u2066urbaine\u2069"
BUYER = "Commune de \u200fCollonges\u200e au Mont\u2060 d'Or"


def _notice():  # type: ignore[no-untyped-def]
    return view("20-102325", title=TITLE, buyer_name=BUYER)


def test_mail_parts_show_no_bidi_or_zero_width_character() -> None:
    rendered = _render([_notice()])
    for part in (rendered.text, rendered.html, rendered.subject):
        assert not set(part) & set("\u202e\u202c\u200b\u2066\u2069\u200f\u200e\u2060")
    assert "Caméras gnp.exe de vidéoprotection urbaine" in rendered.text
    assert "Commune de Collonges au Mont d" in rendered.text


def test_feed_shows_no_bidi_or_zero_width_character() -> None:
    xml = build_feed("t", "urn:t", [_notice()], datetime(2026, 11, 29, tzinfo=UTC))
    root = etree.fromstring(xml)
    texts = "".join(root.itertext())
    assert "\u202e" not in texts and "\u200b" not in texts
    assert "Caméras gnp.exe de vidéoprotection urbaine" in texts
