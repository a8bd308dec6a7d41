"""The analysts' verdicts reach the groups, through a real SMTP server on loopback: a rejected
notice leaves the next digest and the feeds, one confirmed by hand enters them, each entry says
its status and the public note (never the private one), and a group can take confirmed notices
only."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy

import pytest
from lxml import etree
from sqlalchemy import select

from db.models import Group, Notice
from db.session import session_scope
from digest.feeds import feed_xml
from digest.queries import group_spec
from digest.service import send_digests
from tests.factories import add_group, add_verdict, digest_notice, digest_record, store
from tests.smtp import SmtpServer

pytestmark = pytest.mark.pg_reuse

ENV = {"VEILLEUR_BASE_URL": "https://veilleur.example.org", "VEILLEUR_SECRET_KEY": "k" * 32}
LYON, COLLONGES = "2018J114600", "20-102325"  # both in the Rhône (69)


def text_of(raw: bytes) -> str:
    msg = email.message_from_bytes(raw, policy=policy.default)
    return "".join(p.get_content() for p in msg.walk() if p.get_content_type() == "text/plain")


def _store(url: str, selection: str = "flagged", **flagged: bool) -> dict[str, int]:
    """Group ``lyon`` (Rhône) and the two Rhône notices, flagged unless told otherwise."""
    ids = {}
    with session_scope(url) as s:
        add_group(s, "lyon", ["a@example.org"], departements=["69"], selection=selection)
        for key in (LYON, COLLONGES):
            item, decision = digest_notice(digest_record(key), flagged=flagged.get(key, True))
            ids[key] = store(s, item, decision).id
    return ids


def _send(url: str, smtp: SmtpServer) -> str:
    send_digests(url, now=datetime.now(UTC), settings=smtp.settings, env=ENV, group_names=["lyon"])
    return text_of(smtp.handler.messages[-1].raw) if smtp.handler.messages else ""


def test_rejected_notice_leaves_the_next_digest(db_url: str, smtp: SmtpServer) -> None:
    ids = _store(db_url)
    with session_scope(db_url) as s:
        add_verdict(
            s,
            ids[LYON],
            "not_relevant",
            note="pas de caméras",
            reason_rule="videosurveillance.test",
        )
    body = _send(db_url, smtp)
    assert ("Mermoz Nord" in body, "Collonges" in body) == (False, True)


def test_notice_confirmed_by_hand_enters_the_digest(db_url: str, smtp: SmtpServer) -> None:
    ids = _store(db_url, **{LYON: False})
    with session_scope(db_url) as s:
        add_verdict(s, ids[LYON], "relevant", public_note="Extension du réseau de caméras à Mermoz")
    body = _send(db_url, smtp)
    assert "Mermoz Nord" in body and "confirmé par les analystes" in body


def test_entry_shows_the_public_note_never_the_private_one(db_url: str, smtp: SmtpServer) -> None:
    ids = _store(db_url)
    with session_scope(db_url) as s:
        add_verdict(
            s, ids[LYON], "follow_up", note="source interne : ne pas diffuser",
            public_note="Marché suivi : demande des pièces envoyée",
        )  # fmt: skip
    body = _send(db_url, smtp)
    assert ("demande des pièces envoyée" in body, "ne pas diffuser" in body) == (True, False)


def test_unreviewed_entry_says_so(db_url: str, smtp: SmtpServer) -> None:
    _store(db_url)
    assert "Statut : signalé par les règles, pas encore examiné" in _send(db_url, smtp)


def test_confirmed_only_group_gets_confirmed_notices_only(db_url: str, smtp: SmtpServer) -> None:
    ids = _store(db_url, selection="confirmed")
    with session_scope(db_url) as s:
        add_verdict(s, ids[COLLONGES], "relevant")
    body = _send(db_url, smtp)
    assert ("Collonges" in body, "Mermoz Nord" in body) == (True, False)


def test_notice_rejected_after_delivery_gets_no_update(db_url: str, smtp: SmtpServer) -> None:
    ids = _store(db_url)
    _send(db_url, smtp)
    with session_scope(db_url) as s:
        add_verdict(
            s, ids[LYON], "not_relevant", note="hors sujet", reason_rule="videosurveillance.test"
        )
        item, decision = digest_notice(digest_record(LYON), kind="cancellation")
        store(s, item, decision)  # a new version would be an update
    before = len(smtp.handler.messages)
    _send(db_url, smtp)
    assert len(smtp.handler.messages) == before


def _feed_titles(url: str) -> list[str]:
    with session_scope(url) as s:
        group = s.scalars(select(Group)).one()
        body = feed_xml(s, group_spec(group))
    ns = {"a": "http://www.w3.org/2005/Atom"}
    return [t.text or "" for t in etree.fromstring(body).findall("a:entry/a:title", ns)]


def test_rejected_notice_leaves_the_feed(db_url: str) -> None:
    ids = _store(db_url)
    with session_scope(db_url) as s:
        add_verdict(
            s, ids[LYON], "not_relevant", note="hors sujet", reason_rule="videosurveillance.test"
        )
    assert not any("Mermoz" in t for t in _feed_titles(db_url))


def test_notice_confirmed_by_hand_enters_the_feed(db_url: str) -> None:
    ids = _store(db_url, **{LYON: False})
    with session_scope(db_url) as s:
        add_verdict(s, ids[LYON], "relevant")
        assert s.get(Notice, ids[LYON]).flagged is False
    assert any("Mermoz" in t for t in _feed_titles(db_url))
