"""The one normalized shape that every source fills: :class:`NoticeItem` and :class:`DocumentRef`.

Spiders yield ``NoticeItem`` objects; pipelines validate, enrich (documents, text, flags) and store
them. A field a source does not carry stays empty rather than guessed.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

import orjson

from vocabulary.documents import DocumentStatus, PageText
from vocabulary.terms import NoticeKind

__all__ = [
    "DocumentRef",
    "NoticeItem",
    "normalize_source_id",
]


def normalize_source_id(raw: str) -> str:
    """The key a source id is stored under: NFKC, no whitespace at all, upper case.

    BOAMP ids such as ``20-100747`` and ``BXP06181020621O`` are published with stray spaces
    and in mixed case by some re-publishers; two spellings of one id must be one notice.
    """
    folded = unicodedata.normalize("NFKC", raw)
    return "".join(folded.split()).upper()


@dataclass
class DocumentRef:
    """A document linked from a notice (DCE archive, CCTP, deliberation PDF …).

    The spider sets ``url`` and ``title``; the documents pipeline fills the rest. ``status`` is
    ``pending`` until then; ``fetch_error`` says why a download failed (it is retried next run).
    """

    url: str
    title: str | None = None
    sha256: str | None = None
    media_type: str | None = None
    status: DocumentStatus = "pending"
    status_reason: str | None = None
    fetch_error: str | None = None
    page_count: int | None = None
    pages: list[PageText] = field(default_factory=list)


@dataclass
class NoticeItem:
    """One publication of one source, normalized.

    ``source_id`` is the id as the source prints it; storage keys on
    ``normalize_source_id(source_id)``. ``raw`` keeps the payload as received for provenance.
    """

    source: str
    source_id: str
    kind: NoticeKind
    title: str
    url: str
    description: str = ""
    buyer_name: str | None = None
    buyer_siret: str | None = None
    #: where the work is done (place of performance): what digests route on
    departements: list[str] = field(default_factory=list)
    #: where the notice was published (BOAMP ``code_departement``), kept apart from the place
    publication_departements: list[str] = field(default_factory=list)
    commune_insee: str | None = None
    cpv_codes: list[str] = field(default_factory=list)
    #: BOAMP descriptor labels (``Vidéosurveillance`` …) or other source keywords
    descriptors: list[str] = field(default_factory=list)
    published_at: date | None = None
    deadline_at: datetime | None = None
    #: the value, or the high end of a published range
    estimated_value: float | None = None
    #: the low end when the value was published as a range (BOAMP ``fourchette``)
    estimated_value_low: float | None = None
    currency: str | None = None
    awardees: list[dict[str, Any]] = field(default_factory=list)
    lots: list[dict[str, Any]] = field(default_factory=list)
    #: source ids of the notices this one amends, corrects, cancels or awards
    related_ids: list[str] = field(default_factory=list)
    procedure_key: str | None = None
    #: free text of every leaf of a shape the parser does not know, kept searchable
    extra_text: str = ""
    documents: list[DocumentRef] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    #: where the payload came from (API page URL), for error reports
    fetched_from: str | None = None
    #: field-level problems met while parsing (an absurd date …); recorded by the Validate
    #: pipeline against the source and URL while the rest of the notice is kept
    warnings: list[str] = field(default_factory=list)
    #: the rules' decision (a ``vocabulary.decision.Decision``, possibly computed lazily),
    #: set by the Flag pipeline
    decision: Any = None
    #: digest of the record this notice was parsed from, for skipping it unchanged next time
    #: (``crawler.base_spiders.unchanged``); None where the spider computes none
    record_digest: str | None = None

    @property
    def key(self) -> str:
        return normalize_source_id(self.source_id)

    def content_hash(self) -> str:
        """sha256 of everything that describes the notice, raw payload excluded.

        Stable across runs: fields are serialized with sorted keys; it changes exactly when a
        stored field would change. (Built by hand, not with ``asdict``, which deep-copies the
        raw payload only to throw it away.)
        """
        payload = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in _VOLATILE}
        for name in _ADDED_LATER:  # absent, they leave the hashes of older notices unchanged
            if payload[name] in (None, []):
                del payload[name]
        # documents count by their link only: what the pipeline learns of them is stored apart
        payload["documents"] = sorted(d.url for d in self.documents)
        blob = orjson.dumps(payload, default=str, option=orjson.OPT_SORT_KEYS)
        return hashlib.sha256(blob).hexdigest()


#: Notice fields that do not describe the notice itself
_VOLATILE = frozenset({"raw", "fetched_from", "warnings", "decision", "record_digest"})
#: fields added after notices were first stored
_ADDED_LATER = ("publication_departements", "estimated_value_low")
