"""Verdicts: the append-only trail, validation, and two analysts never overwriting each other."""

from __future__ import annotations

import re
import threading

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from db.models import Review, ReviewHead
from db.session import session_scope
from review.verdicts import ReviewConflict, VerdictError, record_verdict
from tests.review.conftest import Seeded, login

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_SEEN = re.compile(r'name="seen_review_id" value="([^"]*)"')


def _form(client: FlaskClient, notice_id: int) -> tuple[str, str]:
    page = client.get(f"/notices/{notice_id}").get_data(as_text=True)
    return _TOKEN.search(page).group(1), _SEEN.search(page).group(1)


def _post(client: FlaskClient, notice_id: int, token: str, seen: str, **data: str):
    return client.post(
        f"/notices/{notice_id}/verdict", data={"csrf_token": token, "seen_review_id": seen, **data}
    )


def test_first_verdict_is_recorded(both_url: str, seeded_both: Seeded) -> None:
    nid = seeded_both.notices["20-100747"]
    with session_scope(both_url) as s:
        record_verdict(s, nid, seeded_both.users["alice"], "relevant", None, note="CCTV")
    with session_scope(both_url) as s:
        assert s.get(ReviewHead, nid).verdict == "relevant"


def test_trail_keeps_every_verdict(url: str, seeded: Seeded) -> None:
    nid, uid = seeded.notices["20-100747"], seeded.users["alice"]
    with session_scope(url) as s:
        first = record_verdict(s, nid, uid, "follow_up", None).id
    with session_scope(url) as s:
        record_verdict(s, nid, uid, "foi_requested", first)
    with session_scope(url) as s:
        verdicts = s.scalars(
            select(Review.verdict).where(Review.notice_id == nid).order_by(Review.id)
        )
        assert list(verdicts) == ["follow_up", "foi_requested"]


def test_stale_form_is_refused_with_the_other_verdict(both_url: str, seeded_both: Seeded) -> None:
    nid = seeded_both.notices["20-100747"]
    with session_scope(both_url) as s:
        record_verdict(s, nid, seeded_both.users["bob"], "relevant", None, note="bob was first")
    with pytest.raises(ReviewConflict) as info, session_scope(both_url) as s:
        record_verdict(s, nid, seeded_both.users["alice"], "documented", None)
    assert info.value.current is not None and info.value.current.note == "bob was first"


def test_refused_verdict_leaves_no_row(both_url: str, seeded_both: Seeded) -> None:
    nid = seeded_both.notices["20-100747"]
    with session_scope(both_url) as s:
        record_verdict(s, nid, seeded_both.users["bob"], "relevant", None)
    with pytest.raises(ReviewConflict), session_scope(both_url) as s:
        record_verdict(s, nid, seeded_both.users["alice"], "documented", None)
    with session_scope(both_url) as s:
        assert s.scalar(select(func.count()).select_from(Review)) == 1


