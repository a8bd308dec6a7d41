"""Offline demo of the TED, DECP and council-listing sources, for ``veilleur demo``.

``veilleur demo`` replays BOAMP through an Opendatasoft emulator; these helpers add the other
sources to the same loopback server and crawl run::

    from veilleur.demo.sources import DEMO_SOURCE_NAMES, demo_cassettes, demo_settings, enable_demo_portals

    enable_demo_portals()                       # before the spider registry is first used
    server = ReplayServer(ods=..., cassettes=[*demo_cassettes()])
    run_crawl(["boamp", *DEMO_SOURCE_NAMES], spider_args=...,
              settings_overrides={**overrides, **demo_settings(server.url, overrides)})
    link_all(session)                           # one story per purchase

or, standalone: ``python -m veilleur.demo.sources --database-url sqlite:///var/demo.sqlite``.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from veilleur.demo import DEMO_DATA

__all__ = [
    "DEMO_SOURCES",
    "DEMO_SOURCE_NAMES",
    "add_demo_sources",
    "demo_cassettes",
    "demo_settings",
    "enable_demo_portals",
]

DEMO_SOURCES = DEMO_DATA / "sources"
DEMO_SOURCE_NAMES = ["ted", "decp", "demo_deliberations"]
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
    return entries


def demo_cassettes() -> list[Any]:
    """Cassettes answering the TED search/XML, DECP file and listing requests of the demo."""
    from veilleur.demo.replay import Cassette

    return [Cassette(DEMO_SOURCES, entries=_entries())]


def enable_demo_portals() -> None:
    """Register the demo's config sources — the DECP files and the council listing — (must
    run before the spider registry is loaded)."""
    extra = str(DEMO_SOURCES / "portals.toml")
    current = [p for p in os.environ.get("VEILLEUR_EXTRA_PORTALS", "").split(os.pathsep) if p]
    if extra not in current:
        os.environ["VEILLEUR_EXTRA_PORTALS"] = os.pathsep.join([*current, extra])


def demo_settings(server_url: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Settings pointing the demo sources at ``server_url`` (merged into PORTAL_BASE_URLS)."""
    portals = dict((overrides or {}).get("PORTAL_BASE_URLS") or {})
    portals.update(dict.fromkeys(DEMO_SOURCE_NAMES, server_url))
    return {"PORTAL_BASE_URLS": portals}


def add_demo_sources(replay_dir: Path) -> list[str]:
    """Copy the demo data and a cassette ``index.json`` into ``replay_dir``; return the source
    names to crawl (for a demo that serves a directory rather than ``demo_cassettes()``)."""
    replay_dir.mkdir(parents=True, exist_ok=True)
    for sub in ("ted", "decp", "listing"):
        shutil.copytree(DEMO_SOURCES / sub, replay_dir / sub, dirs_exist_ok=True)
    shutil.copy(DEMO_SOURCES / "portals.toml", replay_dir / "portals.toml")
    index = replay_dir / "index.json"
    existing = json.loads(index.read_text(encoding="utf-8")) if index.exists() else []
    index.write_text(json.dumps(existing + _entries(), indent=1), encoding="utf-8")
    enable_demo_portals()
    return list(DEMO_SOURCE_NAMES)


def main() -> None:
    import argparse
    from datetime import date

    parser = argparse.ArgumentParser(description="Crawl TED, DECP and a council listing offline.")
    parser.add_argument("--database-url", default="sqlite:///var/demo_sources.sqlite")
    args = parser.parse_args()
    enable_demo_portals()
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from db.linking import link_all
    from db.migrate import upgrade
    from db.session import session_scope
    from veilleur.commands.crawl import run_crawl
    from veilleur.demo.replay import ReplayServer

    upgrade(args.database_url)
    with ReplayServer(cassettes=demo_cassettes()) as server:
        statuses = run_crawl(
            DEMO_SOURCE_NAMES,
            spider_args={"since": "1990-01-01", "until": date.today().isoformat()},
            database_url=args.database_url,
            settings_overrides={
                **demo_settings(server.url),
                "AUTOTHROTTLE_ENABLED": False,
                "DOWNLOAD_DELAY": 0,
                "LOG_LEVEL": "WARNING",
            },
        )
    with session_scope(args.database_url) as session:
        stats = link_all(session)
    for name, status in statuses.items():
        print(f"{name}: run {status}")
    print(
        f"links: {stats.total} (declared {stats.declared}, twins {stats.twins}, "
        f"contracts {stats.contracts}, deliberations {stats.deliberations})"
    )


if __name__ == "__main__":
    main()
