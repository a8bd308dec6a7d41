"""The portal-file loader: a bad entry is refused when the config loads, in one line naming the
file, the table (and entry) and the key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.settings import Settings
from sqlalchemy import select

from db.migrate import upgrade
from db.models import JobRun
from db.session import session_scope
from spiders.configured import PortalSpiderLoader, configured_spiders
from vocabulary.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]

LISTING = """
[[html_listing]]
name = "delib_exemple"
base_url = "https://www.exemple.fr"
row = "li.acte"
title = "a.doc"
"""


def _refusal(tmp_path: Path, text: str) -> tuple[str, str]:
    """The error message for a portal file holding ``text``, and the file's path."""
    path = tmp_path / "portals.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        configured_spiders([path])
    return str(caught.value), str(path)


def _names(message: str, path: str, where: str, key: str) -> bool:
    """One line, opening with the file and the entry, naming the key."""
    return "\n" not in message and message.startswith(f"{path}: {where}") and f'"{key}"' in message


def test_unknown_key(tmp_path: Path) -> None:
    message, path = _refusal(tmp_path, LISTING + 'titel = "h2"\n')
    assert _names(message, path, '[[html_listing]] entry 1 ("delib_exemple")', "titel")


def test_missing_required_key(tmp_path: Path) -> None:
    message, path = _refusal(tmp_path, '[[scdl_datagouv]]\nname = "delib_exemple"\n')
    assert _names(message, path, '[[scdl_datagouv]] entry 1 ("delib_exemple")', "datasets")


def test_missing_name(tmp_path: Path) -> None:
    message, path = _refusal(tmp_path, '[[decp_files]]\nfiles = ["a.json"]\n')
    assert _names(message, path, "[[decp_files]] entry 1:", "name")


def test_wrong_type(tmp_path: Path) -> None:
    message, path = _refusal(tmp_path, LISTING + 'max_pages = "50"\n')
    assert _names(message, path, '[[html_listing]] entry 1 ("delib_exemple")', "max_pages")


def test_bad_css_selector(tmp_path: Path) -> None:
    message, path = _refusal(tmp_path, LISTING.replace('"li.acte"', '"li[class"'))
    assert _names(message, path, "[[html_listing]] entry 1", "row") and "CSS" in message


def test_bad_xpath_selector(tmp_path: Path) -> None:
    message, path = _refusal(tmp_path, LISTING + "next_page = \"//a[@rel='next'\"\n")
    assert _names(message, path, "[[html_listing]] entry 1", "next_page") and "XPath" in message


def test_value_outside_its_closed_set(tmp_path: Path) -> None:
    message, path = _refusal(tmp_path, LISTING + 'kind = "deliberations"\n')
    assert _names(message, path, "[[html_listing]] entry 1", "kind")


def test_empty_list_where_one_value_is_needed(tmp_path: Path) -> None:
    message, path = _refusal(tmp_path, '[[decp_files]]\nname = "decp_x"\nfiles = []\n')
    assert _names(message, path, '[[decp_files]] entry 1 ("decp_x")', "files")


def test_departement_that_is_no_departement(tmp_path: Path) -> None:
    message, path = _refusal(tmp_path, LISTING + 'departements = ["13", "130"]\n')
    assert _names(message, path, "[[html_listing]] entry 1", "departements") and "130" in message


def test_siret_of_the_wrong_length(tmp_path: Path) -> None:
    message, path = _refusal(tmp_path, LISTING + 'buyer_siret = "2113005530001"\n')
    assert _names(message, path, "[[html_listing]] entry 1", "buyer_siret")


def test_base_url_that_is_no_url(tmp_path: Path) -> None:
    message, path = _refusal(tmp_path, LISTING.replace("https://www.exemple.fr", "www.exemple.fr"))
    assert _names(message, path, "[[html_listing]] entry 1", "base_url")


def test_name_that_cannot_be_a_source_name(tmp_path: Path) -> None:
    message, path = _refusal(tmp_path, LISTING.replace("delib_exemple", "Délib exemple"))
    assert _names(message, path, "[[html_listing]] entry 1", "name")


def test_field_map_naming_no_notice_field(tmp_path: Path) -> None:
    entry = """
[[opendatasoft]]
name = "delib_ods"
base_url = "https://data.exemple.fr"
dataset = "deliberations"
date_field = "delib_date"
id_field = "delib_id"
[opendatasoft.field_map]
titre = "delib_objet"
"""
    message, path = _refusal(tmp_path, entry)
    assert _names(message, path, '[[opendatasoft]] entry 1 ("delib_ods")', "field_map")
    assert "titre" in message