def test_simultaneous_first_verdicts_one_wins(both_url: str, seeded_both: Seeded) -> None:
    """Two analysts submit at the same moment from forms that both saw no review."""
    nid = seeded_both.notices["20-102325"]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def analyst(name: str) -> None:
        from review.db import retry_locked

        attempts: list[int] = []

        def unit() -> None:
            with session_scope(both_url) as s:
                attempts.append(1)
                if len(attempts) == 1:  # line both analysts up on their first attempt only
                    barrier.wait(timeout=10)
                record_verdict(s, nid, seeded_both.users[name], "relevant", None)

        try:
            retry_locked(unit)
            outcomes.append("saved")
        except ReviewConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=analyst, args=(n,)) for n in ("alice", "bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["conflict", "saved"]


def test_not_relevant_requires_the_misfiring_rule(url: str, seeded: Seeded) -> None:
    with pytest.raises(VerdictError), session_scope(url) as s:
        record_verdict(
            s,
            seeded.notices["20-101536"],
            seeded.users["alice"],
            "not_relevant",
            None,
            note="sound and light rental",
        )


def test_not_relevant_rule_must_have_fired(url: str, seeded: Seeded) -> None:
    with pytest.raises(VerdictError), session_scope(url) as s:
        record_verdict(
            s,
            seeded.notices["20-101536"],
            seeded.users["alice"],
            "not_relevant",
            None,
            note="x",
            reason_rule="cpv.32323500",
        )


def test_not_relevant_requires_a_reason(url: str, seeded: Seeded) -> None:
    with pytest.raises(VerdictError), session_scope(url) as s:
        record_verdict(
            s,
            seeded.notices["20-101536"],
            seeded.users["alice"],
            "not_relevant",
            None,
            reason_rule="videosurveillance.video",
        )


def test_web_verdict_appears_in_the_trail(alice_both: FlaskClient, seeded_both: Seeded) -> None:
    nid = seeded_both.notices["20-101536"]
    token, seen = _form(alice_both, nid)
    response = _post(
        alice_both,
        nid,
        token,
        seen,
        verdict="not_relevant",
        reason_rule="videosurveillance.video",
        note="location de sono pour fêtes",
    )
    assert response.status_code == 302
    page = alice_both.get(f"/notices/{nid}").get_data(as_text=True)
    assert "location de sono pour fêtes" in page and "alice" in page


def test_web_conflict_shows_the_other_verdict(app_both: Flask, seeded_both: Seeded) -> None:
    nid = seeded_both.notices["20-100747"]
    alice, bob = app_both.test_client(), app_both.test_client()
    login(alice, "alice")
    login(bob, "bob")
    a_token, a_seen = _form(alice, nid)
    b_token, b_seen = _form(bob, nid)
    _post(bob, nid, b_token, b_seen, verdict="relevant", note="caméras sur voie publique")
    response = _post(alice, nid, a_token, a_seen, verdict="documented", note="mine")
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "caméras sur voie publique" in page and "bob" in page


def test_web_conflict_keeps_the_analysts_draft(app: Flask, seeded: Seeded) -> None:
    nid = seeded.notices["20-100747"]
    alice, bob = app.test_client(), app.test_client()
    login(alice, "alice")
    login(bob, "bob")
    a_token, a_seen = _form(alice, nid)
    b_token, b_seen = _form(bob, nid)
    _post(bob, nid, b_token, b_seen, verdict="relevant")
    page = _post(
        alice, nid, a_token, a_seen, verdict="documented", note="ma note de travail"
    ).get_data(as_text=True)
    assert "ma note de travail</textarea>" in page


def test_status_filter_follows_the_latest_verdict(
    alice_both: FlaskClient, seeded_both: Seeded
) -> None:
    nid = seeded_both.notices["20-102325"]
    token, seen = _form(alice_both, nid)
    _post(alice_both, nid, token, seen, verdict="follow_up")
    page = alice_both.get("/?status=follow_up").get_data(as_text=True)
    assert page.count('class="notice-link"') == 1 and "Collonges" in page


def test_incomplete_form_explains_in_french(alice: FlaskClient, seeded: Seeded) -> None:
    nid = seeded.notices["20-101536"]
    token, seen = _form(alice, nid)
    answer = _post(
        alice, nid, token, seen, verdict="not_relevant", reason_rule="videosurveillance.video"
    )
    page = answer.get_data(as_text=True)
    assert "Expliquez pourquoi l&#39;avis n&#39;est pas pertinent." in page


def test_refused_form_keeps_the_draft_beside_the_reason(alice: FlaskClient, seeded: Seeded) -> None:
    nid = seeded.notices["20-101536"]
    token, seen = _form(alice, nid)
    answer = _post(alice, nid, token, seen, verdict="not_relevant", public_note="brouillon public")
    page = answer.get_data(as_text=True)
    kept = (
        '<option value="not_relevant" selected>' in page and ">brouillon public</textarea>" in page
    )
    assert (answer.status_code, kept, 'id="verdict-error"' in page) == (422, True, True)


def test_verdict_on_unknown_notice_is_404(alice: FlaskClient, seeded: Seeded) -> None:
    token, _ = _form(alice, seeded.notices["20-101536"])
    assert _post(alice, 999_999, token, "", verdict="relevant").status_code == 404
