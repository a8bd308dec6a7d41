"""``veilleur prices`` reads a stored BPU linked from a notice and keeps its surveillance lines;
the notice's OCDS release lists them as items; a missing file is one line, not a traceback."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from db.models import PriceLine
from db.ocds import releases
from db.prices import price_lines_for_notice
from db.session import session_scope
from tests.factories import add_document, lyon_tender, store
from veilleur.cli import cli
from vocabulary.items import DocumentRef

BPU = Path(__file__).resolve().parents[1] / "fixtures" / "prices" / "ratp-courants-faibles-bpu.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _stored(url: str, docs: Path) -> int:
    (docs / "bp").mkdir(parents=True)
    shutil.copyfile(BPU, docs / "bp" / "bpu.xlsx")
    with session_scope(url) as s:
        add_document(s, "c" * 64, "(text)", media_type=XLSX, storage_path="bp/bpu.xlsx")
        ref = DocumentRef(
            "https://example.org/dce/BPU.xlsx",
            "Bordereau des prix unitaires",
            "c" * 64,
            status="ok",
        )
        return store(s, replace(lyon_tender(), documents=[ref])).id


def test_the_command_keeps_the_surveillance_lines_of_a_linked_bpu(
    sqlite_url: str, tmp_path: Path
) -> None:
    notice_id = _stored(sqlite_url, tmp_path / "documents")
    result = CliRunner().invoke(
        cli,
        ["prices", "--database-url", sqlite_url, "--documents-dir", str(tmp_path / "documents")],
    )
    assert result.exit_code == 0 and "22 surveillance lines" in result.output
    with session_scope(sqlite_url) as s:
        lines = price_lines_for_notice(s, notice_id)
        assert sum(1 for line in lines if line["equipment"] == "camera") == 4
        (release,) = releases(s, [notice_id], "ocds-test01")
        assert sum(1 for i in release["tender"]["items"] if i["id"].startswith("price-")) == 22


def test_reading_twice_keeps_one_set_of_lines(sqlite_url: str, tmp_path: Path) -> None:
    _stored(sqlite_url, tmp_path / "documents")
    args = ["prices", "--database-url", sqlite_url, "--documents-dir", str(tmp_path / "documents")]
    CliRunner().invoke(cli, args)
    CliRunner().invoke(cli, args)
    with session_scope(sqlite_url) as s:
        assert s.scalar(select(func.count()).select_from(PriceLine)) == 22


def test_a_missing_file_is_one_line(sqlite_url: str, tmp_path: Path) -> None:
    _stored(sqlite_url, tmp_path / "documents")
    (tmp_path / "documents" / "bp" / "bpu.xlsx").unlink()
    result = CliRunner().invoke(
        cli,
        ["prices", "--database-url", sqlite_url, "--documents-dir", str(tmp_path / "documents")],
    )
    assert result.exit_code == 0 and "file missing" in result.stderr
