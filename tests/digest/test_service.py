"""Digest runs against a real SMTP server on loopback: exactly-once, retries, empty digests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from db.models import Delivery, Group, JobRun
from db.session import session_scope
from digest.service import send_digests
from tests.factories import add_group, add_link, digest_notice, digest_record, store
from tests.smtp import SmtpServer
from vocabulary.decision import Decision
from vocabulary.items import NoticeItem

pytestmark = pytest.mark.pg_reuse

ENV = {"VEILLEUR_BASE_URL": "https://veilleur.example.org"}


def _setup(
    url: str, recipients: list[str], depts: list[str], ids: list[str]
) -> list[tuple[NoticeItem, Decision]]:
    """The group ``lyon`` and the fixture notices ``ids``, stored flagged; returns them."""
    stored = [digest_notice(digest_record(sid)) for sid in ids]
    with session_scope(url) as s:
        add_group(s, "lyon", recipients, departements=depts)
        for item, decision in stored:
            store(s, item, decision)
    return stored


def _run(url: str, smtp: SmtpServer, now: datetime | None = None, **kw):
    return send_digests(
        url, now=now or datetime.now(UTC), settings=smtp.settings, env=kw.pop("env", ENV), **kw
    )


def test_first_run_sends_matching_notice(db_url: str, smtp: SmtpServer) -> None:
    _setup(db_url, ["a@example.org"], ["69"], ["2018J114600"])
    _run(db_url, smtp)
    assert b"Mermoz Nord" in smtp.handler.messages[0].raw


def test_second_run_sends_nothing(db_url: str, smtp: SmtpServer) -> None:
    _setup(db_url, ["a@example.org"], ["69"], ["2018J114600"])
    _run(db_url, smtp)
    _run(db_url, smtp, group_names=["lyon"])
    assert len(smtp.handler.messages) == 1


def test_empty_digest_not_sent(db_url: str, smtp: SmtpServer) -> None:
    _setup(db_url, ["a@example.org"], ["29"], ["2018J114600"])  # nothing in the Finistère
    _run(db_url, smtp)
    assert smtp.handler.messages == []


def test_territory_filter_excludes_other_departement(db_url: str, smtp: SmtpServer) -> None:
    _setup(db_url, ["a@example.org"], ["69"], ["2018J114600", "20182100"])
    _run(db_url, smtp)
    assert b"CHATEAUNEUF" not in smtp.handler.messages[0].raw.upper().replace(b"=\r\n", b"")


def test_server_down_then_retried(db_url: str, smtp: SmtpServer) -> None:
    _setup(db_url, ["a@example.org"], ["69"], ["2018J114600"])
    smtp.stop()
    first = _run(db_url, smtp)
    smtp.start()
    _run(db_url, smtp)
    assert first[0].error is not None and len(smtp.handler.to("a@example.org")) == 1


def test_server_down_records_no_delivery(db_url: str, smtp: SmtpServer) -> None:
    _setup(db_url, ["a@example.org"], ["69"], ["2018J114600"])
    smtp.stop()
    _run(db_url, smtp)
    with session_scope(db_url) as s:
        assert s.scalar(select(func.count()).select_from(Delivery)) == 0


def test_partial_failure_no_duplicate_for_accepted(db_url: str, smtp: SmtpServer) -> None:
    _setup(db_url, ["a@example.org", "b@example.org"], ["69"], ["2018J114600"])
    smtp.handler.refuse = {"b@example.org"}
    _run(db_url, smtp)
    smtp.handler.refuse = set()
    _run(db_url, smtp)
    assert len(smtp.handler.to("a@example.org")) == 1


def test_partial_failure_refused_recipient_retried(db_url: str, smtp: SmtpServer) -> None:
    _setup(db_url, ["a@example.org", "b@example.org"], ["69"], ["2018J114600"])
    smtp.handler.refuse = {"b@example.org"}
    _run(db_url, smtp)
    smtp.handler.refuse = set()
    _run(db_url, smtp)
    assert len(smtp.handler.to("b@example.org")) == 1


def test_recipients_not_in_headers(db_url: str, smtp: SmtpServer) -> None:
    _setup(db_url, ["a@example.org", "b@example.org"], ["69"], ["2018J114600"])
    _run(db_url, smtp)
    assert b"b@example.org" not in smtp.handler.messages[0].raw


def test_new_version_sent_as_update(db_url: str, smtp: SmtpServer) -> None:
    [(item, decision)] = _setup(db_url, ["a@example.org"], ["69"], ["2018J114600"])
    _run(db_url, smtp)
    with session_scope(db_url) as s:
        store(s, replace(item, kind="cancellation"), decision)
    _run(db_url, smtp, group_names=["lyon"])
    assert b"cancellation" in smtp.handler.messages[1].raw


def test_update_sent_once(db_url: str, smtp: SmtpServer) -> None:
    [(item, decision)] = _setup(db_url, ["a@example.org"], ["69"], ["2018J114600"])
    _run(db_url, smtp)
    with session_scope(db_url) as s:
        store(s, replace(item, kind="cancellation"), decision)
    _run(db_url, smtp, group_names=["lyon"])
    _run(db_url, smtp, group_names=["lyon"])
    assert len(smtp.handler.messages) == 2


def test_linked_award_sent_as_update(db_url: str, smtp: SmtpServer) -> None:
    [(item, decision)] = _setup(db_url, ["a@example.org"], ["69"], ["20-102325"])
    _run(db_url, smtp)
    with session_scope(db_url) as s:
        tender = store(s, item, decision)
        award = store(
            s,
            *digest_notice(
                digest_record("20-102325"),
                source_id="20-102325-award",
                kind="award",
                flagged=False,
                title="Avis d'attribution : Creation D'Un Systeme De Video Protection",
            ),
        )
        add_link(s, award, tender, "awards")
    _run(db_url, smtp, group_names=["lyon"])
    assert b"attribution de l'avis" in smtp.handler.messages[1].raw.replace(b"=\r\n", b"")


def test_deadline_reminder_for_delivered_notice(db_url: str, smtp: SmtpServer) -> None:
    now = datetime.now(UTC)
    with session_scope(db_url) as s:
        add_group(s, "lyon", ["a@example.org"], departements=["69"])
        store(s, *digest_notice(digest_record("2018J114600"), deadline_at=now + timedelta(days=30)))
    _run(db_url, smtp, now=now)
    _run(db_url, smtp, now=now + timedelta(days=25), group_names=["lyon"])
    assert "ÉCHÉANCES".encode() in _decoded(smtp.handler.messages[1].raw)


def test_operators_get_failed_jobs(db_url: str, smtp: SmtpServer) -> None:
    with session_scope(db_url) as s:
        add_group(s, "ops", ["ops@example.org"])
        s.add(JobRun(job="crawl:boamp", status="failed", message="exit 1: ConnectionRefusedError"))
    _run(db_url, smtp, env={"VEILLEUR_OPERATORS": "ops"})
    assert b"crawl:boamp" in smtp.handler.messages[0].raw


def test_failed_job_reported_once(db_url: str, smtp: SmtpServer) -> None:
    with session_scope(db_url) as s:
        add_group(s, "ops", ["ops@example.org"])
        s.add(JobRun(job="crawl:boamp", status="failed", message="exit 1"))
    _run(db_url, smtp, env={"VEILLEUR_OPERATORS": "ops"})
    _run(db_url, smtp, env={"VEILLEUR_OPERATORS": "ops"}, group_names=["ops"])
    assert len(smtp.handler.messages) == 1


def test_not_due_group_skipped(db_url: str, smtp: SmtpServer) -> None:
    _setup(db_url, ["a@example.org"], ["69"], ["2018J114600"])
    with session_scope(db_url) as s:
        s.scalars(select(Group)).one().last_digest_at = datetime.now(UTC) - timedelta(hours=2)
    _run(db_url, smtp)
    assert smtp.handler.messages == []


def _decoded(raw: bytes) -> bytes:
    import email
    from email import policy

    msg = email.message_from_bytes(raw, policy=policy.default)
    return "".join(
        p.get_content() for p in msg.walk() if p.get_content_type() == "text/plain"
    ).encode()


def test_notice_older_than_backlog_not_sent(db_url: str, smtp: SmtpServer) -> None:
    with session_scope(db_url) as s:
        add_group(s, "lyon", ["a@example.org"], departements=["69"])
        store(
            s,
            *digest_notice(digest_record("2018J114600")),
            first_seen_at=datetime.now(UTC) - timedelta(days=60),
        )
    _run(db_url, smtp)
    assert smtp.handler.messages == []


def test_notice_flagged_by_later_rescan_sent(db_url: str, smtp: SmtpServer) -> None:
    now = datetime.now(UTC)
    with session_scope(db_url) as s:
        add_group(
            s,
            "lyon",
            ["a@example.org"],
            departements=["69"],
            created_at=now - timedelta(days=10),
            last_digest_at=now - timedelta(days=1),
        )
        # first seen five days ago, flagged only now (new rules, `veilleur rescan`)
        store(
            s, *digest_notice(digest_record("2018J114600")), first_seen_at=now - timedelta(days=5)
        )
    _run(db_url, smtp, now=now)
    assert len(smtp.handler.messages) == 1
