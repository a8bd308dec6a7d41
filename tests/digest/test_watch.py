"""A watched vendor's notice reaches the group's digest under "Suivis" — outside the group's
territory, unflagged too — once, through a real SMTP server on loopback."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from db.models import Delivery, Party, Watch
from db.picture import refresh_picture
from db.session import session_scope
from digest.build import Digest, GroupSpec
from digest.service import send_digests
from digest.watch import add_watched
from tests.factories import add_group, lyon_contract, store
from tests.smtp import SmtpServer

pytestmark = pytest.mark.pg_reuse

SERFIM = "431903954"


def _watching(url: str) -> None:
    """The group ``grenoble`` (Isère only) watches the vendor of the real Lyon contract, which
    is stored without any rule firing."""
    with session_scope(url) as s:
        group = add_group(s, "grenoble", ["veille@example.org"], departements=["38"])
        store(s, lyon_contract(), None)
        refresh_picture(s)
        party = s.scalars(select(Party).where(Party.siren == SERFIM)).one()
        s.add(Watch(group_id=group.id, party_id=party.id, created_by="alice"))


def _run(url: str, smtp: SmtpServer) -> None:
    send_digests(url, now=datetime.now(UTC), settings=smtp.settings, env={})


def test_the_watched_vendors_contract_is_mailed_under_suivis(db_url: str, smtp: SmtpServer) -> None:
    _watching(db_url)
    _run(db_url, smtp)
    (message,) = smtp.handler.messages
    text = message.raw.decode("utf-8", "replace")
    assert "SUIVIS (1)" in text and "fournisseur suivi : SERFIM TIC" in text
    assert "Mermoz Nord" in text


def test_a_watched_notice_is_not_mailed_twice(db_url: str, smtp: SmtpServer) -> None:
    _watching(db_url)
    _run(db_url, smtp)
    _run(db_url, smtp)
    assert len(smtp.handler.messages) == 1
    with session_scope(db_url) as s:
        assert s.scalars(select(Delivery.reason)).all() == ["watch"]


def test_a_notice_already_in_the_digest_is_not_repeated_as_watched() -> None:
    from digest.build import Entry, NoticeView

    view = NoticeView(id=1, title="t", kind="award", source="ted", url="", content_hash="h")
    group = GroupSpec(id=1, name="g", recipients=("a@example.org",))
    digest = Digest(group, datetime.now(UTC), new=(Entry(view, "new"),))
    assert add_watched(digest, [(view, "fournisseur suivi : X")], {}) is digest
