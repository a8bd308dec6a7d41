"""Build the demo's replay of the national catalogue (``veilleur/demo/data/sources/catalogue``).

ASSEMBLED: no recorded answer of ``GET /api/1/datasets/?schema=scdl/deliberations`` exists in
public material. The pages wrap dataset objects in udata's pager envelope (``data``, ``page``,
``page_size``, ``total``, ``next_page``, ``previous_page``: ``udata/api/fields.py``); each dataset
and resource object has exactly the keys of the real catalogue answers in
``tests/fixtures/realworld/catalogue/udata_fixtures_results__excerpt.json``; the values say what
the served files are, and the checksums are the files' real sha1. The CSV files are real (see the
README beside them). Run: ``python tools/build_catalogue_replay.py``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "veilleur" / "demo" / "data" / "sources" / "catalogue"
SHAPE = (
    ROOT / "tests" / "fixtures" / "realworld" / "catalogue" / "udata_fixtures_results__excerpt.json"
)
API = "https://www.data.gouv.fr/api/1/datasets/"
SCHEMA = {
    "name": "scdl/deliberations",
    "url": "https://schema.data.gouv.fr/schemas/scdl/deliberations/2.1.5/schema.json",
    "version": "2.1.5",
}


def _resource(template: dict, ident: str, title: str, path: str, schema: dict | None) -> dict:
    data = (OUT / path).read_bytes()
    sha1 = hashlib.sha1(data).hexdigest()
    resource = dict.fromkeys(template)
    resource.update(
        checksum={"type": "sha1", "value": sha1},
        created_at="2024-01-15T10:00:00+00:00",
        description=None,
        extras={"analysis:checksum": sha1, "analysis:content-length": len(data)},
        filesize=len(data),
        filetype="file",
        format="csv",
        harvest=None,
        id=ident,
        internal=None,
        last_modified="2024-01-15T10:00:00+00:00",
        latest=f"https://www.data.gouv.fr/fr/datasets/r/{ident}",
        metrics={},
        mime="text/csv",
        preview_url=None,
        schema=schema or {"name": None, "url": None, "version": None},
        title=title,
        type="main",
        url=f"https://static.data.gouv.fr/resources/{path}",
    )
    return resource


def _dataset(template: dict, ident: str, slug: str, title: str, resources: list[dict]) -> dict:
    dataset = {k: None for k in template}
    dataset.update(
        id=ident,
        slug=slug,
        title=title,
        description=title,
        tags=[],
        extras={},
        metrics={},
        private=False,
        frequency="irregular",
        resources=resources,
    )
    return dataset


def main() -> None:
    shape = json.loads(SHAPE.read_text(encoding="utf-8"))["datasets"][1]
    ds_keys, res_keys = shape["dataset"], shape["resources"][0]
    sem = _dataset(
        ds_keys,
        "6230b0c2a0f3c6e7d1a1b001",
        "deliberations-de-saint-etienne-metropole",
        "Délibérations de Saint-Étienne Métropole",
        [
            _resource(
                res_keys,
                "a1f0c1de-0001-4000-8000-000000000001",
                "deliberations-2022.csv",
                "altervilles__deliberations-metropole-saint-etienne.csv",
                SCHEMA,
            )
        ],
    )
    mtp = _dataset(
        ds_keys,
        "6230b0c2a0f3c6e7d1a1b002",
        "deliberations-du-conseil-municipal-de-montpellier",
        "Délibérations du Conseil Municipal (Montpellier)",
        [
            _resource(
                res_keys,
                "a1f0c1de-0002-4000-8000-000000000002",
                "VilleMTP_MTP_Delibs.csv",
                "montpellier__VilleMTP_MTP_Delibs.csv",
                SCHEMA,
            )
        ],
    )
    query = "schema=scdl%2Fdeliberations&page_size=100"
    pages = [
        {
            "data": [sem],
            "next_page": f"{API}?{query}&page=2",
            "page": 1,
            "page_size": 100,
            "previous_page": None,
            "total": 2,
        },
        {
            "data": [mtp],
            "next_page": None,
            "page": 2,
            "page_size": 100,
            "previous_page": f"{API}?{query}&page=1",
            "total": 2,
        },
    ]
    for number, page in enumerate(pages, 1):
        (OUT / f"page{number}.json").write_text(
            json.dumps(page, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )


if __name__ == "__main__":
    main()
