"""The desk's OCDS export: the queue's filters as a release package that validates, on SQLite
and PostgreSQL."""

from __future__ import annotations

import json

from flask.testing import FlaskClient

from db.ocds_validate import package_errors


def test_the_queue_offers_an_ocds_export_that_validates(alice_both: FlaskClient) -> None:
    queue = alice_both.get("/").get_data(as_text=True)
    assert 'id="export-ocds"' in queue
    response = alice_both.get("/export.ocds")
    package = json.loads(response.get_data(as_text=True))
    assert response.status_code == 200 and package_errors(package) == []
    assert package["uri"].endswith("/export.ocds")
    assert len(package["releases"]) >= 5


def test_an_empty_ocds_selection_is_a_clear_refusal(alice_both: FlaskClient) -> None:
    response = alice_both.get("/export.ocds?category=drones&q=zzzzqqq")
    assert response.status_code == 400
    assert "at least one release" in response.get_data(as_text=True)
