"""Digest fixtures: a real SMTP server on loopback recording raw bytes, and real notices."""

from __future__ import annotations

import hashlib
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session

from db.models import Flag, Group, Notice, NoticeVersion
from digest.send import SmtpSettings
from tests.conftest import FIXTURES

NOTICES = json.loads((FIXTURES / "digest" / "notices.json").read_text(encoding="utf-8"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes


@dataclass
class RecordingHandler:
    """Records every accepted message; answers 450 to the recipients in ``refuse``."""

    messages: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse:
            return "450 4.2.1 Mailbox temporarily unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        return "250 Message accepted for delivery"

    def to(self, recipient: str) -> list[Received]:
        return [m for m in self.messages if recipient in m.rcpt_tos]


class SmtpServer:
    """aiosmtpd on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = RecordingHandler()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def settings(self) -> SmtpSettings:
        return SmtpSettings(
            host="127.0.0.1",
            port=self.port,
            security="none",
            mail_from="veilleur@example.org",
            timeout=10,
        )


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def chash(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, default=str, ensure_ascii=False).encode()).hexdigest()


def add_notice(session: Session, record: dict[str, Any], **over: Any) -> Notice:
    """Insert one corpus record as a flagged Notice with its Flag rows and first version."""
    data = {**record, **over}
    snippets = data.pop("snippets", [])
    for key in ("contact_text", "provenance"):
        data.pop(key, None)
    awardees = data.pop("awardees", [])
    version_data = {
        "title": data["title"],
        "kind": data.get("kind", "tender"),
        "awardees": awardees,
        "deadline_at": str(data.get("deadline_at")) if data.get("deadline_at") else None,
    }
    notice = Notice(
        source=data["source"],
        source_key=data["source_id"].lower(),
        source_id=data["source_id"],
        kind=data.get("kind", "tender"),
        title=data["title"],
        buyer_name=data["buyer_name"],
        departements=data["departements"],
        commune_insee=data["commune_insee"],
        url=data["url"],
        content_hash=chash(version_data),
        flagged=data.get("flagged", True),
        score=data.get("score", 1.0),
        categories=data["categories"],
        awardees=awardees,
        deadline_at=data.get("deadline_at"),
        first_seen_at=data.get("first_seen_at", datetime.now(UTC)),
    )
    for cat, fld, snip in snippets:
        notice.flags.append(
            Flag(rule_id=f"{cat}.test", rule_version="1", category=cat, field=fld, snippet=snip)
        )
    session.add(notice)
    session.flush()
    session.add(
        NoticeVersion(
            notice_id=notice.id, version=1, content_hash=notice.content_hash, data=version_data
        )
    )
    return notice


def new_version(session: Session, notice: Notice, **changes: Any) -> None:
    """Give ``notice`` a new version (as the crawler's upsert would) with ``changes``."""
    last = max(notice.versions, key=lambda v: v.version) if notice.versions else None
    data = dict(last.data if last else {})
    for key, value in changes.items():
        setattr(notice, key, value)
        data[key] = str(value) if isinstance(value, datetime) else value
    notice.version += 1
    notice.content_hash = chash(data)
    session.add(
        NoticeVersion(
            notice_id=notice.id, version=notice.version, content_hash=notice.content_hash, data=data
        )
    )


def add_group(session: Session, name: str, recipients: list[str], **kw: Any) -> Group:
    group = Group(
        name=name, recipients=recipients, created_at=kw.pop("created_at", datetime.now(UTC)), **kw
    )
    session.add(group)
    session.flush()
    return group


def record(source_id: str) -> dict[str, Any]:
    return next(r for r in NOTICES if r["source_id"] == source_id)
