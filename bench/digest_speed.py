"""Time to build and send the digests of 100 groups over 10 000 flagged notices.

    python bench/digest_speed.py [--database-url URL] [--notices 10000] [--groups 100]
                                 [--corpus ../shared/corpus]

Notices are real DECP 2019 contracts from the development corpus (title, buyer, place of
execution), all marked flagged so every group has work; groups cover the départements found
in them, two recipients each, a few with category filters, one for all of France. Mail goes
to an aiosmtpd server on 127.0.0.1 that counts messages. Prints: seconds to prepare (select +
build + render), seconds to send and record, messages, recipients, and the cost of a second
run that must send nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import socket
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiosmtpd.controller import Controller

from db.migrate import upgrade
from db.models.digest import Group
from db.models.notices import Flag, Notice
from db.session import session_scope
from digest.send import SmtpSettings
from digest.service import prepare_digests, send_digests
from tools.corpus import corpus_dir

DECP = ["data.gouv.fr_aife_2019-04-04.json", "marches-publics.info_2019-03-07.json",
        "e-marchespublics_2019-04-03.json", "data.gouv.fr_pes_2019-04-05.json"]  # fmt: skip
CATEGORIES = ["videosurveillance", "lapi", "drones", "video_analytics"]


class CountingHandler:
    def __init__(self) -> None:
        self.messages = 0
        self.recipients = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages += 1
        self.recipients += len(envelope.rcpt_tos)
        return "250 OK"


def _records(corpus: Path, n: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while len(out) < n:
        for name in DECP:
            for r in json.loads((corpus / "decp_2019" / name).read_text(encoding="utf-8"))[
                "marches"
            ]:
                code = str((r.get("lieuExecution") or {}).get("code") or "")[:5]
                if len(code) >= 2 and r.get("objet"):
                    out.append(r)
        if not out:
            raise SystemExit("no DECP records found under " + str(corpus))
    return out[:n]


def _dept(code: str) -> str:
    return code[:3] if code.startswith("97") else code[:2]


def load(url: str, corpus: Path, n_notices: int, n_groups: int) -> None:
    records = _records(corpus, n_notices)
    now = datetime.now(UTC)
    depts: Counter[str] = Counter()
    with session_scope(url) as s:
        for i, r in enumerate(records):
            code = str(r["lieuExecution"]["code"])
            cat = CATEGORIES[i % len(CATEGORIES)]
            notice = Notice(
                source="decp", source_key=f"bench-{i}", source_id=str(r.get("id")), kind="contract",
                title=r["objet"].replace("<br />", " "), buyer_name=(r.get("acheteur") or {}).get("nom"),
                departements=[_dept(code)], url="", content_hash=hashlib.sha256(str(i).encode()).hexdigest(),
                flagged=True, score=1.0 + i % 3, categories=[cat], first_seen_at=now,
            )  # fmt: skip
            notice.flags.append(Flag(rule_id=f"{cat}.bench", rule_version="1", category=cat,
                                     field="title", snippet=notice.title[:200]))  # fmt: skip
            s.add(notice)
            depts[_dept(code)] += 1
            if i % 1000 == 999:
                s.flush()
        for g, (dept, _count) in enumerate(depts.most_common(n_groups - 1)):
            s.add(Group(name=f"groupe-{dept}", recipients=[f"g{g}a@example.org", f"g{g}b@example.org"],
                        departements=[dept], categories=[CATEGORIES[0]] if g % 4 == 0 else [],
                        created_at=now))  # fmt: skip
        s.add(Group(name="national", recipients=["national@example.org"], created_at=now))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--database-url")
    ap.add_argument("--notices", type=int, default=10_000)
    ap.add_argument("--groups", type=int, default=100)
    ap.add_argument("--corpus", help="default: $VEILLEUR_CORPUS, else ../shared/corpus")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{tmp.name}/bench.sqlite"
    upgrade(url)
    t0 = time.perf_counter()
    load(url, corpus_dir(args.corpus), args.notices, args.groups)
    t_load = time.perf_counter() - t0

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings = SmtpSettings(
        host="127.0.0.1", port=port, security="none", mail_from="bench@example.org"
    )
    env = {"VEILLEUR_BASE_URL": "https://veilleur.example.org"}
    try:
        now = datetime.now(UTC)
        t0 = time.perf_counter()
        prepared, _ = prepare_digests(url, now, env=env)
        t_prepare = time.perf_counter() - t0
        t0 = time.perf_counter()
        results = send_digests(url, now=now, settings=settings, env=env)
        t_total = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = send_digests(
            url, now=now, settings=settings, env=env, group_names=[r.group for r in results]
        )
        t_second = time.perf_counter() - t0
    finally:
        controller.stop()
    entries = sum(len(p.digest.entries) for p in prepared)
    size = sum(len(p.rendered.text) + len(p.rendered.html) for p in prepared)
    print(f"database            {url.split(':', 1)[0]}")
    print(f"notices / groups    {args.notices} flagged / {len(results)} groups")
    print(f"load (not timed)    {t_load:.2f} s")
    print(
        f"prepare only        {t_prepare:.2f} s  ({len(prepared)} digests, {entries} entries, {size / 1e6:.1f} MB rendered)"
    )
    print(
        f"build+send+record   {t_total:.2f} s  ({handler.messages} messages, {handler.recipients} recipients accepted)"
    )
    print(
        f"second run          {t_second:.2f} s  ({sum(r.messages for r in again)} messages: must be 0)"
    )


if __name__ == "__main__":
    main()
