"""Exports of the current filtered view (CSV and JSON), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json

from flask.testing import FlaskClient

from tests.review.conftest import Seeded


def test_json_export_has_the_filtered_rows(alice_both: FlaskClient, seeded_both: Seeded) -> None:
    rows = json.loads(alice_both.get("/export.json?departement=62").get_data(as_text=True))
    assert [r["id"] for r in rows] == [seeded_both.notices["20-100747"]]


def test_json_export_carries_the_verdict(alice: FlaskClient, seeded: Seeded) -> None:
    rows = json.loads(alice.get("/export.json?departement=62").get_data(as_text=True))
    assert rows[0]["verdict"] == "new"


def test_csv_export_has_every_queue_row(alice: FlaskClient, seeded: Seeded) -> None:
    body = alice.get("/export.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body)))
    queue = alice.get("/").get_data(as_text=True)
    assert len(rows) == queue.count('class="notice-link"') == 8


def test_csv_export_is_an_attachment(alice: FlaskClient) -> None:
    response = alice.get("/export.csv")
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_csv_export_keeps_text_inert(alice: FlaskClient, seeded: Seeded) -> None:
    body = alice.get("/export.csv?date_from=2020-08-20").get_data(as_text=True)
    row = next(csv.DictReader(io.StringIO(body)))
    assert row["title"].startswith('<script>alert("xss-title")')


def test_json_export_follows_search(alice_both: FlaskClient, seeded_both: Seeded) -> None:
    rows = json.loads(alice_both.get("/export.json?q=tranquillit%C3%A9").get_data(as_text=True))
    assert [r["id"] for r in rows] == [seeded_both.notices["20-102325"]]


def test_export_streams_past_one_batch(alice: FlaskClient, url: str) -> None:
    from db.session import session_scope
    from tests.factories import review_notice, review_records, store_all

    rec = review_records()[0]
    with session_scope(url) as s:
        store_all(s, (review_notice(rec, suffix=f"-{i}") for i in range(1200)))
    rows = json.loads(alice.get("/export.json").get_data(as_text=True))
    assert len(rows) == 1208 and len({r["id"] for r in rows}) == 1208
