"""Scraped titles cannot inject headers: checked on the raw bytes the SMTP server received."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

import pytest

from db.session import session_scope
from digest.render import sanitize_header
from digest.service import send_digests
from tests.factories import add_group, digest_notice, digest_record, store
from tests.smtp import SmtpServer

REAL = digest_record("2018J114600")["title"]
ATTACKS = {
    "crlf": f"{REAL}\r\nBcc: victim@example.org",
    "lf": f"{REAL}\nX-Injected: yes",
    "cr": f"{REAL}\rX-Injected: yes",
    "encoded_lf": f"{REAL} =?UTF-8?Q?=0A?=X-Injected: yes",
    "encoded_word_crlf": f"=?UTF-8?Q?{REAL[:10]}=0D=0ABcc:_victim@example.org?=",
    "encoded_b64": f"{REAL} =?utf-8?b?Cg==?=X-Injected: yes",
    "unicode_line_sep": f"{REAL}\u2028X-Injected: yes\u0085Bcc: victim@example.org",
    "nested_encoded": f"{REAL} ==??UTF-8?Q?=0A?=X-Injected: yes",
}


def _header_names(raw: bytes) -> list[str]:
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    msg = email.message_from_bytes(head + b"\r\n\r\n", policy=email.policy.compat32)
    return [k.lower() for k, _ in msg.items()]


def _send_title(url: str, smtp: SmtpServer, title: str) -> bytes:
    with session_scope(url) as s:
        add_group(s, "lyon", ["a@example.org"], departements=["69"])
        store(s, *digest_notice(digest_record("2018J114600"), title=title))
    send_digests(url, now=datetime.now(UTC), settings=smtp.settings, env={})
    return smtp.handler.messages[0].raw


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_no_injected_header(sqlite_url: str, smtp: SmtpServer, attack: str) -> None:
    raw = _send_title(sqlite_url, smtp, ATTACKS[attack])
    names = _header_names(raw)
    assert "bcc" not in names and "x-injected" not in names


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_single_subject(sqlite_url: str, smtp: SmtpServer, attack: str) -> None:
    raw = _send_title(sqlite_url, smtp, ATTACKS[attack])
    assert _header_names(raw).count("subject") == 1


def test_payload_stays_in_subject(sqlite_url: str, smtp: SmtpServer) -> None:
    raw = _send_title(sqlite_url, smtp, ATTACKS["crlf"])
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert "Mermoz Nord Lyon 8ème Bcc:" in str(msg["Subject"])


def test_only_recipient_in_envelope(sqlite_url: str, smtp: SmtpServer) -> None:
    _send_title(sqlite_url, smtp, ATTACKS["crlf"])
    assert smtp.handler.messages[0].rcpt_tos == ["a@example.org"]


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_sanitized_has_no_line_break(attack: str) -> None:
    out = sanitize_header(ATTACKS[attack])
    assert not any(c in out for c in "\r\n\u2028\u0085") and "=?" not in out
