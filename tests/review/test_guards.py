"""What the desk refuses before the database: ids no row can have, NUL characters — on SQLite
and PostgreSQL, where PostgreSQL answered 500 (and cut a streamed export mid-body)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from review.guards import small_int
from tests.review.conftest import Seeded, csrf_token

HUGE = ("2147483648", "99999999999999999999999")


@pytest.mark.parametrize("number", HUGE)
@pytest.mark.parametrize(
    "path",
    [
        "/notices/{n}",
        "/documents/{n}/download",
        "/documents/{n}/pages/1",
        "/documents/1/pages/{n}",
        "/parties/{n}",
        "/p/token/notices/{n}",
        "/?after=2020-08-01_{n}",
        "/?after=-_{n}",
    ],
)
def test_an_id_beyond_any_row_is_not_found(
    alice_both: FlaskClient, seeded_both: Seeded, path: str, number: str
) -> None:
    answer = alice_both.get(path.format(n=number))
    assert answer.status_code == 404, answer.get_data(as_text=True)[:300]


def test_the_largest_possible_id_is_still_looked_up(alice_both: FlaskClient) -> None:
    assert alice_both.get("/notices/2147483647").status_code == 404


def test_a_page_link_with_a_huge_notice_id_still_shows_the_page(
    alice_both: FlaskClient, seeded_both: Seeded
) -> None:
    answer = alice_both.get(f"/documents/{seeded_both.document_id}/pages/2?notice={HUGE[1]}")
    assert answer.status_code == 200


def test_a_verdict_form_with_huge_numbers_is_not_a_500(
    alice_both: FlaskClient, seeded_both: Seeded
) -> None:
    notice = seeded_both.notices["20-102325"]
    token = csrf_token(alice_both, f"/notices/{notice}")
    answer = alice_both.post(
        "/verdicts",
        data={"notice": [HUGE[1], str(notice)], "verdict": "confirmed", "csrf_token": token},
    )
    assert answer.status_code in (302, 422)  # saved, or the form again saying what is missing
    answer = alice_both.post(
        f"/notices/{notice}/verdict",
        data={"verdict": "confirmed", "seen_review_id": HUGE[1], "csrf_token": token},
    )
    assert answer.status_code < 500


@pytest.mark.parametrize(
    "query",
    ["q=%00", "q=vid%00eo", "buyer=%00", "departement=6%009", "source=%00", "after=%00"],
)
def test_a_nul_character_in_a_filter_is_refused(alice_both: FlaskClient, query: str) -> None:
    answer = alice_both.get(f"/?{query}")
    assert answer.status_code == 400
    assert "U+0000" in answer.get_data(as_text=True)


@pytest.mark.parametrize("fmt", ["json", "csv", "ocds"])
def test_an_export_with_a_nul_is_refused_before_any_byte(alice_both: FlaskClient, fmt: str) -> None:
    answer = alice_both.get(f"/export.{fmt}?q=%00")
    assert answer.status_code == 400 and "attachment" not in answer.headers.get(
        "Content-Disposition", ""
    )


def test_a_nul_in_a_posted_form_is_refused(alice_both: FlaskClient, seeded_both: Seeded) -> None:
    notice = seeded_both.notices["20-102325"]
    token = csrf_token(alice_both, f"/notices/{notice}")
    answer = alice_both.post(
        f"/notices/{notice}/verdict",
        data={"verdict": "confirmed", "note": "a\x00b", "csrf_token": token},
    )
    assert answer.status_code == 400
    page = alice_both.get(f"/notices/{notice}").get_data(as_text=True)
    assert "a\x00b" not in page


def test_an_export_whose_first_query_fails_answers_an_error_not_a_cut_body(
    alice_both: FlaskClient, seeded_both: Seeded, both_url: str
) -> None:
    """The first page is read before the headers go: a database that refuses the query gives
    a plain 500, never a 200 with half a file (here: the notices table is gone)."""
    from sqlalchemy import text

    from db.session import get_engine

    with get_engine(both_url).begin() as conn:
        conn.execute(text("ALTER TABLE notices RENAME TO notices_gone"))
    try:
        alice_both.application.config["PROPAGATE_EXCEPTIONS"] = False
        answer = alice_both.get("/export.json")
        assert answer.status_code == 500
        assert "attachment" not in answer.headers.get("Content-Disposition", "")
    finally:
        with get_engine(both_url).begin() as conn:
            conn.execute(text("ALTER TABLE notices_gone RENAME TO notices"))


def test_a_good_export_still_streams_every_row(
    alice_both: FlaskClient, seeded_both: Seeded
) -> None:
    rows = alice_both.get("/export.json?unflagged=1").get_json()
    assert {r["id"] for r in rows} >= set(seeded_both.notices.values()) - {0}


@pytest.mark.parametrize("raw", ["", "-1", "1.0", "²", "٣", "2147483648", "0x10"])
def test_small_int_refuses_what_is_not_an_id(raw: str) -> None:
    with pytest.raises(ValueError):
        small_int(raw)


def test_small_int_reads_an_id() -> None:
    assert small_int("2147483647") == 2**31 - 1


def test_the_nul_guard_does_not_read_an_upload_body(alice: FlaskClient) -> None:
    """An upload's view raises the body limit before reading it: a 2 MiB file must reach the
    view (here refused for its missing CSRF token, 400), not the 1 MiB form cap (413)."""
    import io

    answer = alice.post(
        "/requests/1/files",
        data={"files": (io.BytesIO(b"%PDF-1.4 " + b"0" * (2 << 20)), "reponse.pdf")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 400


def test_a_nul_in_a_multipart_form_is_refused_too(
    alice_both: FlaskClient, seeded_both: Seeded
) -> None:
    notice = seeded_both.notices["20-102325"]
    token = csrf_token(alice_both, f"/notices/{notice}")
    answer = alice_both.post(
        f"/notices/{notice}/verdict",
        data={"verdict": "confirmed", "note": "a\x00b", "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 400
