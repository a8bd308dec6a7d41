"""A Var group receives its département's drone authorisations, read from the replayed Var
recueils through the real crawl, by mail from a real SMTP server on loopback."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email.message import Message

import pytest

from db.session import session_scope
from digest.service import send_digests
from tests.conftest import FIXTURES
from tests.crawling import crawl
from tests.factories import add_group
from tests.smtp import SmtpServer
from veilleur.demo.replay import Cassette, ReplayServer

pytestmark = pytest.mark.pg_reuse


def _body(raw: bytes) -> str:
    message = email.message_from_bytes(raw)
    parts = [p for p in message.walk() if p.get_content_type() == "text/plain"]
    part: Message = parts[0] if parts else message
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(part.get_content_charset() or "utf-8")


def test_var_group_receives_drone_authorisations(db_url: str, smtp: SmtpServer) -> None:
    with ReplayServer(cassettes=[Cassette(FIXTURES / "prefectures" / "var")]) as server:
        result = crawl(
            "raa_83", server, "--since", "2025-01-01", "--until", "2025-12-31", database_url=db_url
        ).process
    assert result.returncode == 0, result.stderr[-2000:]
    with session_scope(db_url) as s:
        add_group(s, "var", ["var@example.org"], departements=["83"], categories=["drones"])
        add_group(s, "lyon", ["lyon@example.org"], departements=["69"])
    send_digests(
        db_url,
        now=datetime.now(UTC),
        settings=smtp.settings,
        env={"VEILLEUR_BASE_URL": "https://veilleur.example.org"},
    )
    assert [m.rcpt_tos for m in smtp.handler.messages] == [["var@example.org"]]
    body = _body(smtp.handler.messages[0].raw)
    assert "Arrêté n° 2024-BSP-OP-39 autorisant la captation" in body
    assert "Matériel : caméra sur un drone de type DJI Mavic 3T" in body
    assert "Service demandeur : le groupement de gendarmerie du Var" in body
    assert "Préfecture du Var" in body
    # the acts of the recueils that are not drone authorisations stay out
    assert "recepisse" not in body.lower()
    # the marche blanche of 8 June 2025 was held in memory of a named private person
    assert "MIRAOUI" not in body
