"""``veilleur show``: a notice and its story, through the real CLI on a real database."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from click.testing import CliRunner

from crawler.base_spiders.decp_json import DecpRecordError, parse_decp_document
from db.migrate import upgrade
from db.session import session_scope
from db.store import upsert_notices
from veilleur.commands.show import show
from vocabulary.items import NoticeItem

DECP = Path(__file__).parents[1] / "fixtures" / "decp" / "data.gouv.fr_pes_2019-04-05.json"


def _database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(url)
    lyon = next(
        n
        for n in parse_decp_document(DECP.read_bytes())
        if not isinstance(n, DecpRecordError) and "Mermoz" in n.title
    )
    # SYNTHETIC tender of the real Lyon contract (the corpus holds none)
    tender = NoticeItem(
        source="boamp",
        source_id="18-999999",
        kind="tender",
        url="",
        title="Extension de la vidéoprotection des espaces publics du quartier Mermoz Nord",
        buyer_name="Ville de Lyon",
        buyer_siret="21690123100011",
        cpv_codes=["35125300"],
        published_at=date(2018, 6, 1),
    )
    with session_scope(url) as session:
        upsert_notices(session, [(tender, None), (lyon, None)])
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
