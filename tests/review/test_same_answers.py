"""The desk and the ``veilleur`` command answer the same questions the same way: the same
filters list the same notices and export the same columns and cells, and a notice's story is
the whole story (links followed transitively), on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import json
import re

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import select

from db.models import Notice
from db.session import session_scope
from tests.factories import add_link, review_notice, review_records, store
from tests.review.conftest import Seeded
from veilleur.cli import cli

#: (options of ``veilleur flagged``/``export``, the desk's query string for the same filters)
SAME_FILTERS = [
    ([], ""),
    (["--departement", "62"], "departement=62"),
    (["--category", "big_data_policing"], "category=big_data_policing"),
    (["--since", "2020-08-14", "--source", "boamp"], "date_from=2020-08-14&source=boamp"),
    (["--query", "vidéoprotection", "--min-score", "4"], "q=vid%C3%A9oprotection&min_score=4"),
    (
        ["--all", "--kind", "tender", "--buyer", "collonges"],
        "unflagged=1&kind=tender&buyer=collonges",
    ),
]
_QUEUE_LINK = re.compile(r'href="/notices/(\d+)(?:\?[^"]*)?" class="notice-link"')


def _cli(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(("options", "query"), SAME_FILTERS)
def test_cli_and_web_csv_exports_are_identical(
    alice_both: FlaskClient, both_url: str, options: list[str], query: str
) -> None:
    web = alice_both.get(f"/export.csv?{query}").get_data(as_text=True)
    cli_csv = _cli("export", "--format", "csv", *options, "--database-url", both_url)
    assert cli_csv.splitlines() == web.splitlines()


@pytest.mark.parametrize(("options", "query"), SAME_FILTERS)
def test_cli_and_web_json_exports_have_the_same_rows(
    alice_both: FlaskClient, both_url: str, options: list[str], query: str
) -> None:
    web = json.loads(alice_both.get(f"/export.json?{query}").get_data(as_text=True))
    cli_json = json.loads(_cli("export", "--format", "json", *options, "--database-url", both_url))
    assert cli_json == web


def test_exports_carry_every_column_of_both_former_exports(alice: FlaskClient, url: str) -> None:
    header = alice.get("/export.csv").get_data(as_text=True).splitlines()[0].split(",")
    former_cli = {"source_id", "buyer_siret", "cpv_codes", "url"}
    former_web = {"verdict", "deadline_at", "estimated_value", "flagged"}
    assert former_cli | former_web <= set(header)


@pytest.mark.parametrize(("options", "query"), SAME_FILTERS)
def test_flagged_lists_what_the_queue_lists(
    alice_both: FlaskClient, both_url: str, options: list[str], query: str
) -> None:
    queue = [
        int(i) for i in _QUEUE_LINK.findall(alice_both.get(f"/?{query}").get_data(as_text=True))
    ]
    with session_scope(both_url) as s:
        url_of = dict(s.execute(select(Notice.id, Notice.url).where(Notice.id.in_(queue))).all())
    printed = _cli("flagged", *options, "--database-url", both_url)
    # one block per notice (a narrow, non-terminal console), each ending with its URL
    blocks = re.findall(r"^(?:\d{4}-\d\d-\d\d|\?{4}-\?\?-\?\?)  ", printed, re.M)
    positions = [printed.index(url_of[i]) for i in queue]
    assert (len(blocks), positions) == (len(queue), sorted(positions))


def test_unknown_category_is_refused_by_both_alike(alice: FlaskClient, url: str) -> None:
    web = alice.get("/?category=cameras")
    result = CliRunner().invoke(cli, ["flagged", "--category", "cameras", "--database-url", url])
    message = "unknown category 'cameras' (valid: videosurveillance, video_analytics"
    assert (web.status_code, result.exit_code) == (400, 2)
    assert message in html.unescape(web.get_data(as_text=True)) and message in result.output


def test_unknown_source_is_refused_with_the_stored_ones(alice: FlaskClient, url: str) -> None:
    result = CliRunner().invoke(cli, ["export", "--source", "bomp", "--database-url", url])
    assert result.exit_code == 2 and "unknown source 'bomp' (valid: boamp, ted)" in result.output


def test_notice_page_shows_the_transitive_story(
    alice_both: FlaskClient, both_url: str, seeded_both: Seeded
) -> None:
    """The seed links the TED notice to its BOAMP twin; a contract linked to the TED notice
    is two links away from the BOAMP notice and belongs to its story."""
    boamp, ted = seeded_both.notices["20-100747"], seeded_both.notices["381341-2020"]
    item, verdict = review_notice(review_records()[0], suffix="-CONTRACT")
    item.kind = "contract"
    with session_scope(both_url) as s:
        contract = store(s, item, verdict)
        target = s.get(Notice, ted)
        assert target is not None
        add_link(s, contract, target, "contract_of", "contract number quoted in the award")
        contract_id = contract.id
    page = alice_both.get(f"/notices/{boamp}").get_data(as_text=True)
    timeline = page[page.index('id="timeline"') :]
    assert f'href="/notices/{contract_id}"' in timeline and "contrat issu de" in timeline
