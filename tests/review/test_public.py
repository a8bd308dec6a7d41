"""The groups' read-only view: opened with a group's signed link and no account, refused once
revoked or forged, showing hits with the exact matched words and never the private notes."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from db.read_links import current_read_link, read_link_token, revoke_read_links
from db.session import session_scope
from tests.factories import add_group, add_verdict
from tests.review.conftest import Seeded

KEY = "test-secret"  # the app's SECRET_KEY (tests/review/conftest.make_app)


def _link(url: str) -> str:
    with session_scope(url) as s:
        group = add_group(s, "lyon", ["a@example.org"], departements=["69"])
        return read_link_token(KEY, current_read_link(s, group.id))


def test_link_opens_the_notice_without_login(client: FlaskClient, url: str, seeded: Seeded) -> None:
    token = _link(url)
    page = client.get(f"/p/{token}/notices/{seeded.notices['20-100747']}")
    assert page.status_code == 200 and "CAMERAS DE VIDEOPROTECTION" in page.get_data(as_text=True)


def test_revoked_link_is_refused(client: FlaskClient, url: str, seeded: Seeded) -> None:
    token = _link(url)
    with session_scope(url) as s:
        revoke_read_links(s, 1)
    assert client.get(f"/p/{token}/notices/{seeded.notices['20-100747']}").status_code == 403


def test_forged_link_is_refused(client: FlaskClient, url: str, seeded: Seeded) -> None:
    _link(url)
    forged = read_link_token("another-key", _Row())  # type: ignore[arg-type]
    assert client.get(f"/p/{forged}/notices/{seeded.notices['20-100747']}").status_code == 403


class _Row:
    id = 1
    group_id = 1


def test_private_note_never_shown(client: FlaskClient, url: str, seeded: Seeded) -> None:
    token = _link(url)
    nid = seeded.notices["20-100747"]
    with session_scope(url) as s:
        add_verdict(
            s,
            nid,
            "relevant",
            note="tuyau d'un agent, confidentiel",
            public_note="Caméras confirmées",
        )
    page = client.get(f"/p/{token}/notices/{nid}").get_data(as_text=True)
    assert ("confidentiel" in page, "Caméras confirmées" in page) == (False, True)


def test_rejected_notice_is_not_opened(client: FlaskClient, url: str, seeded: Seeded) -> None:
    token = _link(url)
    nid = seeded.notices["20-100747"]
    with session_scope(url) as s:
        add_verdict(
            s,
            nid,
            "not_relevant",
            note="hors sujet",
            reason_rule="videosurveillance.videoprotection",
        )
    assert client.get(f"/p/{token}/notices/{nid}").status_code == 404


def test_read_only_page_has_no_form(client: FlaskClient, url: str, seeded: Seeded) -> None:
    token = _link(url)
    page = client.get(f"/p/{token}/notices/{seeded.notices['20-102325']}").get_data(as_text=True)
    assert "<form" not in page.split("<main>", 1)[1]


def test_desk_still_asks_for_login(app: Flask, seeded: Seeded) -> None:
    with app.test_client() as anonymous:
        answer = anonymous.get(f"/notices/{seeded.notices['20-100747']}")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
