"""Test data for the review desk built from real corpus records (tests/fixtures/review/).

Notices, flags (snippets cut from the real text around the real matching words), documents and
pages, links between the BOAMP and TED publications of one real tender, and one hostile notice
(a real notice whose title, text and URL were laced with script/HTML injection attempts).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from db.models import (
    Document,
    DocumentPage,
    Flag,
    Notice,
    NoticeDocument,
    NoticeLink,
    User,
)
from review.render import fold

FIXTURES = Path(__file__).parent.parent / "fixtures" / "review"
PASSWORD = "correct horse battery"
HOSTILE_TITLE = (
    '<script>alert("xss-title")</script><img src=x onerror=alert("xss-img")> Vidéoprotection'
)
HOSTILE_TEXT = (
    '"><svg onload=alert("xss-svg")><iframe src="javascript:alert(1)"></iframe>'
    "</textarea><b>gras</b> {{ 7*7 }} caméras de vidéoprotection "
)
HOSTILE_URL = "javascript:alert('xss-url')"

# word searched in each record's text to cut a real snippet, per rule id
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


def load_records() -> list[dict]:
    with open(FIXTURES / "notices.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def load_pages() -> list[dict]:
    with open(FIXTURES / "pages.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def snippet(text: str, words: list[str], width: int = 90) -> str | None:
    """The real text around the first of ``words`` found (accent/case-insensitive)."""
    folded = fold(text)
    for w in words:
        i = folded.find(fold(w))
        if i >= 0:
            part = text[max(0, i - width) : i + len(w) + width]
            return " ".join(part.split())
    return None


def split_buyer(raw: str) -> tuple[list[str], str]:
    """'Dépt. : 29, 50, 83 Dirisi' -> (['29', '50', '83'], 'Dirisi')."""
    m = re.match(r"D[ée]pt\. : ((?:[0-9AB]{2,3}(?:, )?)+)\s*(.*)", raw)
    if not m:
        return [], raw
    return [d.strip() for d in m.group(1).split(",") if d.strip()], m.group(2)


@dataclass
class Seeded:
    notices: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    hostile_id: int = 0
    document_id: int = 0
    unreadable_id: int = 0


def make_notice(rec: dict, suffix: str = "", published: date | None = None) -> Notice:
    deps, buyer = split_buyer(rec["buyer"])
    if not deps and rec.get("departement"):
        deps = [rec["departement"]]
    source = "ted" if rec["format"] == "ted_html" else "boamp"
    day = published or (date.fromisoformat(rec["published"]) if rec["published"] else None)
    return Notice(
        source=source,
        source_key=rec["record_id"].upper() + suffix,
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
        content_hash=f"{hash(rec['record_id'] + suffix) & 0xFFFFFFFF:064x}",
        flagged=bool(rec["flag"]),
        score=2.0 * len(rec["rules"]),
        categories=["videosurveillance"] if rec["flag"] else [],
        rules_version="fixture",
    )


def add_flags(s: Session, notice: Notice, rec: dict) -> None:
    for rule in rec["rules"]:
        text = notice.title + "\n" + notice.description
        snip = snippet(text, RULE_WORDS[rule]) or notice.title
        s.add(
            Flag(
                notice_id=notice.id,
                rule_id=rule,
                rule_version="fixture",
                category="videosurveillance",
                field="description",
                snippet=snip,
                weight=2.0,
            )
        )


def seed(s: Session, hasher: PasswordHasher | None = None) -> Seeded:
    """Insert the whole fixture set; the caller commits."""
    out = Seeded()
    digest = (hasher or PasswordHasher()).hash(PASSWORD)
    for name in ("alice", "bob"):
        user = User(username=name, password_hash=digest, role="analyst")
        s.add(user)
        s.flush()
        out.users[name] = user.id
    records = load_records()
    for rec in records:
        n = make_notice(rec)
        s.add(n)
        s.flush()
        add_flags(s, n, rec)
        out.notices[rec["record_id"]] = n.id
    # the BOAMP and TED publications of one real tender: same purchase
    boamp, ted = out.notices["20-100747"], out.notices["381341-2020"]
    for nid in (boamp, ted):
        s.get(Notice, nid).procedure_key = "ca-deux-baies-videoprotection-2020"  # type: ignore[union-attr]
    s.add(
        NoticeLink(
            notice_id=ted,
            target_source="boamp",
            target_key="20-100747",
            target_notice_id=boamp,
            relation="twin",
            reason="TED republication of the BOAMP notice (same buyer, same title)",
        )
    )
    # a document whose page 2 matched, and an unreadable one, on the Collonges notice
    cctp = load_pages()[0]
    words = cctp["text"].split()
    half = len(words) // 2
    doc = Document(
        sha256="a" * 64,
        media_type="application/pdf",
        size_bytes=len(cctp["text"]),
        page_count=2,
        status="ok",
        storage_path="aa/cctp.pdf",
    )
    doc.pages = [
        DocumentPage(page_number=1, text=" ".join(words[:half])),
        DocumentPage(page_number=2, text=" ".join(words[half:])),
    ]
    bad = Document(
        sha256="b" * 64,
        media_type="application/pdf",
        status="encrypted",
        status_reason="PDF is encrypted and has no text layer",
    )
    s.add_all([doc, bad])
    s.flush()
    target = out.notices["20-102325"]
    s.add(
        NoticeDocument(
            notice_id=target,
            url=cctp["url"],
            title="CCTP Big Data tranquillité publique",
            document_id=doc.id,
            fetch_status="ok",
        )
    )
    s.add(
        NoticeDocument(
            notice_id=target,
            url="https://example.org/dce.pdf",
            title="DCE",
            document_id=bad.id,
            fetch_status="ok",
        )
    )
    page_text = " ".join(words[half:])
    page_snip = snippet(page_text, ["tranquillite", "donnees", "video"]) or page_text[:160]
    s.add(
        Flag(
            notice_id=target,
            document_id=doc.id,
            page=2,
            rule_id="big_data.donnees",
            rule_version="fixture",
            category="big_data_policing",
            field="document",
            snippet=page_snip,
            weight=2.0,
        )
    )
    out.document_id, out.unreadable_id = doc.id, bad.id
    # hostile: a real notice laced with injection attempts
    base = records[0]
    hostile = make_notice(base, suffix="-XSS", published=date(2020, 8, 20))
    hostile.title = HOSTILE_TITLE
    hostile.description = HOSTILE_TEXT + base["text"][:800]
    hostile.buyer_name = '<b onmouseover=alert("xss-buyer")>Dirisi</b>'
    hostile.url = HOSTILE_URL
    s.add(hostile)
    s.flush()
    s.add(
        Flag(
            notice_id=hostile.id,
            rule_id="videosurveillance.videoprotection",
            rule_version="fixture",
            category="videosurveillance",
            field="title",
            snippet=HOSTILE_TITLE,
            weight=2.0,
        )
    )
    out.hostile_id = hostile.id
    s.flush()
    return out
