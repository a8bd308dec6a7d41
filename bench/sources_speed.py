"""How fast the new sources go: TED XML parsing, DECP ingestion, linking a year of notices.

    python bench/sources_speed.py [--database-url URL] [--corpus DIR]

(``--corpus`` defaults to ``$VEILLEUR_CORPUS``, else ``../shared/corpus`` beside the project.)

1. TED: parse every XML notice of ``ted_xml_fr/`` (176 real notices, both formats), 5 rounds.
2. DECP: parse the four 2019 files (≈10 650 contracts), merge duplicates, and upsert them
   through ``db.store.upsert_notices`` (batches of 500, one transaction each, like the Store
   pipeline) into a fresh SQLite file (or ``--database-url``); then a second, unchanged pass.
3. Linking: ``db.linking.link_all`` over the DECP contracts plus, for a year's worth of
   tenders, one tender per contract DERIVED from it (same buyer, CPV, object reworded, published
   60 days before notification) — no real year of tenders with its contracts exists in the
   corpus. Prints links found and time.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.base_spiders.decp_json import DecpRecordError, merge_duplicates, parse_decp_document
from db.linking import link_all
from db.migrate import upgrade
from db.session import session_scope
from db.store import upsert_notices
from spiders.parsers.ted_xml import parse_ted_xml
from tools.corpus import corpus_dir
from vocabulary.items import NoticeItem


def bench_ted(corpus: Path, rounds: int = 5) -> None:
    files = [p.read_bytes() for p in sorted((corpus / "ted_xml_fr").glob("*.xml"))]
    started = time.perf_counter()
    for _ in range(rounds):
        for data in files:
            parse_ted_xml(data)
    elapsed = time.perf_counter() - started
    count = len(files) * rounds
    print(
        f"TED XML parsing: {count} notices in {elapsed:.2f} s = {count / elapsed:,.0f} notices/s "
        f"({len(files)} files x {rounds} rounds, {sum(map(len, files)) / 1e6:.1f} MB per round)"
    )


def _store(url: str, notices: list[NoticeItem]) -> tuple[float, int, int]:
    started = time.perf_counter()
    new = changed = 0
    for i in range(0, len(notices), 500):
        with session_scope(url) as session:
            result = upsert_notices(session, [(n, None) for n in notices[i : i + 500]])
            new, changed = new + result.new, changed + result.changed
    return time.perf_counter() - started, new, changed


def bench_decp(corpus: Path, url: str) -> list[NoticeItem]:
    started = time.perf_counter()
    parsed: list[NoticeItem] = []
    errors = 0
    for path in sorted((corpus / "decp_2019").glob("*.json")):
        for item in parse_decp_document(path.read_bytes(), path.name):
            if isinstance(item, DecpRecordError):
                errors += 1
            else:
                parsed.append(item)
    merged = merge_duplicates(parsed)
    parse_s = time.perf_counter() - started
    print(
        f"DECP parsing: {len(parsed)} records ({errors} errors) → {len(merged)} contracts in "
        f"{parse_s:.2f} s = {len(parsed) / parse_s:,.0f} records/s"
    )
    store_s, new, _ = _store(url, merged)
    total = parse_s + store_s
    print(
        f"DECP ingestion into {url.split(':', 1)[0]}: {new} new in {store_s:.2f} s; parse+store "
        f"{len(merged) / total:,.0f} contracts/s"
    )
    again_s, new2, changed2 = _store(url, merged)
    print(f"DECP second unchanged pass: {again_s:.2f} s, new={new2} changed={changed2}")
    return merged


def bench_linking(url: str, contracts: list[NoticeItem]) -> None:
    tenders = []
    for n, contract in enumerate(c for c in contracts if c.published_at and c.buyer_siret):
        words = contract.title.split()
        tenders.append(
            dataclasses.replace(
                contract,
                source="bench_tenders",
                source_id=f"T{n}",
                kind="tender",
                title=" ".join(["Marché :", *words[: max(3, len(words) - 1)]]),
                published_at=contract.published_at - timedelta(days=60)
                if contract.published_at
                else None,
                awardees=[],
                extra_text="",
                raw={},
            )
        )
    _store(url, tenders)
    started = time.perf_counter()
    with session_scope(url) as session:
        stats = link_all(session)
    elapsed = time.perf_counter() - started
    print(
        f"Linking {len(contracts)} contracts against {len(tenders)} tenders: {stats.contracts} "
        f"contract links, {stats.total} links in all, {elapsed:.2f} s"
    )
    started = time.perf_counter()
    with session_scope(url) as session:
        again = link_all(session)
    print(
        f"Linking again (nothing new): {again.total} links changed, {time.perf_counter() - started:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", help="default: $VEILLEUR_CORPUS, else ../shared/corpus")
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp directory")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite'}"
    upgrade(url)
    corpus = corpus_dir(args.corpus)
    bench_ted(corpus)
    contracts = bench_decp(corpus, url)
    bench_linking(url, contracts)


if __name__ == "__main__":
    main()
