"""``veilleur show``: a notice and its story, through the real CLI on a real database."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from db.session import session_scope
from tests.conftest import sqlite_database
from tests.factories import lyon_contract, lyon_tender, store_all
from veilleur.commands.show import show


def _database(tmp_path: Path) -> str:
    """The real Lyon contract and its (SYNTHETIC) tender, stored in one batch."""
    url = sqlite_database(tmp_path)
    with session_scope(url) as session:
        store_all(session, [(lyon_tender(), None), (lyon_contract(), None)])
    return url


def test_show_prints_the_contract_under_its_tender_with_the_reason(tmp_path: Path) -> None:
    url = _database(tmp_path)
    result = CliRunner().invoke(show, ["boamp:18-999999", "--relink", "--database-url", url])
    assert "contract_of #1 boamp:18-999999 — buyer SIREN 216901231" in result.output


def test_show_by_row_id(tmp_path: Path) -> None:
    url = _database(tmp_path)
    result = CliRunner().invoke(show, ["2", "--database-url", url])
    assert result.output.splitlines()[0] == "#2 decp:21690123100011:2018J114600  [contract]"


def test_unknown_notice_is_a_clear_error(tmp_path: Path) -> None:
    url = _database(tmp_path)
    result = CliRunner().invoke(show, ["ted:1-1999", "--database-url", url])
    assert result.exit_code == 1 and "no notice 'ted:1-1999'" in result.output
