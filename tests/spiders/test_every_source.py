"""Every registered source — hand-written, declared in ``spiders/portals.toml``, and the demo's
declared sources — crawls its recorded answers over a loopback replay into valid notices.

A source without recorded answers here fails: add them (with a README saying where they come
from) and one line to ``REPLAYS``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from scrapy.settings import Settings

from db.models import Notice
from spiders.configured import PortalSpiderLoader
from tests.conftest import FIXTURES, sqlite_database
from tests.crawler.decp_flat import flat_records
from tests.crawling import crawl, notices, runs
from veilleur.demo.replay import Cassette, OpendatasoftEmulator, ReplayServer
from veilleur.demo.sources import DEMO_SOURCES, demo_server
from vocabulary.terms import NOTICE_KINDS

DEMO_PORTALS = DEMO_SOURCES / "portals.toml"
DEMO_DECP_FILES = sorted((DEMO_SOURCES / "decp").glob("*.json"))
WINDOW = ("--since", "1990-01-01", "--until", date.today().isoformat())


def _loader() -> PortalSpiderLoader:
    settings = Settings()
    settings.setmodule("crawler.settings")
    settings.set("VEILLEUR_EXTRA_PORTALS", [str(DEMO_PORTALS)])
    return PortalSpiderLoader(settings)


#: the registry as the demo sees it: every shipped source plus the demo's declared ones
LOADER = _loader()


def _decp_dataset(dataset: str, *, buyer_name: bool) -> Callable[[], ReplayServer]:
    """The ministry's flat DECP dataset, assembled from the recorded DECP files."""
    records = flat_records(DEMO_DECP_FILES, buyer_name=buyer_name)
    return lambda: ReplayServer(ods=OpendatasoftEmulator({dataset: records}))


def _scdl_datasets(slugs: list[str]) -> Callable[[], ReplayServer]:
    """Each data.gouv.fr dataset answered with the recorded SCDL dataset and its CSV."""
    scdl = FIXTURES / "scdl"
    recorded = json.loads((scdl / "index.json").read_text(encoding="utf-8"))
    csvs = [e for e in recorded if e["path"].endswith(".csv")]
    datasets = [e for e in recorded if e["path"].startswith("/api/1/datasets/")]
    entries = [dict(datasets[0], path=f"/api/1/datasets/{slug}/") for slug in slugs]
    return lambda: ReplayServer(cassettes=[Cassette(scdl, entries=entries + csvs)])


def _prefecture_site(raa_path: str) -> Callable[[], ReplayServer]:
    """The demo's Var RAA pages (assembled around one real recueil) served at ``raa_path``.

    The département sites share one State template; for every prefecture but the Var this
    checks the entry's wiring (its RAA page read with the template's selectors into acts), not
    its live site: those entries rest on Attrap's configuration (docs/prefectures.md)."""
    site = DEMO_SOURCES / "prefecture"
    entries = json.loads((site / "index.json").read_text(encoding="utf-8"))
    first = next(e for e in entries if e["file"] == "raa.html")
    entries.append(dict(first, path=raa_path))
    return lambda: ReplayServer(cassettes=[Cassette(site, entries=entries)])


#: sources whose notices exist only once their documents are read (recueils cut into acts)
READS_DOCUMENTS = {name for name in LOADER.list() if name.startswith("raa_")}

#: source name -> a loopback server answering its requests from recorded answers
REPLAYS: dict[str, Callable[[], ReplayServer]] = {
    # the demo's server answers BOAMP (records through the ODS emulator), TED, DECP files and
    # the council listing
    "boamp": demo_server,
    "ted": demo_server,
    "decp": demo_server,
    "demo_deliberations": demo_server,
    # the national catalogue's SCDL datasets and a mapped city export: the demo's server
    "delib_scdl": demo_server,
    "delib_montpellier": demo_server,
    "decp_v3": _decp_dataset("decp-v3-marches-valides", buyer_name=True),
    "decp_2022": _decp_dataset("decp-2022-marches-valides", buyer_name=False),
    "delib_marseille": _scdl_datasets(LOADER.load("delib_marseille").datasets),
    # the Préfecture de police's list: assembled pages around real titles (fixture README)
    "ppparis_arretes": lambda: ReplayServer(
        cassettes=[Cassette(FIXTURES / "prefectures" / "ppparis")]
    ),
    **{name: _prefecture_site(LOADER.load(name).raa_path) for name in READS_DOCUMENTS},
}


def _invalid(notice: Notice, source: str) -> list[str]:
    problems = []
    if notice.source != source:
        problems.append(f"source {notice.source!r}")
    if not notice.source_id:
        problems.append("no source id")
    if notice.kind not in NOTICE_KINDS:
        problems.append(f"kind {notice.kind!r}")
    if not notice.title.strip():
        problems.append("no title")
    if notice.url and not notice.url.startswith(("http://", "https://")):  # DECP has none
        problems.append(f"url {notice.url!r}")
    return [f"{notice.source_id}: {p}" for p in problems]


@pytest.mark.parametrize("name", sorted(LOADER.list()))
def test_source_replays_its_recording_into_valid_notices(name: str, tmp_path: Path) -> None:
    replay = REPLAYS.get(name)
    assert replay is not None, f"{name}: no recorded answers to replay; add them to REPLAYS"
    url = sqlite_database(tmp_path)
    with replay() as server:
        result = crawl(
            name,
            server,
            *WINDOW,
            database_url=url,
            portals=DEMO_PORTALS,
            # this test is about what the spider yields; documents have their own tests
            settings={"DOCUMENTS_ENABLED": name in READS_DOCUMENTS},
        ).process
    stored = notices(url, name)
    problems = [p for n in stored for p in _invalid(n, name)]
    outcome = (runs(url)[-1].status if runs(url) else None, bool(stored), problems)
    assert outcome == ("ok", True, []), result.stderr[-3000:]
