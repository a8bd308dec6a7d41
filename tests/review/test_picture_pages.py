"""The map, timeline, party search and party pages, and watching a party, through the Flask
client on SQLite and PostgreSQL (the seeded real notices, their parties and facets refreshed)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from db.models import Group, NoticeFacet, Party, Watch
from db.picture import refresh_picture
from db.session import session_scope
from tests.factories import add_group, decision, lyon_contract, lyon_tender, store, store_all
from tests.review.conftest import csrf_token
from vocabulary.decision import Hit

VIDEO = Hit("videosurveillance.videoprotection", "1", "videosurveillance", "title", "vidéo", 2.0)


@pytest.fixture
def pictured(both_url: str) -> str:
    with session_scope(both_url) as s:
        store(s, lyon_contract(), decision(VIDEO))
        add_group(s, "lyon", ["veille@example.org"], departements=["69"])
        refresh_picture(s)
    return both_url


def test_the_map_draws_every_departement_and_tables_the_counts(
    pictured: str, alice_both: FlaskClient
) -> None:
    html = alice_both.get("/map").get_data(as_text=True)
    assert html.count('class="dep ') == 101
    with session_scope(pictured) as s:
        deps = set(s.scalars(select(NoticeFacet.departement)))
    rows = re.findall(r"departement=(\w+)[^>]*>[^<]+</a></td><td>(\d+)</td>", html)
    assert {d for d, _ in rows} == deps and "69" in deps


def test_a_departement_links_to_the_queue_filtered_on_it(
    alice_both: FlaskClient, pictured: str
) -> None:
    html = alice_both.get("/map?category=videosurveillance").get_data(as_text=True)
    assert re.search(
        r'<a href="/\?departement=69&amp;category=videosurveillance" id="dep-69">', html
    )


def test_an_unknown_category_is_refused_on_the_map(alice_both: FlaskClient) -> None:
    response = alice_both.get("/map?category=cctv")
    assert response.status_code == 400 and "unknown category" in response.get_data(as_text=True)


def test_the_timeline_lists_the_contract_month(alice_both: FlaskClient, pictured: str) -> None:
    html = alice_both.get("/map?from=2018-01&to=2018-12").get_data(as_text=True)
    months = re.findall(r"<tr><td>(\d{4}-\d\d)</td>", html)
    assert months and all(m.startswith("2018") for m in months)


def test_a_vendor_is_found_by_name_and_its_page_names_its_buyer(
    alice_both: FlaskClient, pictured: str
) -> None:
    found = alice_both.get("/parties?q=serfim").get_data(as_text=True)
    link = re.search(r'href="(/parties/\d+)">SERFIM TIC', found)
    assert link
    page = alice_both.get(link.group(1)).get_data(as_text=True)
    assert "431903954" in page and "LYON" in page.upper()


def test_a_siret_url_redirects_to_the_vendor_page(alice_both: FlaskClient, pictured: str) -> None:
    response = alice_both.get("/vendors/43190395400029")
    assert response.status_code == 302 and re.search(r"/parties/\d+$", response.location)


def test_watching_a_vendor_records_it_for_the_group_once(
    alice_both: FlaskClient, pictured: str
) -> None:
    with session_scope(pictured) as s:
        party_id = s.scalars(select(Party.id).where(Party.siren == "431903954")).one()
        group_id = s.scalars(select(Group.id).where(Group.name == "lyon")).one()
    path = f"/parties/{party_id}"
    for _ in range(2):
        token = csrf_token(alice_both, path)
        response = alice_both.post(
            f"{path}/watch", data={"group_id": group_id, "csrf_token": token}
        )
        assert response.status_code == 302
    with session_scope(pictured) as s:
        watches = s.scalars(select(Watch).where(Watch.party_id == party_id)).all()
        assert [(w.group_id, w.created_by) for w in watches] == [(group_id, "alice")]


def test_watching_without_a_csrf_token_is_refused(alice_both: FlaskClient, pictured: str) -> None:
    with session_scope(pictured) as s:
        party_id = s.scalars(select(Party.id).where(Party.siren == "431903954")).one()
    assert alice_both.post(f"/parties/{party_id}/watch", data={"group_id": 1}).status_code == 400


@pytest.fixture
def busy_vendor(both_url: str) -> str:
    """SYNTHETIC: 130 awards of the Lyon tender's buyer to SERFIM (the real contract's awardee),
    one a day from 2020-01-01, and 3 undated."""
    items = [
        replace(
            lyon_tender(),
            source_id=f"20-{k:06d}",
            kind="award",
            published_at=date(2020, 1, 1) + timedelta(days=k) if k < 130 else None,
            awardees=[{"name": "SERFIM TIC", "id": "43190395400029"}],
        )
        for k in range(133)
    ]
    with session_scope(both_url) as s:
        store_all(s, [(item, decision(VIDEO)) for item in items])
        refresh_picture(s)
    return both_url


def _rows(html: str) -> list[str]:
    table = html.split('id="party-notices"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr><td>([^<]*)</td>", table)


def test_a_busy_vendors_notices_come_fifty_a_page_newest_first_undated_last(
    alice_both: FlaskClient, busy_vendor: str
) -> None:
    """Both databases give the same pages: PostgreSQL sorts NULL first in a descending order
    unless told otherwise, SQLite last."""
    with session_scope(busy_vendor) as s:
        party_id = s.scalars(select(Party.id).where(Party.siren == "431903954")).one()
    path, dates = f"/parties/{party_id}", []
    while path:
        response = alice_both.get(path)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        rows = _rows(html)
        assert len(rows) == 50 or 'rel="next"' not in html
        dates += rows
        more = re.search(r'href="([^"]+)" rel="next"', html)
        path = more.group(1).replace("&amp;", "&") if more else ""
    newest = [(date(2020, 1, 1) + timedelta(days=k)).isoformat() for k in range(129, -1, -1)]
    assert dates == [*newest, "", "", ""]
    assert "<strong>133</strong>" in html  # the totals count every notice
