"""Test data: notice items built from real records, and stored notices written the way the
application writes them.

Items (``vocabulary.items.NoticeItem``):

* ``notice_item`` — any fields over a minimal valid item;
* ``boamp_items`` — the flat fields of the recorded BOAMP API page in ``fixtures/boamp/``;
* ``decp_contracts`` / ``lyon_contract`` — the demo's real DECP slices, parsed by the spider's
  parser; ``lyon_tender`` — SYNTHETIC: the tender of the real Lyon contract (none is recorded);
* ``ted_item`` — a recorded TED XML notice, parsed by the spider's parser;
  ``boamp_ted_twins`` — a real BOAMP web notice and its TED twin (``fixtures/linking/``);
* ``review_notice`` / ``digest_notice`` — an item and its decision from the review desk's and
  the digests' fixture records (real corpus texts, see their READMEs).

Stored data goes through the real write functions — ``db.store.upsert_notices`` (the Store
pipeline's: notice, version, flags from the decision, document links, declared links),
``db.documents.save_document`` (the documents pipeline's) and ``review.verdicts.record_verdict``
(the web desk's): ``store``, ``store_all``, ``add_document``, ``add_verdict``, and the small
data set ``seed_verdicts``. Where no write function exists, ``add_link`` (an edge of a story) and ``add_group`` (a digest's recipients)
insert the row. Functions take the session first and never commit (``seed_verdicts`` does).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crawler.base_spiders.decp_json import DecpRecordError, parse_decp_document
from db.documents import save_document
from db.models import Document, Group, Notice, NoticeLink, Review, ReviewHead
from db.store import upsert_notices
from review.render import fold
from review.verdicts import record_verdict
from spiders.parsers.ted_xml import parse_ted_xml
from veilleur.demo import DEMO_DATA
from vocabulary.decision import Decision, Hit
from vocabulary.documents import DocumentStatus, ExtractionResult, PageText
from vocabulary.items import NoticeItem

__all__ = [
    "add_document",
    "add_group",
    "add_link",
    "add_verdict",
    "boamp_items",
    "boamp_record_notice",
    "boamp_ted_twins",
    "decision",
    "decp_contracts",
    "digest_notice",
    "digest_record",
    "digest_records",
    "lyon_contract",
    "lyon_tender",
    "notice_item",
    "review_notice",
    "review_pages",
    "review_records",
    "seed_verdicts",
    "snippet",
    "store",
    "store_all",
    "ted_item",
]

FIXTURES = Path(__file__).parent / "fixtures"
DECP = DEMO_DATA / "sources" / "decp"
TED_XML = DEMO_DATA / "sources" / "ted" / "xml"


# -- items ----------------------------------------------------------------------------------


def notice_item(**fields: Any) -> NoticeItem:
    """A valid notice of source ``test``; ``fields`` override any field."""
    source_id = fields.pop("source_id", "T-1")
    base = NoticeItem(
        source="test",
        source_id=source_id,
        kind="tender",
        title="Vidéoprotection",
        url=f"https://example.invalid/{source_id}",
    )
    return replace(base, **fields)


def boamp_items() -> list[NoticeItem]:
    """Items built from the flat fields of 20 real BOAMP API records (2006 schema)."""
    page = json.loads(
        (FIXTURES / "boamp" / "boamp_records_2024-02-29.json").read_text(encoding="utf-8")
    )
    return [
        NoticeItem(
            source="boamp",
            source_id=r["idweb"],
            kind="tender",
            title=r["objet"],
            url=r["url_avis"],
            buyer_name=r["nomacheteur"],
            departements=r["code_departement"],
            raw=r,
        )
        for r in page["results"]
    ]


def boamp_record_notice(copies: int = 1) -> NoticeItem:
    """The first recorded BOAMP record of the demo data, its ``donnees`` document (a few KB)
    repeated ``copies`` times as the description."""
    record = json.loads((DEMO_DATA / "boamp" / "records.json").read_text(encoding="utf-8"))[0]
    return NoticeItem(
        source="boamp",
        source_id=record["idweb"],
        kind="tender",
        title=record["objet"],
        url=record["url_avis"],
        description=record["donnees"] * copies,
        raw=record,
    )


def decp_contracts() -> list[NoticeItem]:
    """Every contract of the real DECP slices that names its buyer, file by file."""
    out: list[NoticeItem] = []
    for path in sorted(DECP.glob("*.json")):
        out += [
            n
            for n in parse_decp_document(path.read_bytes(), path.name)
            if not isinstance(n, DecpRecordError)
        ]
    return [n for n in out if n.buyer_name]


def lyon_contract() -> NoticeItem:
    """The real Lyon "Mermoz Nord" vidéoprotection contract (DECP, PES file)."""
    data = (DECP / "data.gouv.fr_pes_2019-04-05.json").read_bytes()
    return next(
        n
        for n in parse_decp_document(data)
        if not isinstance(n, DecpRecordError) and "Mermoz" in n.title
    )


def lyon_tender(**changes: Any) -> NoticeItem:
    """SYNTHETIC: the tender of the real Lyon contract (none exists in the corpus)."""
    base = NoticeItem(
        source="boamp",
        source_id="18-999999",
        kind="tender",
        url="",
        title="Extension de la vidéoprotection des espaces publics du quartier Mermoz Nord",
        buyer_name="Ville de Lyon",
        buyer_siret="21690123100011",
        cpv_codes=["35125300"],
        published_at=date(2018, 6, 1),
    )
    return replace(base, **changes)


def lyon_deliberation() -> NoticeItem:
    """SYNTHETIC: the council deliberation approving the real Lyon contract (the corpus holds
    none of Lyon), in the shape SCDL sources give."""
    return NoticeItem(
        source="delib_lyon",
        source_id="2018/4012",
        kind="deliberation",
        url="",
        title="Extension de la vidéoprotection des espaces publics Mermoz Nord - Lyon 8e",
        buyer_siret="21690123100011",
        published_at=date(2018, 9, 24),
    )


def ted_item(name: str) -> NoticeItem:
    """The recorded TED notice ``name`` (a file of the demo's ``ted/xml/``)."""
    return parse_ted_xml((TED_XML / name).read_bytes())


def _web_notice(line: dict[str, Any]) -> NoticeItem:
    """A notice from the derived text of a real BOAMP/TED web page (test-side reading)."""
    text = line["text"]
    if line["format"] == "boamp_html":
        day = re.search(r"publié le (\d\d)/(\d\d)/(\d{4})", text)
        deps = re.search(r"Dépt\. : ([\d, ]+)", line["buyer"])
        return NoticeItem(
            source="boamp",
            source_id=line["record_id"],
            kind="tender",
            title=line["title"],
            url="",
            buyer_name=line["buyer"].split()[-1],
            departements=[d.strip() for d in deps.group(1).split(",")] if deps else [],
            published_at=date(int(day[3]), int(day[2]), int(day[1])) if day else None,
        )
    day = re.search(r"PD Publication date (\d\d)/(\d\d)/(\d{4})", text)
    return NoticeItem(
        source="ted",
        source_id=line["record_id"],
        kind="tender",
        title=line["title"],
        url="",
        buyer_name=line["buyer"],
        published_at=date(int(day[3]), int(day[2]), int(day[1])) if day else None,
    )


def boamp_ted_twins() -> list[NoticeItem]:
    """A real BOAMP notice and its TED twin (buyer DIRISI, August 2020), BOAMP first."""
    lines = (FIXTURES / "linking" / "boamp_ted_twin_2020.jsonl").read_text().splitlines()
    return [_web_notice(json.loads(line)) for line in lines]


def decision(
    *hits: Hit,
    flagged: bool | None = None,
    score: float | None = None,
    categories: Sequence[str] | None = None,
    rules_version: str = "r@1",
) -> Decision:
    """A rules decision: flagged when a rule fired, scored by the hits' weights, in their
    categories, unless told otherwise."""
    return Decision(
        bool(hits) if flagged is None else flagged,
        sum(h.weight for h in hits) if score is None else score,
        tuple(dict.fromkeys(h.category for h in hits) if categories is None else categories),
        hits,
        rules_version,
    )


# -- the review desk's records (fixtures/review/, real BOAMP and TED web notices) -----------

#: words searched in each record's text to cut a real snippet, per rule id
RULE_WORDS = {
    "videosurveillance.videoprotection": [
        "videoprotection",
        "video protection",
        "video-protection",
    ],
    "cpv.32323500": ["32323500"],
    "videosurveillance.centre_operationnel": ["centre operationnel", "audiovisuel"],
    "videosurveillance.telesurveillance": ["telesurveillance"],
    "videosurveillance.video": ["video"],
}


@cache
def _review_lines(name: str) -> tuple[str, ...]:
    return tuple((FIXTURES / "review" / name).read_text(encoding="utf-8").splitlines())


def review_records() -> list[dict[str, Any]]:
    """Ten real BOAMP/TED web notices of August 2020, with the rules the fixture says fired."""
    return [json.loads(line) for line in _review_lines("notices.jsonl")]


def review_pages() -> list[dict[str, Any]]:
    """Two real procurement documents (CCTP, CCP) as text."""
    return [json.loads(line) for line in _review_lines("pages.jsonl")]


def snippet(text: str, words: list[str], width: int = 90) -> str | None:
    """The real text around the first of ``words`` found (accent/case-insensitive)."""
    folded = fold(text)
    for w in words:
        i = folded.find(fold(w))
        if i >= 0:
            part = text[max(0, i - width) : i + len(w) + width]
            return " ".join(part.split())
    return None


def _split_buyer(raw: str) -> tuple[list[str], str]:
    """'Dépt. : 29, 50, 83 Dirisi' -> (['29', '50', '83'], 'Dirisi')."""
    m = re.match(r"D[ée]pt\. : ((?:[0-9AB]{2,3}(?:, )?)+)\s*(.*)", raw)
    if not m:
        return [], raw
    return [d.strip() for d in m.group(1).split(",") if d.strip()], m.group(2)


def review_notice(
    rec: dict[str, Any], suffix: str = "", published: date | None = None
) -> tuple[NoticeItem, Decision]:
    """A review fixture record as an item, and the decision the fixture says the rules took:
    one hit per listed rule on a snippet cut from the real text, weight 2 each."""
    deps, buyer = _split_buyer(rec["buyer"])
    if not deps and rec.get("departement"):
        deps = [rec["departement"]]
    source = "ted" if rec["format"] == "ted_html" else "boamp"
    day = published or (date.fromisoformat(rec["published"]) if rec["published"] else None)
    item = NoticeItem(
        source=source,
        source_id=rec["record_id"] + suffix,
        kind="tender",
        title=rec["title"],
        description=rec["text"],
        buyer_name=buyer,
        departements=deps,
        cpv_codes=rec["cpv_codes"],
        published_at=day,
        url=f"https://www.boamp.fr/pages/avis/?q=idweb:{rec['record_id']}"
        if source == "boamp"
        else f"https://ted.europa.eu/udl?uri=TED:NOTICE:{rec['record_id']}:TEXT:FR:HTML",
    )
    text = item.title + "\n" + item.description
    hits = tuple(
        Hit(
            rule,
            "fixture",
            "videosurveillance",
            "description",
            snippet(text, RULE_WORDS[rule]) or item.title,
            2.0,
        )
        for rule in rec["rules"]
    )
    flagged = bool(rec["flag"])
    categories = ["videosurveillance"] if flagged else []
    return item, decision(*hits, flagged=flagged, categories=categories, rules_version="fixture")


# -- the digests' records (fixtures/digest/notices.json, real flagged notices) ----------------


@cache
def _digest_text() -> str:
    return (FIXTURES / "digest" / "notices.json").read_text(encoding="utf-8")


def digest_records() -> list[dict[str, Any]]:
    """14 real flagged notices with their snippets and the contact passage of each."""
    return json.loads(_digest_text())


def digest_record(source_id: str) -> dict[str, Any]:
    return next(r for r in digest_records() if r["source_id"] == source_id)


def digest_notice(
    record: dict[str, Any], *, flagged: bool = True, score: float = 1.0, **fields: Any
) -> tuple[NoticeItem, Decision]:
    """A digest fixture record as an item (``fields`` override any field) and a decision with
    one hit per recorded snippet."""
    item = NoticeItem(
        source=record["source"],
        source_id=record["source_id"],
        kind="tender",
        title=record["title"],
        url=record["url"],
        buyer_name=record["buyer_name"],
        departements=record["departements"],
        commune_insee=record["commune_insee"],
        awardees=record.get("awardees") or [],
    )
    hits = tuple(
        Hit(f"{cat}.test", "1", cat, field, text, 1.0) for cat, field, text in record["snippets"]
    )
    verdict = decision(
        *hits, flagged=flagged, score=score, categories=record["categories"], rules_version="1"
    )
    return replace(item, **fields), verdict


# -- stored ---------------------------------------------------------------------------------


def store(
    session: Session,
    item: NoticeItem,
    verdict: Decision | None = None,
    *,
    declared_links: bool = True,
    first_seen_at: datetime | None = None,
) -> Notice:
    """Store ``item`` with the rules' ``verdict`` as the Store pipeline does (a changed item
    gets a new version); returns the stored row.

    ``declared_links=False`` drops the links the item declares (``related_ids``), as stored
    before the linker ran; ``first_seen_at`` backdates when the notice was first seen.
    """
    upsert_notices(session, [(item, verdict)])
    notice = session.scalars(
        select(Notice)
        .where(Notice.source == item.source, Notice.source_key == item.key)
        .execution_options(populate_existing=True)
    ).one()
    if not declared_links:
        session.execute(delete(NoticeLink).where(NoticeLink.notice_id == notice.id))
    if first_seen_at is not None:
        notice.first_seen_at = first_seen_at
    session.flush()
    return notice


def store_all(session: Session, pairs: Iterable[tuple[NoticeItem, Decision | None]]) -> None:
    """Store many notices in one batch, as the Store pipeline does."""
    upsert_notices(session, list(pairs))


def add_document(
    session: Session,
    sha256: str,
    *pages: str,
    status: DocumentStatus = "ok",
    reason: str | None = None,
    media_type: str | None = "application/pdf",
    storage_path: str | None = None,
    size_bytes: int | None = None,
) -> Document:
    """A read document with one text per page, saved as the documents pipeline saves it."""
    result = ExtractionResult(
        status,
        reason,
        media_type=media_type,
        page_count=len(pages) or None,
        pages=[PageText(number, text) for number, text in enumerate(pages, 1)],
    )
    return save_document(session, sha256, result, storage_path, size_bytes=size_bytes)


def add_link(
    session: Session, notice: Notice, target: Notice, relation: str, reason: str = ""
) -> NoticeLink:
    """An edge of a purchase's story from ``notice`` to the stored ``target``."""
    link = NoticeLink(
        notice_id=notice.id,
        target_source=target.source,
        target_key=target.source_key,
        target_notice_id=target.id,
        relation=relation,
        reason=reason,
    )
    session.add(link)
    session.flush()
    return link


def add_group(session: Session, name: str, recipients: list[str], **fields: Any) -> Group:
    """A local group receiving digests (``fields``: territory, categories, schedule …)."""
    group = Group(
        name=name,
        recipients=recipients,
        created_at=fields.pop("created_at", datetime.now(UTC)),
        **fields,
    )
    session.add(group)
    session.flush()
    return group


def add_verdict(
    session: Session,
    notice: Notice | int,
    verdict: str,
    user_id: int | None = None,
    *,
    note: str = "",
    reason_rule: str | None = None,
    public_note: str | None = None,
) -> Review:
    """An analyst's verdict on the notice, after the latest one, as the web desk records it."""
    notice_id = notice if isinstance(notice, int) else notice.id
    head = session.get(ReviewHead, notice_id, populate_existing=True)
    return record_verdict(
        session,
        notice_id,
        user_id,  # None: a verdict recorded without an analyst's account
        verdict,
        head.review_id if head else None,
        note=note,
        reason_rule=reason_rule,
        public_note=public_note,
    )


def seed_verdicts(session: Session) -> None:
    """Analysts' verdicts for rule feedback, committed: a noisy rule (its notice judged
    relevant, then not relevant because of it), a good rule (its notice judged relevant), and
    a relevant notice no rule flagged."""

    def judged(key: str, title: str, *rules: str) -> Notice:
        hits = [Hit(rule, "v", "videosurveillance", "title", title, 1.0) for rule in rules]
        item = notice_item(source="boamp", source_id=key, title=title)
        return store(session, item, decision(*hits))

    noisy = judged("n1", "Caméra pour la communication", "videosurveillance.camera_context")
    good = judged("n2", "Extension vidéoprotection", "videosurveillance.terms")
    missed = judged("n3", "Tranquillité publique, plateforme")
    add_verdict(session, noisy, "relevant")
    add_verdict(
        session,
        noisy,
        "not_relevant",
        note="communication, not surveillance",
        reason_rule="videosurveillance.camera_context",
    )
    add_verdict(session, good, "relevant")
    add_verdict(session, missed, "relevant")
    session.commit()