def test_key_of_another_base(tmp_path: Path) -> None:
    # `select` is read by [[opendatasoft]] entries; a DECP dataset's records are reshaped whole
    entry = """
[[decp_opendatasoft]]
name = "decp_x"
base_url = "https://data.economie.gouv.fr"
dataset = "decp-v3-marches-valides"
select = "id"
"""
    message, path = _refusal(tmp_path, entry)
    assert _names(message, path, '[[decp_opendatasoft]] entry 1 ("decp_x")', "select")


def test_second_entry_is_counted(tmp_path: Path) -> None:
    text = LISTING + LISTING.replace("delib_exemple", "delib_autre").replace('"a.doc"', '"a["')
    message, path = _refusal(tmp_path, text)
    assert _names(message, path, '[[html_listing]] entry 2 ("delib_autre")', "title")


def test_unknown_table(tmp_path: Path) -> None:
    message, path = _refusal(tmp_path, LISTING.replace("[[html_listing]]", "[[html_listings]]"))
    assert message.startswith(f"{path}: unknown table [[html_listings]]") and "\n" not in message


def test_single_table_instead_of_an_array(tmp_path: Path) -> None:
    message, path = _refusal(tmp_path, LISTING.replace("[[html_listing]]", "[html_listing]"))
    assert message.startswith(f"{path}: [html_listing]") and "[[html_listing]]" in message


def test_file_that_is_not_toml(tmp_path: Path) -> None:
    message, path = _refusal(tmp_path, LISTING + 'date = "span.date\n')
    assert message.startswith(f"{path}: not valid TOML") and "\n" not in message


def test_name_declared_twice(tmp_path: Path) -> None:
    message, path = _refusal(tmp_path, LISTING + LISTING)
    assert _names(message, path, '[[html_listing]] entry 2 ("delib_exemple")', "name")
    assert "entry 1" in message


def test_name_of_a_hand_written_spider(tmp_path: Path) -> None:
    path = tmp_path / "portals.toml"
    path.write_text(LISTING.replace("delib_exemple", "boamp"), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        PortalSpiderLoader(
            Settings({"SPIDER_MODULES": ["spiders"], "VEILLEUR_EXTRA_PORTALS": [path]})
        )
    assert _names(str(caught.value), str(path), '[[html_listing]] entry 1 ("boamp")', "name")


def test_extra_file_that_does_not_exist(tmp_path: Path) -> None:
    path = tmp_path / "missing.toml"
    with pytest.raises(ConfigError, match=f"^{path}: cannot be read"):
        configured_spiders([path])


def test_extra_files_come_from_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "portals.toml"
    path.write_text(LISTING, encoding="utf-8")
    loader = PortalSpiderLoader(
        Settings({"SPIDER_MODULES": ["spiders"], "VEILLEUR_EXTRA_PORTALS": [str(path)]})
    )
    assert loader.load("delib_exemple").row == "li.acte"


def test_crawl_command_reports_a_bad_entry_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "portals.toml"
    path.write_text(LISTING + 'max_pages = "50"\n', encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT), VEILLEUR_EXTRA_PORTALS=str(path))
    result = subprocess.run(
        [sys.executable, "-m", "veilleur.cli", "crawl", "delib_exemple"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (result.returncode, result.stderr.strip().splitlines()) == (
        1,
        [
            f'Error: {path}: [[html_listing]] entry 1 ("delib_exemple"): key "max_pages" '
            "must be a whole number, not str '50'"
        ],
    )


def test_nightly_run_records_a_bad_entry_as_a_failed_crawl(tmp_path: Path) -> None:
    path = tmp_path / "portals.toml"
    path.write_text(LISTING + 'titel = "h2"\n', encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(url)
    env = dict(os.environ, PYTHONPATH=str(ROOT), VEILLEUR_EXTRA_PORTALS=str(path))
    result = subprocess.run(
        [sys.executable, "-m", "veilleur.cli", "run-nightly", "--no-digest", "--database-url", url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    with session_scope(url) as session:
        jobs = [(j.job, j.status, j.message) for j in session.scalars(select(JobRun))]
    assert (result.returncode, jobs) == (
        1,
        [
            (
                "nightly-crawl",
                "failed",
                f'{path}: [[html_listing]] entry 1 ("delib_exemple"): '
                'unknown key "titel" (known keys: base_url, buyer_name, buyer_siret, date, '
                "date_format, departements, id, kind, licence, link, listing_path, max_pages, name, "
                "next_page, row, title, verified)",
            )
        ],
    ), result.stderr[-2000:]
