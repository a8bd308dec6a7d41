"""The Opendatasoft emulator keeps the real API's rules."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.crawling import demo_records
from veilleur.demo.replay import OpendatasoftEmulator, ReplayServer

PATH = "/api/explore/v2.1/catalog/datasets/boamp/records"


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture(scope="module")
def server():
    with ReplayServer(ods=OpendatasoftEmulator({"boamp": demo_records()})) as running:
        yield running


def test_refuses_offset_plus_limit_over_10000(server: ReplayServer) -> None:
    assert get(f"{server.url}{PATH}?limit=100&offset=9950")[0] == 400


def test_refuses_limit_over_100(server: ReplayServer) -> None:
    assert get(f"{server.url}{PATH}?limit=101")[0] == 400


def test_total_count_follows_where(server: ReplayServer) -> None:
    where = "dateparution >= date'2006-01-01' AND dateparution < date'2007-01-01'"
    status, body = get(f"{server.url}{PATH}?limit=1&where={urllib.request.quote(where)}")
    assert (status, body["total_count"]) == (200, 20)


def test_unknown_clause_is_an_odsql_error(server: ReplayServer) -> None:
    status, body = get(f"{server.url}{PATH}?where={urllib.request.quote('search(objet, x)')}")
    assert (status, body["error_code"]) == (400, "ODSQLError")
