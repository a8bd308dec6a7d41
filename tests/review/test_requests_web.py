"""The desk's access-request pages through Flask's test client, on the seeded review database
(real corpus notices): draft from a notice, edit, send, deadlines, list and filters, CSV,
letters, referral, received files read and flagged."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from db.models.review import ReviewHead
from db.session import session_scope
from extract.office import extract_office
from extract.result import Limits
from tests.review.conftest import Seeded, csrf_token, login, make_app
from veilleur.requests import read_received
from vocabulary.deadlines import today_in_paris

ANSWER = Path(__file__).parents[1] / "fixtures" / "requests" / "raa-var-242-2025-07-15.pdf"
CCTV = "20-100747"  # a real vidéoprotection tender of the corpus


@pytest.fixture
def desk(url: str, tmp_path: Path) -> Flask:
    """The app with the shell's reader of received files, as ``veilleur serve`` builds it."""
    reader = partial(read_received, url, str(tmp_path / "documents"))
    return make_app(url, tmp_path, REQUEST_DOCUMENT_PROCESSOR=reader)


@pytest.fixture
def analyst(desk: Flask) -> Iterator[FlaskClient]:
    with desk.test_client() as c:
        assert login(c).status_code == 302
        yield c


def _draft(client: FlaskClient, notice_id: int) -> int:
    token = csrf_token(client, f"/notices/{notice_id}")
    response = client.post(f"/notices/{notice_id}/requests", data={"csrf_token": token})
    assert response.status_code == 302
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _post(client: FlaskClient, request_id: int, what: str, **data: str) -> str:
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    token = csrf_token(client, f"/requests/{request_id}")
    response = client.post(
        f"/requests/{request_id}/{what}",
        data={"csrf_token": token, "version": version, **data},
        follow_redirects=True,
    )
    return response.get_data(as_text=True)


def test_the_notice_page_offers_to_ask_for_the_documents(
    analyst: FlaskClient, seeded: Seeded
) -> None:
    page = analyst.get(f"/notices/{seeded.notices[CCTV]}").get_data(as_text=True)
    assert 'id="request-create-button"' in page and "Demander les documents" in page


def test_a_draft_opens_with_its_letter(analyst: FlaskClient, seeded: Seeded) -> None:
    rid = _draft(analyst, seeded.notices[CCTV])
    page = analyst.get(f"/requests/{rid}").get_data(as_text=True)
    assert "En application des articles L. 300-1 et L. 311-1 et suivants" in page
    assert "l&#39;arrêté préfectoral autorisant le système de vidéoprotection" in page


def test_the_draft_is_listed_on_the_notice(analyst: FlaskClient, seeded: Seeded) -> None:
    rid = _draft(analyst, seeded.notices[CCTV])
    page = analyst.get(f"/notices/{seeded.notices[CCTV]}").get_data(as_text=True)
    assert f"/requests/{rid}" in page and "Brouillon" in page


def test_unticking_a_document_removes_it_from_the_letter(
    analyst: FlaskClient, seeded: Seeded
) -> None:
    rid = _draft(analyst, seeded.notices[CCTV])
    page = _post(analyst, rid, "edit", documents="cctp", requester_name="Camille Martin")
    letter = page.split('class="text letter-text">', 1)[1]
    assert "\n1. le cahier des clauses techniques particulières (CCTP) et ses annexes\n\n" in letter


def test_a_stale_form_is_a_conflict(analyst: FlaskClient, seeded: Seeded) -> None:
    rid = _draft(analyst, seeded.notices[CCTV])
    token = csrf_token(analyst, f"/requests/{rid}")
    for place in ("Lille", "Douai"):
        page = analyst.post(
            f"/requests/{rid}/edit",
            data={"csrf_token": token, "version": "1", "documents": "cctp", "place": place},
            follow_redirects=True,
        ).get_data(as_text=True)
    assert "modifiée entre-temps" in page


def test_sending_shows_the_deadlines_and_moves_the_verdict(
    analyst: FlaskClient, seeded: Seeded, url: str
) -> None:
    rid = _draft(analyst, seeded.notices[CCTV])
    page = _post(analyst, rid, "sent", sent_on="2025-01-06", mode="email")
    assert '<dd id="refusal-on">06/02/2025</dd>' in page
    assert '<dd id="referral-until">05/04/2025</dd>' in page
    with session_scope(url) as s:
        assert s.get(ReviewHead, seeded.notices[CCTV]).verdict == "foi_requested"


def test_the_list_shows_silence_as_implicit_refusal(analyst: FlaskClient, seeded: Seeded) -> None:
    rid = _draft(analyst, seeded.notices[CCTV])
    sent_on = today_in_paris() - timedelta(days=45)
    _post(analyst, rid, "sent", sent_on=sent_on.isoformat())
    page = analyst.get("/requests?state=refused").get_data(as_text=True)
    assert f">{rid}</a>" in page and "Refus implicite" in page


