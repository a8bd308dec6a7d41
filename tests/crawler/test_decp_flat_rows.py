"""The ministry's flat DECP rows (``decp-2022-marches-valides``): grouped per contract, ``CDL``
read as missing, filler amounts kept out of values, the windows on the publication date.

No recorded page of the dataset exists: the rows are ASSEMBLED here from the real 2022 record
of ``tests/fixtures/realworld/decp/decp-rama__…json`` in the dataset's column names (listed in
``tests/fixtures/realworld/README.md``), with the real habits of the dataset added one per test:
``"CDL"`` for missing values, one row per modification, 9 999 999 as an amount.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from crawler.base_spiders.decp_flat import parse_flat_records
from tests.conftest import FIXTURES, sqlite_database
from tests.crawling import crawl, last_run, notices
from veilleur.demo.replay import OpendatasoftEmulator, ReplayServer
from vocabulary.items import NoticeItem

REAL = FIXTURES / "realworld" / "decp" / "decp-rama__decp-13001845000028-2024-02-29-01.json"


def _row(**changes: Any) -> dict[str, Any]:
    record = json.loads(REAL.read_text(encoding="utf-8"))["marches"][0]
    holder = record["titulaires"][0]
    row: dict[str, Any] = {
        "id": record["id"],
        "acheteur_id": record["acheteur"]["id"],
        "nature": record["nature"],
        "objet": record["objet"],
        "codecpv": record["codeCPV"],
        "procedure": record["procedure"],
        "dureemois": record["dureeMois"],
        "datenotification": record["dateNotification"],
        "datepublicationdonnees": record["datePublicationDonnees"],
        "montant": record["montant"],
        "lieuexecution_code": record["lieuExecution"]["code"],
        "lieuexecution_typecode": record["lieuExecution"]["typeCode"],
        "titulaire_id_1": holder["id"],
        "titulaire_typeidentifiant_1": holder["typeIdentifiant"],
        "titulaire_id_2": "CDL",
        "titulaire_typeidentifiant_2": "CDL",
        "idmodification": "CDL",
        "montantmodification": "CDL",
        "source": "atexo_maximilien",
    }
    row.update(changes)
    return row


def _contracts(rows: list[dict[str, Any]]) -> list[NoticeItem]:
    return [n for n in parse_flat_records(rows, "decp-2022") if isinstance(n, NoticeItem)]


def test_cdl_is_no_awardee() -> None:
    (notice,) = _contracts([_row()])
    assert [a["id"] for a in notice.awardees] == ["44090956200041"]


def test_cdl_is_no_modification() -> None:
    (notice,) = _contracts([_row()])
    assert "Modification" not in notice.extra_text


def test_modification_rows_make_one_contract() -> None:
    rows = [_row(), _row(idmodification="1", montantmodification="120000")]
    assert len(_contracts(rows)) == 1


def test_modification_row_is_summarised() -> None:
    rows = [_row(), _row(idmodification="1", montantmodification="120000")]
    assert "montant 120000.00" in _contracts(rows)[0].extra_text


def test_filler_amount_kept_out_of_the_value() -> None:
    (notice,) = _contracts([_row(montant=9999999)])
    assert notice.estimated_value is None


def test_filler_amount_said_in_a_warning() -> None:
    (notice,) = _contracts([_row(montant=9999999)])
    assert any("9999999" in w and "filler" in w for w in notice.warnings)


def test_filler_amount_kept_raw() -> None:
    (notice,) = _contracts([_row(montant=9999999)])
    assert notice.raw["rows"][0]["montant"] == 9999999


def test_nightly_crawl_stores_a_contract_published_yesterday_notified_years_ago(
    tmp_path: Path,
) -> None:
    yesterday = date.today() - timedelta(days=1)
    row = _row(datenotification="2017-03-01", datepublicationdonnees=yesterday.isoformat())
    url = sqlite_database(tmp_path)
    ods = OpendatasoftEmulator({"decp-2022-marches-valides": [row]})
    with ReplayServer(ods=ods) as server:
        crawl("decp_2022", server, "--since", yesterday.isoformat(), database_url=url)
    assert [n.source_id for n in notices(url, "decp_2022")] == [
        "13001845000028:2024_D2F_2023S12323_33 962_01"
    ]


def test_frozen_dataset_with_nothing_new_is_a_normal_run(tmp_path: Path) -> None:
    url = sqlite_database(tmp_path)
    ods = OpendatasoftEmulator(
        {"decp-v3-marches-valides": [_row(datepublicationdonnees="2019-01-01")]}
    )
    with ReplayServer(ods=ods) as server:
        crawl("decp_v3", server, "--since", date.today().isoformat(), database_url=url)
    assert last_run(url).status == "ok"
