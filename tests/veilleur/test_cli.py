"""The ``veilleur`` command: every subcommand loads, has help with an example, is documented;
the read-side commands print what is stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from db.session import session_scope
from tests.factories import decision, notice_item, store_all
from veilleur.cli import COMMANDS, cli
from vocabulary.decision import Hit

ROOT = Path(__file__).resolve().parents[2]
DOCS = "\n".join(
    p.read_text(encoding="utf-8")
    for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_with_an_example(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0 and "Example" in result.output, result.output


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_is_documented(name: str) -> None:
    assert f"veilleur {name}" in DOCS


def test_top_level_help_lists_every_command() -> None:
    output = CliRunner().invoke(cli, ["--help"]).output
    assert all(name in output for name in COMMANDS)


@pytest.fixture
def stored(sqlite_url: str) -> str:
    cctv = notice_item(
        source="boamp",
        source_id="20-100747",
        url="https://www.boamp.fr/pages/avis/?q=idweb:20-100747",
        title="FOURNITURE, LIVRAISON ET INSTALLATION DE CAMERAS DE VIDEOPROTECTION ET ENREGISTREURS NUMERIQUES",
        buyer_name="Ca des deux baies en montreuillois",
        departements=["62"],
    )
    school = notice_item(
        source="boamp",
        source_id="BWP061840703432",
        url="https://www.boamp.fr/",
        title="Extension et restructuration de l'école primaire à Biaudos",
        departements=["64"],
    )
    hit = Hit("cctv", "r@1", "videosurveillance", "title", "CAMERAS DE VIDEOPROTECTION", 3.0)
    with session_scope(sqlite_url) as session:
        store_all(session, [(cctv, decision(hit)), (school, decision())])
    return sqlite_url


def test_flagged_lists_the_flagged_notice(stored: str) -> None:
    output = CliRunner().invoke(cli, ["flagged", "--database-url", stored]).output
    assert "idweb:20-100747" in output and "CAMERAS DE VIDEOPROTECTION" in output


def test_flagged_category_filter_excludes(stored: str) -> None:
    output = (
        CliRunner()
        .invoke(cli, ["flagged", "--database-url", stored, "--category", "drones"])
        .output
    )
    assert "(0)" in output


def test_export_jsonl_has_only_flagged(stored: str) -> None:
    output = (
        CliRunner().invoke(cli, ["export", "--format", "jsonl", "--database-url", stored]).output
    )
    assert [json.loads(line)["source_id"] for line in output.splitlines()] == ["20-100747"]


def test_status_without_runs_exits_zero(stored: str) -> None:
    assert CliRunner().invoke(cli, ["status", "--database-url", stored]).exit_code == 0
