"""Access-request reminders in group digests: who gets them, once, in words, by real SMTP."""

from __future__ import annotations

import email
from datetime import UTC, date, datetime

import pytest

from db.request_reminders import ReminderView
from db.requests import create_request, mark_sent
from db.session import session_scope
from digest.build import GroupSpec, NoticeView
from digest.requests import reminder_context, request_reminders
from digest.service import send_digests
from tests.factories import add_group, digest_notice, digest_record, store
from tests.smtp import SmtpServer

pytestmark = pytest.mark.pg_reuse

ENV = {"VEILLEUR_BASE_URL": "https://veilleur.example.org"}
#: a run on 10 March 2025: a request received on 6 January was refused by silence on 6 February
NOW = datetime(2025, 3, 10, 6, 0, tzinfo=UTC)


def view(group_id: int | None = 1, key: str = "refusal:2025-02-06", **kw: object) -> ReminderView:
    base = dict(
        request_id=7,
        notice_id=3,
        group_id=group_id,
        milestone="refusal",
        key=key,
        title="Vidéoprotection",
        buyer="Ville de Lyon",
        refusal_on=date(2025, 2, 6),
        referral_until=date(2025, 4, 5),
    )
    base.update(kw)
    return ReminderView(**base)  # type: ignore[arg-type]


def spec(group_id: int = 1, departements: tuple[str, ...] = ()) -> GroupSpec:
    return GroupSpec(group_id, "lyon", ("a@example.org",), departements=departements)


def notice(departements: tuple[str, ...]) -> NoticeView:
    return NoticeView(3, "Vidéoprotection", "tender", "boamp", "", "h", departements=departements)


def test_a_request_reminds_its_own_group() -> None:
    assert request_reminders(spec(1), [view(1)], set(), {}) == (view(1),)


def test_another_groups_request_is_not_reminded() -> None:
    assert request_reminders(spec(2), [view(1)], set(), {}) == ()


def test_a_request_without_group_reminds_the_groups_covering_the_notice() -> None:
    found = request_reminders(spec(2, ("69",)), [view(None)], set(), {3: notice(("69",))})
    assert found == (view(None),)


def test_and_not_the_others() -> None:
    assert request_reminders(spec(2, ("13",)), [view(None)], set(), {3: notice(("69",))}) == ()


def test_a_delivered_reminder_is_not_repeated() -> None:
    assert request_reminders(spec(1), [view(1)], {(7, "refusal:2025-02-06")}, {}) == ()


def test_the_refusal_reminder_gives_both_dates() -> None:
    lines = reminder_context(view(), None, None, lambda text, limit: text or "")["lines"]
    assert lines == [
        "Sans réponse : refus implicite depuis le 06/02/2025 ; la CADA peut être saisie "
        "jusqu'au 05/04/2025 (date prudente)."
    ]


def test_an_estimated_receipt_is_said() -> None:
    lines = reminder_context(view(receipt_estimated=True), None, None, lambda t, n: t or "")[
        "lines"
    ]
    assert "Date de réception estimée" in lines[1]


def _setup(url: str) -> None:
    item, decision = digest_notice(digest_record("2018J114600"))
    with session_scope(url) as s:
        group = add_group(s, "lyon", ["a@example.org"], departements=["69"])
        notice = store(s, item, decision)
        r = create_request(
            s,
            notice.id,
            documents=[{"key": "cctp", "label": "le CCTP"}],
            recipient={"name": "Ville de Lyon", "email": "marches@lyon.example"},
            requester={"address": "12 rue des Lilas"},
            group_id=group.id,
        )
        mark_sent(s, r.id, r.version, None, date(2025, 1, 6))


def _text(smtp: SmtpServer, i: int = -1) -> str:
    msg = email.message_from_bytes(smtp.handler.messages[i].raw)
    part = next(p for p in msg.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode("utf-8")  # type: ignore[union-attr]


def test_the_digest_carries_the_reminder(db_url: str, smtp: SmtpServer) -> None:
    _setup(db_url)
    send_digests(db_url, now=NOW, settings=smtp.settings, env=ENV)
    text = _text(smtp)
    assert "DEMANDES D'ACCÈS AUX DOCUMENTS (1)" in text
    assert "refus implicite depuis le 06/02/2025" in text
    assert "https://veilleur.example.org/requests/1" in text


def test_the_digest_shows_no_address(db_url: str, smtp: SmtpServer) -> None:
    _setup(db_url)
    send_digests(db_url, now=NOW, settings=smtp.settings, env=ENV)
    raw = smtp.handler.messages[0].raw
    assert b"marches@lyon.example" not in raw and b"rue des Lilas" not in raw


def test_the_reminder_goes_out_once(db_url: str, smtp: SmtpServer) -> None:
    _setup(db_url)
    send_digests(db_url, now=NOW, settings=smtp.settings, env=ENV)
    send_digests(db_url, now=NOW, settings=smtp.settings, env=ENV, group_names=["lyon"])
    assert len(smtp.handler.messages) == 1


def test_the_closing_reminder_comes_later(db_url: str, smtp: SmtpServer) -> None:
    _setup(db_url)
    send_digests(db_url, now=NOW, settings=smtp.settings, env=ENV)
    later = datetime(2025, 3, 30, 6, 0, tzinfo=UTC)
    send_digests(db_url, now=later, settings=smtp.settings, env=ENV, group_names=["lyon"])
    assert "Plus que quelques jours pour saisir la CADA : au plus tard le 05/04/2025" in _text(smtp)
