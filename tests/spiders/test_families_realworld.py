"""What the families make of the real recorded answers (``tests/fixtures/realworld``): one fact
per test, each a defect of issue 11 that the former code had."""

from __future__ import annotations

import json
import tomllib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from crawler.base_spiders.declare import declare
from spiders.families import FAMILIES, ParseContext, ParseProblem
from tests.conftest import FIXTURES
from veilleur.demo.sources import DEMO_SOURCES
from vocabulary.items import NoticeItem

REAL = FIXTURES / "realworld"
PARIS_WINTER = timezone(timedelta(hours=1))


def _parse(family: str, path: Path, config: Any = None) -> list[NoticeItem | ParseProblem]:
    ctx = ParseContext(url=f"https://example.invalid/{path.name}", source=family, config=config)
    return list(FAMILIES[family](path.read_bytes(), ctx))


def _notices(family: str, path: Path, config: Any = None) -> dict[str, NoticeItem]:
    return {n.source_id: n for n in _parse(family, path, config) if isinstance(n, NoticeItem)}


@pytest.fixture(scope="module")
def boamp() -> dict[str, NoticeItem]:
    return _notices("boamp", REAL / "boamp" / "boamp_v2.1_records_2026-01-21_where-date_all5.json")


# -- BOAMP FNSimple (defect 4) -------------------------------------------------------------------


def test_boamp_place_is_where_the_work_is_not_where_published(boamp) -> None:
    # a gendarmerie in Doulaincourt-Saucourt (52) published in nine départements
    assert boamp["26-7113"].departements == ["52"]


def test_boamp_publication_departements_kept_apart_and_padded(boamp) -> None:
    assert boamp["26-7113"].publication_departements[:2] == ["02", "08"]


def test_boamp_place_in_brackets_beats_the_other_publication_departement(boamp) -> None:
    # a lycée in Argonay (74) also published in the Rhône
    assert boamp["26-7319"].departements == ["74"]


def test_boamp_region_name_is_its_departements(boamp) -> None:
    assert boamp["26-7308"].departements == ["14", "27", "50", "61", "76"]


def test_boamp_buyer_siret_from_organisme(boamp) -> None:
    assert boamp["26-7298"].buyer_siret == "21590368300013"


def test_boamp_value_range(boamp) -> None:
    notice = boamp["26-7308"]
    assert (notice.estimated_value_low, notice.estimated_value) == (1.0, 75000.0)


def test_boamp_deadline_with_offset_as_written(boamp) -> None:
    # the dataset's datelimitereponse says 12:00+00:00 for a deadline written 12:00+01:00
    assert boamp["26-7298"].deadline_at == datetime(2026, 2, 16, 12, tzinfo=PARIS_WINTER)


def test_boamp_deadline_without_offset_is_paris_time(boamp) -> None:
    assert boamp["26-7113"].deadline_at == datetime(2026, 2, 20, 11, tzinfo=PARIS_WINTER)


# -- DECP 2022 format (defect 2) -----------------------------------------------------------------


def test_decp_2022_wrapped_awardee_has_its_siret() -> None:
    # the official example wraps each holder: titulaires: [{"titulaire": {...}}]
    path = REAL / "decp" / "format-commande-publique__exemple_marches_avec_modifications.json"
    notice = _notices("decp", path)["21750001630066:TEST2022"]
    assert notice.awardees[0]["id"] == "55204599900869"


def test_decp_2022_nameless_awardee_has_no_empty_name() -> None:
    notices = _notices("decp", REAL / "decp" / "decp-rama__decp-13001845000028-2024-02-29-01.json")
    (notice,) = notices.values()
    assert notice.awardees[0]["name"] is None


def test_decp_2022_modification_awardee_is_read() -> None:
    path = REAL / "decp" / "format-commande-publique__exemple_marches_avec_modifications.json"
    notice = _notices("decp", path)["21750001630066:TEST2022"]
    assert [a["id"] for a in notice.awardees if a.get("via") == "modification"] == [
        "868768687576575"
    ]


