"""The demo's sources and the loopback server that answers for them, for ``veilleur demo``.

BOAMP is answered by an Opendatasoft emulator over recorded records (``data/boamp``); TED,
DECP and a council listing by recorded answers (``data/sources``), the latter two declared as
config entries in ``data/sources/portals.toml``; the Var prefecture (``raa_83``, declared in
``spiders/prefectures.toml``) by assembled pages around one real recueil
(``data/sources/prefecture``)::

    enable_demo_portals()                       # before the spider registry is first used
    with demo_server() as server:
        run_crawl(DEMO_SOURCE_NAMES, ..., settings_overrides=demo_settings(server.url))
"""

from __future__ import annotations

import json
import os
from typing import Any

from veilleur.demo import DEMO_DATA
from veilleur.demo.replay import Cassette, OpendatasoftEmulator, ReplayServer

__all__ = [
    "DEMO_SOURCES",
    "DEMO_SOURCE_NAMES",
    "demo_cassettes",
    "demo_server",
    "demo_settings",
    "enable_demo_portals",
]

DEMO_SOURCES = DEMO_DATA / "sources"
#: every source the demo crawls, in order
DEMO_SOURCE_NAMES = ["boamp", "ted", "decp", "demo_deliberations", "delib_scdl", "raa_83"]
_CATALOGUE_FILES = sorted(p.name for p in (DEMO_SOURCES / "catalogue").glob("*.csv"))
_DECP_FILES = sorted(p.name for p in (DEMO_SOURCES / "decp").glob("*.json"))


def _entries() -> list[dict[str, Any]]:
    ted = json.loads((DEMO_SOURCES / "ted" / "index.json").read_text(encoding="utf-8"))
    entries = [dict(e, file=f"ted/{e['file']}" if e.get("file") else "") for e in ted]
    entries += [
        {
            "method": "GET",
            "path": f"/decp/{name}",
            "status": 200,
            "headers": {"Content-Type": "application/json"},
            "file": f"decp/{name}",
        }
        for name in _DECP_FILES
    ]
    entries += [
        {
            "method": "GET",
            "path": "/deliberations",
            "query": {"page": "2"},
            "status": 200,
            "headers": {"Content-Type": "text/html"},
            "file": "listing/page2.html",
        },
        {
            "method": "GET",
            "path": "/deliberations",
            "status": 200,
            "headers": {"Content-Type": "text/html; charset=utf-8"},
            "file": "listing/page1.html",
        },
    ]
    return entries + _catalogue_entries() + _prefecture_entries()


def _prefecture_entries() -> list[dict[str, Any]]:
    """The Var prefecture's RAA pages around one real recueil (``data/sources/prefecture``)."""
    index = DEMO_SOURCES / "prefecture" / "index.json"
    return [
        dict(e, file=f"prefecture/{e['file']}")
        for e in json.loads(index.read_text(encoding="utf-8"))
    ]


def _catalogue_entries() -> list[dict[str, Any]]:
    """The national catalogue's answer for the SCDL schema (two pages) and the files it lists."""
    json_type = {"Content-Type": "application/json"}
    entries: list[dict[str, Any]] = [
        {
            "method": "GET",
            "path": "/api/1/datasets/",
            "query": {"page": "2"},
            "status": 200,
            "headers": json_type,
            "file": "catalogue/page2.json",
        },
        {
            "method": "GET",
            "path": "/api/1/datasets/",
            "status": 200,
            "headers": json_type,
            "file": "catalogue/page1.json",
        },
    ]
    entries += [
        {
            "method": "GET",
            "path": f"/resources/{name}",
            "status": 200,
            "headers": {"Content-Type": "text/csv"},
            "file": f"catalogue/{name}",
        }
        for name in _CATALOGUE_FILES
    ]
    return entries


def demo_cassettes() -> list[Cassette]:
    """Cassettes answering the TED search/XML, DECP file and listing requests of the demo."""
    return [Cassette(DEMO_SOURCES, entries=_entries())]


def demo_server(offset_cap: int = 10_000) -> ReplayServer:
    """A loopback server answering like every demo portal: BOAMP's API through the emulator
    over the recorded records, the others from their cassettes."""
    records = json.loads((DEMO_DATA / "boamp" / "records.json").read_text(encoding="utf-8"))
    return ReplayServer(
        ods=OpendatasoftEmulator({"boamp": records}, offset_cap=offset_cap),
        cassettes=demo_cassettes(),
    )


def enable_demo_portals() -> None:
    """Register the demo's config sources — the DECP files and the council listing — (must
    run before the spider registry is loaded)."""
    extra = str(DEMO_SOURCES / "portals.toml")
    current = [p for p in os.environ.get("VEILLEUR_EXTRA_PORTALS", "").split(os.pathsep) if p]
    if extra not in current:
        os.environ["VEILLEUR_EXTRA_PORTALS"] = os.pathsep.join([*current, extra])


def demo_settings(server_url: str) -> dict[str, Any]:
    """Settings pointing every demo source at ``server_url``; no politeness towards loopback."""
    from crawler.settings import DOWNLOADER_MIDDLEWARES

    return {
        "PORTAL_BASE_URLS": dict.fromkeys(DEMO_SOURCE_NAMES, server_url),
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        # offline: links of the real recorded answers to real sites are refused and recorded
        "DEMO_REPLAY_ORIGIN": server_url,
        "DOWNLOADER_MIDDLEWARES": {
            **DOWNLOADER_MIDDLEWARES,
            "veilleur.demo.offline.ReplayOnlyMiddleware": 40,
        },
    }
