"""Turn a :class:`~digest.build.Digest` into a subject, a plain-text part and an HTML part.

Jinja2 with autoescaping for HTML (scraped titles are hostile input) and strict undefined
(a template typo fails a test, not a mail). Two defences run before any template sees text:

* :func:`scrub_personal` removes contact names, phone numbers and e-mail addresses — notices
  and deliberations name civil servants, and a digest forwarded around must not spread them;
* :func:`sanitize_header` makes a one-line, encoded-word-free Subject: Python 3.11.7's email
  package re-folds headers without quoting decoded newlines (CVE-2024-6923), so CR/LF, other
  control characters and ``=?…?=`` sequences are neutralized before the message is built.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from digest.build import Digest, Entry, notice_ui_url
from vocabulary.places import commune_name

__all__ = ["RenderedDigest", "render_digest", "sanitize_header", "scrub_personal", "subject_for"]

TEMPLATES = Path(__file__).parent / "templates"
SUBJECT_LIMIT = 180
SNIPPET_LIMIT = 320

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# BOAMP pages drop the '@': "courriel : achat.public ville-vieux-conde.fr"
_MAIL_LABEL = re.compile(
    r"(?i)\b(courriel|e-?mail|m[ée]l|adresse (?:é|e)lectronique)\s*:\s*[\w.+-]+(?:\s+[\w-]+(?:\.[\w-]+)+)?"
)
# "04 78 22 02 12", "+33 4 78…", "(+33) 4 78 22 02 12" (BOAMP's form), "0033 (0)4…"
_PHONE = re.compile(r"(?:\(\+33\)\s?|(?:\+|00)33\s?(?:\(0\)\s?)?|\b0)[1-9](?:[\s.-]?\d{2}){4}\b")
_PHONE_LABEL = re.compile(
    r"(?i)\b(t[ée]l(?:[ée]phone)?|fax|t[ée]l[ée]copie)\.?\s*:\s*[+(\d][\d\s.()+-]{7,}\d"
)
_CIVILITY = re.compile(
    r"\b(M\.|MM\.|Mme|Mmes|Mlle|Monsieur|Madame|Mademoiselle|Ma[îi]tre|Me|Dr|Docteur)"
    r"\s+(?:[A-ZÀ-Þ][\w'’-]*\.?\s*){1,3}"
)
_CONTACT = re.compile(
    r"(?i)\b(contact|correspondant|interlocuteur|nom du contact|personne à contacter)\s*:\s*[^,;\n]{1,60}"
)
_ENCODED_WORD = re.compile(r"=\?")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=65536)
def scrub_personal(text: str) -> str:
    """Remove e-mail addresses, phone numbers and names of people from scraped text.

    Cached: the same notice appears in several groups' digests and feeds of one run."""
    text = _MAIL_LABEL.sub(lambda m: f"{m.group(1)} : [retiré]", text)
    text = _EMAIL.sub("[courriel retiré]", text)
    text = _PHONE_LABEL.sub(lambda m: f"{m.group(1)} : [retiré]", text)
    text = _PHONE.sub("[tél. retiré]", text)
    text = _CONTACT.sub(lambda m: f"{m.group(1)} : [retiré]", text)
    text = _CIVILITY.sub(lambda m: f"{m.group(1)} [nom retiré] ", text)
    return text


def sanitize_header(value: str, limit: int = SUBJECT_LIMIT) -> str:
    """One line of plain text that cannot open a new header, however the value was crafted."""
    value = unicodedata.normalize("NFC", value)
    chars = []
    for ch in value:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Zl", "Zp"):  # CR, LF, NEL, TAB, U+2028/2029 …
            chars.append(" ")
        elif cat in ("Cf", "Cs", "Co", "Cn"):  # invisible, surrogates, private, unassigned
            continue
        else:
            chars.append(ch)
    value = "".join(chars)
    while "=?" in value:  # RFC 2047 encoded words would be decoded by the email package
        value = _ENCODED_WORD.sub("= ?", value)
    value = _SPACES.sub(" ", value).strip()
    if len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return value


def _clean(text: str | None, limit: int | None = None) -> str:
    text = _SPACES.sub(" ", scrub_personal(text or "")).strip()
    if limit and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def subject_for(digest: Digest) -> str:
    counts = []
    if digest.new:
        counts.append(f"{len(digest.new)} nouvel(s) avis")
    if digest.updates:
        counts.append(f"{len(digest.updates)} mise(s) à jour")
    if digest.deadlines:
        counts.append(f"{len(digest.deadlines)} échéance(s)")
    if digest.watched:
        counts.append(f"{len(digest.watched)} suivi(s)")
    if digest.failed_jobs:
        counts.append(f"{len(digest.failed_jobs)} tâche(s) en échec")
    first = digest.entries[0].notice.title if digest.entries else ""
    subject = f"[Veilleur] {digest.group.name} : {', '.join(counts)}"
    if first:
        subject += f" — {_clean(first)}"
    return sanitize_header(subject)


@dataclass(frozen=True)
class RenderedDigest:
    subject: str
    text: str
    html: str


def _tz() -> ZoneInfo:
    """Readers' time zone for dates in digests (deadlines are stored in UTC)."""
    try:
        return ZoneInfo(os.environ.get("VEILLEUR_TIMEZONE") or "Europe/Paris")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Europe/Paris")


def _entry_context(entry: Entry, base_url: str | None) -> dict[str, object]:
    n = entry.notice
    place = ", ".join(n.departements)
    if n.commune_insee:
        town = commune_name(n.commune_insee) or "commune"
        town = f"{town} ({n.commune_insee})"
        place = f"{place}, {town}" if place else town
    return {
        "id": n.id,
        "title": _clean(n.title, 300) or "(sans titre)",
        "buyer": _clean(n.buyer_name, 200) or "acheteur inconnu",
        "place": place or "—",
        "categories": ", ".join(n.categories) or "—",
        "kind": n.kind,
        "published": n.published_at.isoformat() if n.published_at else "",
        "deadline": n.deadline_at.astimezone(_tz()).strftime("%d/%m/%Y %H:%M")
        if n.deadline_at
        else "",
        "closing_soon": entry.closing_soon,
        "awardees": _clean(", ".join(n.awardees), 300),
        "changes": [_clean(c, 300) for c in entry.changes],
        "snippets": [
            {"category": cat, "field": fld, "text": _clean(snip, SNIPPET_LIMIT)}
            for cat, fld, snip in n.snippets[:3]
        ],
        "source_url": n.url if n.url.startswith(("http://", "https://")) else "",
        "ui_url": notice_ui_url(base_url, n.id) or "",
    }


_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def render_digest(digest: Digest) -> RenderedDigest:
    base = digest.base_url
    ctx = {
        "group": digest.group.name,
        "generated": digest.generated_at.astimezone(_tz()).strftime("%d/%m/%Y"),
        "new": [_entry_context(e, base) for e in digest.new],
        "updates": [_entry_context(e, base) for e in digest.updates],
        "deadlines": [_entry_context(e, base) for e in digest.deadlines],
        "watched": [_entry_context(e, base) for e in digest.watched],
        "jobs": [
            {
                "job": j.job,
                "status": j.status,
                "started": j.started_at.strftime("%d/%m/%Y %H:%M UTC"),
                "message": _clean(j.message, 500),
            }
            for j in digest.failed_jobs
        ],
    }
    return RenderedDigest(
        subject=subject_for(digest),
        text=_env.get_template("digest.txt").render(**ctx),
        html=_env.get_template("digest.html").render(**ctx),
    )