def test_decp_2022_modification_summarised() -> None:
    path = REAL / "decp" / "format-commande-publique__exemple_marches_avec_modifications.json"
    assert "Modification 1" in _notices("decp", path)["21750001630066:TEST2022"].extra_text


def test_decp_flat_dotted_keys_read(tmp_path: Path) -> None:
    """A 2019-style record with flat dotted keys, DERIVED from the real 2022 record (its
    ``acheteur`` object written as ``"acheteur.id"``)."""
    src = json.loads(
        (REAL / "decp" / "decp-rama__decp-13001845000028-2024-02-29-01.json").read_text()
    )
    record = dict(src["marches"][0])
    record["acheteur.id"] = record.pop("acheteur")["id"]
    path = tmp_path / "dotted.json"
    path.write_text(json.dumps({"marches": [record]}))
    (notice,) = _notices("decp", path).values()
    assert notice.buyer_siret == "13001845000028"


# -- TED (defect 6) ------------------------------------------------------------------------------


def test_ted_hit_cpv_codes_deduplicated(tmp_path: Path) -> None:
    hits = json.loads((REAL / "ted" / "captured_hit_fra__530016-2026.json").read_text())
    path = tmp_path / "answer.json"
    # the recorded hit, in the search answer's envelope (assembled: the envelope was not kept)
    path.write_text(json.dumps({"notices": hits, "totalNoticeCount": 1, "timedOut": False}))
    (notice,) = _notices("ted", path).values()
    assert notice.cpv_codes == ["45210000", "44316500"]


# -- HTML listing (defect 5) ---------------------------------------------------------------------


def _couthenans() -> type:
    entry = tomllib.loads((REAL / "listings" / "portals.toml").read_text())["html_listing"][0]
    return declare(entry, file="portals.toml", table="html_listing")


def test_listing_one_notice_per_deliberation_not_per_session_pdf() -> None:
    notices = _notices("listing", REAL / "listings" / "couthenans.html", _couthenans())
    assert len(notices) == 65


def test_listing_row_dated_by_its_session() -> None:
    notices = _parse("listing", REAL / "listings" / "couthenans.html", _couthenans())
    first = next(n for n in notices if isinstance(n, NoticeItem))
    assert first.published_at is not None and first.published_at.isoformat() == "2023-02-24"


def test_listing_selector_failing_on_a_page_is_a_problem_not_a_crash() -> None:
    # valid XPath (the config check passes it), but its prefix means nothing on an HTML page
    broken = type("Broken", (_couthenans(),), {"title": "./ns:span"})
    problems = [
        p
        for p in _parse("listing", REAL / "listings" / "couthenans.html", broken)
        if isinstance(p, ParseProblem)
    ]
    assert problems and problems[0].kind == "bad_selector"


# -- Montpellier export (defect 7) ---------------------------------------------------------------


def _montpellier() -> type:
    entry = tomllib.loads((DEMO_SOURCES / "portals.toml").read_text())["csv_deliberations"][0]
    return declare(entry, file="portals.toml", table="csv_deliberations")


def test_city_export_mapped_by_config_reads_every_row() -> None:
    path = DEMO_SOURCES / "catalogue" / "montpellier__VilleMTP_MTP_Delibs.csv"
    assert len(_notices("scdl", path, _montpellier())) == 160


def test_city_export_row_title_and_date() -> None:
    path = DEMO_SOURCES / "catalogue" / "montpellier__VilleMTP_MTP_Delibs.csv"
    notice = _notices("scdl", path, _montpellier())["Ville de Montpellier:2013-11-25:465"]
    assert notice.title.startswith("Attribution d'une aide humanitaire")


def test_non_scdl_file_read_as_scdl_is_not_conforming() -> None:
    path = DEMO_SOURCES / "catalogue" / "montpellier__VilleMTP_MTP_Delibs.csv"
    assert [p.kind for p in _parse("scdl", path) if isinstance(p, ParseProblem)] == [
        "not_conforming"
    ]