def test_age_filter_leaves_out_recent_requests(analyst: FlaskClient, seeded: Seeded) -> None:
    rid = _draft(analyst, seeded.notices[CCTV])
    _post(analyst, rid, "sent", sent_on=(today_in_paris() - timedelta(days=10)).isoformat())
    page = analyst.get("/requests?older_than=30").get_data(as_text=True)
    assert f">{rid}</a>" not in page and "Aucune demande." in page


def test_a_bad_filter_is_refused_in_words(analyst: FlaskClient) -> None:
    response = analyst.get("/requests?state=lost")
    assert response.status_code == 400 and "unknown state 'lost'" in response.get_data(True)


def test_csv_export_has_the_dates_and_no_address(analyst: FlaskClient, seeded: Seeded) -> None:
    rid = _draft(analyst, seeded.notices[CCTV])
    _post(analyst, rid, "edit", documents="cctp", requester_email="c@example.org")
    _post(analyst, rid, "sent", sent_on="2025-01-06")
    body = analyst.get("/requests.csv?state=refused").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [(r["id"], r["refusal_on"], r["referral_until"]) for r in rows] == [
        (str(rid), "2025-02-06", "2025-04-05")
    ]
    assert "c@example.org" not in body


def test_the_odt_letter_downloads(analyst: FlaskClient, seeded: Seeded) -> None:
    rid = _draft(analyst, seeded.notices[CCTV])
    response = analyst.get(f"/requests/{rid}/letter.odt")
    text = extract_office(response.data, "odt", Limits()).pages[0].text
    assert response.mimetype == "application/vnd.oasis.opendocument.text"
    assert "Objet : demande de communication de documents administratifs" in text


def test_the_referral_is_offered_once_refused(analyst: FlaskClient, seeded: Seeded) -> None:
    rid = _draft(analyst, seeded.notices[CCTV])
    _post(analyst, rid, "sent", sent_on="2025-01-06")
    response = analyst.get(f"/requests/{rid}/referral.docx")
    assert response.status_code == 200 and b"word/document.xml" in response.data


def test_referring_too_early_says_from_when(analyst: FlaskClient, seeded: Seeded) -> None:
    rid = _draft(analyst, seeded.notices[CCTV])
    today = today_in_paris()
    _post(analyst, rid, "sent", sent_on=today.isoformat())
    page = _post(analyst, rid, "referred", referred_on=today.isoformat())
    assert "La CADA ne peut être saisie qu&#39;à partir du" in page


def _upload(client: FlaskClient, rid: int, body: bytes, name: str, token: str | None) -> int:
    data = {"files": (io.BytesIO(body), name), "received_on": "2025-07-20"}
    if token is not None:
        data["csrf_token"] = token
    return client.post(
        f"/requests/{rid}/files", data=data, content_type="multipart/form-data"
    ).status_code


def test_a_received_file_is_read_and_its_pages_flagged(
    analyst: FlaskClient, desk: Flask, seeded: Seeded
) -> None:
    rid = _draft(analyst, seeded.notices[CCTV])
    _post(analyst, rid, "sent", sent_on="2025-06-02")
    token = csrf_token(analyst, f"/requests/{rid}")
    assert _upload(analyst, rid, ANSWER.read_bytes(), ANSWER.name, token) == 302
    desk.extensions["veilleur_request_reader"].submit(lambda: None).result(60)  # reading done
    page = analyst.get(f"/requests/{rid}").get_data(as_text=True)
    assert ANSWER.name in page and re.search(r'class="flagged-page">67</a>', page)
    notice = analyst.get(f"/notices/{seeded.notices[CCTV]}").get_data(as_text=True)
    assert "/pages/67?notice=" in notice


def test_an_upload_without_token_is_refused(analyst: FlaskClient, seeded: Seeded) -> None:
    rid = _draft(analyst, seeded.notices[CCTV])
    _post(analyst, rid, "sent", sent_on="2025-06-02")
    assert _upload(analyst, rid, b"%PDF-1.4", "a.pdf", None) == 400


def test_an_upload_over_the_limit_is_refused(
    analyst: FlaskClient, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VEILLEUR_UPLOAD_MAX_MB", "1")
    rid = _draft(analyst, seeded.notices[CCTV])
    _post(analyst, rid, "sent", sent_on="2025-06-02")
    token = csrf_token(analyst, f"/requests/{rid}")
    assert _upload(analyst, rid, b"0" * (1024 * 1024 + 10), "big.pdf", token) == 413


def test_an_unknown_request_is_not_found(analyst: FlaskClient) -> None:
    assert analyst.get("/requests/999").status_code == 404
