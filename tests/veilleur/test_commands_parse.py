"""``veilleur parse SOURCE FILE`` through the real CLI on real recorded answers."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from spiders.families import FAMILIES
from tests.conftest import FIXTURES
from veilleur.commands.parse import parse

REAL = FIXTURES / "realworld"
BOAMP = REAL / "boamp" / "boamp_v2.1_records_2026-01-21_where-date_all5.json"


def _run(*args: str):
    return CliRunner().invoke(parse, list(args))


def test_one_json_object_per_notice() -> None:
    result = _run("boamp", str(BOAMP))
    assert [json.loads(line)["source_id"] for line in result.output.splitlines()] == [
        "26-7298",
        "26-7308",
        "26-7319",
        "26-7109",
        "26-7113",
    ]


def test_deadline_printed_with_its_offset() -> None:
    first = json.loads(_run("boamp", str(BOAMP)).output.splitlines()[0])
    assert first["deadline_at"] == "2026-02-16T12:00:00+01:00"


def test_reads_standard_input() -> None:
    result = CliRunner().invoke(parse, ["boamp", "-"], input=BOAMP.read_bytes())
    assert len(result.output.splitlines()) == 5


def test_missing_file_is_a_one_line_error() -> None:
    result = _run("boamp", "no-such-file.json")
    assert (result.exit_code, result.output.strip().count("\n")) == (1, 0)


def test_body_of_another_format_is_a_one_line_error(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<html><body>not JSON</body></html>")
    result = _run("boamp", str(page))
    assert result.exit_code == 1 and "not JSON" in result.output


def test_unknown_source_names_the_known_ones() -> None:
    result = _run("nosuchsource", str(BOAMP))
    assert result.exit_code == 1 and "boamp" in result.output


def test_listing_family_needs_a_configured_source() -> None:
    result = _run("listing", str(REAL / "listings" / "couthenans.html"))
    assert result.exit_code == 1 and "configured source" in result.output


def test_family_table_has_the_issue_families() -> None:
    assert {"boamp", "ted", "decp", "scdl", "listing"} <= set(FAMILIES)


RAA = FIXTURES / "prefectures" / "var"


def test_raa_prints_the_acts_of_one_recueil() -> None:
    result = _run("raa", str(RAA / "bundles" / "e7e832000544b858.pdf"))
    assert result.exit_code == 0, result.output
    acts = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(acts) == 17 and {a["kind"] for a in acts} == {"authorisation"}
    assert acts[-1]["source_id"] == "83-2025-07-07-00016"
    assert acts[-1]["act"]["pages"] == [73, 75] and acts[-1]["url"].endswith("#page=73")


def test_raa_details_of_a_drone_authorisation() -> None:
    result = _run("raa", str(RAA / "bundles" / "02db690e8470fb80.txt"))
    drone = json.loads(result.output.splitlines()[0])
    assert drone["act"]["details"]["equipment"] == "caméra sur un drone de type DJI Mavic 3T"
    assert drone["act"]["details"]["cameras"] == 1


def test_raa_page_lists_its_recueils_with_the_prefecture_config() -> None:
    result = _run("raa_83", str(RAA / "month-06.html"), "--url", "https://www.var.gouv.fr/x")
    names = [json.loads(line)["title"] for line in result.output.splitlines() if line]
    assert "RAA N°192 du 6 juin 2025" in names


def test_raa_of_a_file_without_acts_is_one_line_error() -> None:
    page = RAA / "month-06.html"
    result = _run("raa", str(page))
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "Error:" in result.output
