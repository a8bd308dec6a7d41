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
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import escape

from digest.build import Digest, Entry, NoticeView, Quote
from digest.requests import reminder_context, reminders_of
from vocabulary.cpv import cpv_with_label
from vocabulary.display import for_display
from vocabulary.env import time_zone
from vocabulary.labels import label
from vocabulary.places import place_label

__all__ = [
    "TODO",
    "UNSUBSCRIBE_PLACEHOLDER",
    "RenderedDigest",
    "french_amount",
    "render_digest",
    "sanitize_header",
    "scrub_personal",
    "subject_for",
]

#: rendered in place of a recipient's unsubscribe link, replaced per recipient when sending
UNSUBSCRIBE_PLACEHOLDER = "veilleur-unsubscribe-link-placeholder"
#: what a volunteer can do next, by kind of notice ("Que faire ?")
TODO: dict[str, str] = {
    "tender": "demandez à l'acheteur les pièces du marché (règlement, CCTP) et suivez son "
    "attribution ; parlez-en avant la date limite.",
    "prior_information": "le marché se prépare : interrogez la collectivité et ses élus "
    "avant que l'appel d'offres paraisse.",
    "correction": "voyez ce qui change (date limite, lots, montant) et relancez vos demandes "
    "sur l'avis initial.",
    "cancellation": "notez l'annulation et guettez une relance du marché sous un autre nom.",
    "award": "demandez le contrat et ses pièces (CCTP, bordereau des prix) à l'acheteur ; en "
    "cas de refus, saisissez la CADA.",
    "contract": "demandez le contrat, ses avenants et le bilan d'utilisation du dispositif.",
    "deliberation": "vérifiez le vote au conseil : compte rendu, débats, votes des élus ; "
    "demandez la délibération et ses annexes.",
    "authorisation": "demandez le dossier de demande, le registre des vols ou la liste des "
    "caméras, et le bilan d'emploi du dispositif.",
    "other": "lisez l'avis à la source et partagez-le avec le groupe.",
}

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
    if reminders := reminders_of(digest):
        counts.append(f"{len(reminders)} rappel(s) de demande d'accès")
    if digest.failed_jobs:
        counts.append(f"{len(digest.failed_jobs)} tâche(s) en échec")
    first = digest.entries[0].notice.title if digest.entries else ""
    if not first and reminders_of(digest):
        first = reminders_of(digest)[0].title
    subject = f"[Veilleur] {digest.group.name} : {', '.join(counts)}"
    if first:
        subject += f" — {_clean(first)}"
    return sanitize_header(subject)


@dataclass(frozen=True)
class RenderedDigest:
    subject: str
    text: str
    html: str

    def with_unsubscribe(self, url: str | None) -> RenderedDigest:
        """The same message with one recipient's unsubscribe link in place of the
        placeholder (a link with no ``&`` or ``<``: an URL-safe token after the base URL)."""
        link = url or ""
        return RenderedDigest(
            self.subject,
            self.text.replace(UNSUBSCRIBE_PLACEHOLDER, link),
            self.html.replace(UNSUBSCRIBE_PLACEHOLDER, str(escape(link))),
        )


def _tz() -> ZoneInfo:
    """Readers' time zone for dates in digests (deadlines are stored in UTC). A zone that does
    not exist is refused, as the scheduler refuses it, rather than silently replaced."""
    return time_zone(os.environ.get("VEILLEUR_TIMEZONE") or "Europe/Paris")


def french_amount(value: float | None, currency: str | None = None) -> str:
    """``1 234 567 €`` (narrow no-break spaces as French prints them); "" when unknown."""
    if value is None or value <= 0:
        return ""
    digits = f"{value:,.0f}".replace(",", "\u202f")
    unit = "€" if (currency or "EUR").upper() == "EUR" else currency or ""
    return f"{digits} {unit}".strip()


