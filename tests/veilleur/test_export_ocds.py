"""``veilleur export --format ocds`` writes a release package that validates against the
shipped OCDS 1.1.5 schema, and says in one line what it cannot do."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from db.ocds_validate import package_errors
from db.session import session_scope
from tests.factories import decision, lyon_contract, store
from veilleur.cli import cli
from vocabulary.decision import Hit

VIDEO = Hit("videosurveillance.videoprotection", "1", "videosurveillance", "title", "vidéo", 2.0)


@pytest.fixture
def stored(sqlite_url: str) -> str:
    with session_scope(sqlite_url) as s:
        store(s, lyon_contract(), decision(VIDEO))
    return sqlite_url


def _export(url: str, *args: str, prefix: str | None = None):
    env = {"VEILLEUR_OCID_PREFIX": prefix} if prefix else {"VEILLEUR_OCID_PREFIX": ""}
    return CliRunner().invoke(
        cli, ["export", "--format", "ocds", "--database-url", url, *args], env=env
    )


def test_the_package_validates_against_the_official_schema(stored: str) -> None:
    result = _export(stored, prefix="ocds-abc123")
    package = json.loads(result.stdout)
    assert result.exit_code == 0 and package_errors(package) == []
    assert package["releases"][0]["ocid"].startswith("ocds-abc123-decp:")


def test_without_a_prefix_it_says_the_ocids_are_unregistered(stored: str) -> None:
    result = _export(stored)
    assert "no registered ocid prefix" in result.stderr
    assert json.loads(result.stdout)["releases"][0]["ocid"].startswith("veilleur-local-")


def test_nothing_to_export_is_one_line_and_a_failure(stored: str) -> None:
    result = _export(stored, "--category", "drones", prefix="ocds-abc123")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: no notice matches: an OCDS package needs at least one release"
    ]
