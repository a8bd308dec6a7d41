"""A group receives the notices whose work is in its territory, not those merely published there.

Real BOAMP records (FNSimple, recorded from the live API): the gendarmerie of Doulaincourt-
Saucourt (26-7113) is published in nine départements, its work is in the Haute-Marne (52). The
rules' decision is given (flagged) because routing, not flagging, is what is checked here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from db.session import session_scope
from spiders.families import FAMILIES, ParseContext
from tests.conftest import FIXTURES
from tests.factories import decision, store_all
from veilleur.cli import cli
from vocabulary.decision import Hit
from vocabulary.items import NoticeItem

RECORDS = FIXTURES / "realworld" / "boamp" / "boamp_v2.1_records_2026-01-21_where-date_all5.json"
GENDARMERIE = "26-7113"


def _items() -> list[NoticeItem]:
    parsed = FAMILIES["boamp"](RECORDS.read_bytes(), ParseContext(url="", source="boamp"))
    return [item for item in parsed if isinstance(item, NoticeItem)]


def _flagged(item: NoticeItem):
    hit = Hit("videosurveillance.terms", "r@1", "videosurveillance", "title", item.title, 1.0)
    return item, decision(hit)


@pytest.fixture
def digests(sqlite_url: str, tmp_path: Path) -> Path:
    with session_scope(sqlite_url) as session:
        store_all(session, [_flagged(item) for item in _items()])
    env = {"DATABASE_URL": sqlite_url, "VEILLEUR_DIGEST_BACKLOG_DAYS": "100000"}
    runner = CliRunner()
    # the second group also covers the Nord, so its digest exists and has something in it
    for name, depts in (("haute-marne", ["52"]), ("aube-nord", ["10", "59"])):
        territory = [arg for dept in depts for arg in ("--departement", dept)]
        added = runner.invoke(
            cli, ["groups", "add", name, *territory, "--recipient", "v@example.org"], env=env
        )
        assert added.exit_code == 0, added.output
    out = tmp_path / "out"
    written = runner.invoke(cli, ["digest", "--out", str(out)], env=env)
    assert written.exit_code == 0, written.output
    return out


def test_the_record_really_is_published_in_the_aube() -> None:
    item = next(i for i in _items() if i.source_id == GENDARMERIE)
    assert "10" in item.publication_departements and item.departements == ["52"]


def test_the_group_where_the_work_is_receives_it(digests: Path) -> None:
    assert GENDARMERIE in (digests / "haute-marne.txt").read_text(encoding="utf-8")


def test_a_group_where_it_is_only_published_does_not(digests: Path) -> None:
    text = (digests / "aube-nord.txt").read_text(encoding="utf-8")
    assert "26-7298" in text and GENDARMERIE not in text