def _quotes(n: NoticeView, limit: int = 3) -> list[dict[str, object]]:
    """Why it was flagged, once each: one quote per matched word (a CPV code with its label),
    never the same passage twice (three rules firing on the title quote it once)."""
    out: list[dict[str, object]] = []
    seen_terms: set[str] = set()
    seen_passages: set[str] = set()
    quotes = n.quotes or tuple(Quote(c, f, s) for c, f, s in n.snippets)
    for q in quotes:
        term_key = " ".join((q.term or "").lower().split())
        if q.field == "cpv" or (q.term.isdigit() and len(q.term) == 8):
            code = q.term or q.snippet
            if term_key not in seen_terms:
                seen_terms.add(term_key)
                out.append({"cpv": cpv_with_label(code), "category": label("category", q.category)})
            continue
        if (term_key and term_key in seen_terms) or q.snippet in seen_passages:
            continue
        seen_terms.add(term_key)
        seen_passages.add(q.snippet)
        start, end = q.start, q.end
        if start is None or end is None or not (0 <= start < end <= len(q.snippet)):
            start = end = 0
        out.append(
            {
                "cpv": "",
                "before": _clean(q.snippet[:start])
                + (" " if q.snippet[start - 1 : start].isspace() else ""),
                "term": _clean(q.snippet[start:end]),
                "after": (" " if q.snippet[end : end + 1].isspace() else "")
                + _clean(q.snippet[end:]),
                "category": label("category", q.category),
                "field": label("field", q.field),
            }
        )
    return out[:limit]


def _status(n: NoticeView) -> str:
    if n.verdict in (None, "new"):
        return "signalé par les règles, pas encore examiné"
    return label("verdict", n.verdict)


def _entry_context(entry: Entry, digest: Digest) -> dict[str, object]:
    n = entry.notice
    tz = _tz()
    deadline = n.deadline_at.astimezone(tz) if n.deadline_at else None
    read_url = f"{digest.read_base}/notices/{n.id}" if digest.read_base else ""
    return {
        "id": n.id,
        "title": _clean(n.title, 300) or "(sans titre)",
        "buyer": _clean(n.buyer_name, 200) or "acheteur inconnu",
        "place": place_label(n.commune_insee, n.departements) or "lieu inconnu",
        "categories": ", ".join(label("category", c) for c in n.categories) or "—",
        "kind": label("kind", n.kind),
        "published": n.published_at.strftime("%d/%m/%Y") if n.published_at else "",
        "deadline": deadline.strftime("%d/%m/%Y à %Hh%M") if deadline else "",
        "closed": bool(n.deadline_at and n.deadline_at < digest.generated_at),
        "closing_soon": entry.closing_soon,
        "amount": french_amount(n.estimated_value, n.currency),
        "amount_label": "Montant" if n.kind in ("award", "contract") else "Montant estimé",
        "awardees": _clean(", ".join(n.awardees), 300),
        "changes": [_clean(c, 300) for c in entry.changes],
        "quotes": _quotes(n),
        "status": _status(n),
        "public_note": _clean(n.public_note, 600),
        "todo": TODO.get(n.kind, TODO["other"]),
        "details": [scrub_personal(_clean(d, 300)) for d in n.details],
        "source_url": n.url if n.url.startswith(("http://", "https://")) else "",
        "ui_url": read_url,
    }


_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    # bidi controls and zero-width characters out of every printed value (vocabulary.display)
    finalize=lambda value: for_display(value) if isinstance(value, str) else value,
)


def render_digest(digest: Digest, unsubscribe_url: str | None = None) -> RenderedDigest:
    """Subject, text and HTML of ``digest``. ``unsubscribe_url`` None: a preview, which says
    each recipient's message carries their own unsubscribe link."""
    ctx = {
        "group": digest.group.name,
        # the operator wrote it for the readers: not scraped text, nothing to scrub
        "contact": " ".join(digest.group.contact.split())[:320],
        "generated": digest.generated_at.astimezone(_tz()).strftime("%d/%m/%Y"),
        "new": [_entry_context(e, digest) for e in digest.new],
        "updates": [_entry_context(e, digest) for e in digest.updates],
        "deadlines": [_entry_context(e, digest) for e in digest.deadlines],
        "watched": [_entry_context(e, digest) for e in digest.watched],
        "requests": [
            reminder_context(r, digest.base_url, digest.read_base, _clean)
            for r in reminders_of(digest)
        ],
        "jobs": [
            {
                "job": j.job,
                "status": j.status,
                "started": j.started_at.astimezone(_tz()).strftime("%d/%m/%Y %H:%M"),
                "message": _clean(j.message, 500),
            }
            for j in digest.failed_jobs
        ],
        "unsubscribe_url": unsubscribe_url or "",
    }
    return RenderedDigest(
        subject=subject_for(digest),
        text=_env.get_template("digest.txt").render(**ctx),
        html=_env.get_template("digest.html").render(**ctx),
    )
