"""A prefecture's recueil des actes administratifs (RAA) split into its acts. Pure.

Every département prefecture prints its bundles from one State template: a cover page, a table
of contents ("Sommaire") with one entry per act —

    Préfecture du VAR / Direction des sécurités          ← the issuing service
    83-2025-06-06-00001 - Arrêté n° 2024-BSP-OP-39 autorisant la captation, …
    (4 pages) Page 3                                     ← act length and first page

— then each act: a separator page bearing its id and heading, and its pages, each with a footer
"<service> - <id> - <heading> <page>". :func:`split_bundle` reads the table of contents for the
id, heading, service and page span of every act, and cuts the pages accordingly:

* a bundle read page by page (a PDF): an act gets the pages its entry spans (separator page
  included: ``Page P`` and ``N pages`` cover pages ``P`` … ``P + N``); without a usable table of
  contents, pages are grouped by the act id their footer bears;
* a bundle that came as one text (no page breaks): the act's text runs from the second time its
  id appears (the first is the table of contents) to the next act's; it is cited at the page the
  table of contents gives for it.

Recueils marked nominative ("RECUEIL … SPÉCIAL (NOMINATIFS)") name private persons: see
:func:`is_nominative`; the crawl keeps only their acts about surveillance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vocabulary.documents import PageText

__all__ = [
    "ACT_ID",
    "Act",
    "TocEntry",
    "is_nominative",
    "read_toc",
    "split_bundle",
    "split_commission",
]

#: an act id: département (2 digits, 2A/2B, or 3 for overseas), date, serial
ACT_ID = re.compile(r"\b((?:\d{2,3}|2[AB])-\d{4}-\d{2}-\d{2}-\d{5})\b")
_ENTRY = re.compile(
    r"(?P<id>(?:\d{2,3}|2[AB])-\d{4}-\d{2}-\d{2}-\d{5})\s+-\s+(?P<heading>.+?)"
    r"\s*\((?P<count>\d+)\s*pages?\)\s*Page\s+(?P<page>\d+)",
    re.S | re.I,
)
_WS = re.compile(r"\s+")
_NOMINATIVE = re.compile(r"\bnominati(?:f|fs|ve|ves)\b", re.I)
#: the table of contents is read on the first pages only
_TOC_PAGES = 12
#: "164 arrêtés préfectoraux issus de la commission départementale … de vidéoprotection"
_COMMISSION = re.compile(r"arrêtés\s+préfectoraux\s+issus\s+de\s+la\s+commission", re.I)
#: one arrêté inside a commission act: its heading, then "Le Préfet du …," opens its text
_SUB_ACT = re.compile(
    r"ARR[ÊE]T[ÉE]\s+PR[ÉE]FECTORAL\s+(?P<heading>portant\s.{10,400}?)\s+Le\s+Préfet\s+d",
    re.S,
)


@dataclass(frozen=True)
class TocEntry:
    """One line of the table of contents."""

    act_id: str
    heading: str
    service: str
    first_page: int
    page_count: int


@dataclass
class Act:
    """One act of a bundle: its id, heading, issuing service, pages and text."""

    act_id: str
    title: str
    service: str
    first_page: int
    last_page: int
    pages: list[PageText] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.pages)

    @property
    def date(self) -> str:
        """The act's date, from its id (ISO)."""
        parts = self.act_id.split("-")
        return f"{parts[1]}-{parts[2]}-{parts[3]}"

    @property
    def departement(self) -> str:
        return self.act_id.split("-", 1)[0]


def _one_line(text: str) -> str:
    return _WS.sub(" ", text).strip()


def is_nominative(text: str) -> bool:
    """True when a bundle's name or cover says it is a nominative recueil."""
    return bool(_NOMINATIVE.search(text[:600]))


def read_toc(text: str) -> list[TocEntry]:
    """The entries of a bundle's table of contents (``text``: its first pages), in order."""
    entries: list[TocEntry] = []
    seen: set[str] = set()
    end = 0
    for match in _ENTRY.finditer(text):
        act_id = match.group("id")
        heading = _one_line(match.group("heading"))
        if act_id in seen or ACT_ID.search(heading):
            continue
        between = text[end : match.start()]
        service_lines = [line for line in between.splitlines() if "/" in line]
        service = _service(between) if service_lines else (entries[-1].service if entries else "")
        seen.add(act_id)
        entries.append(
            TocEntry(
                act_id,
                heading,
                service,
                int(match.group("page")),
                int(match.group("count")),
            )
        )
        end = match.end()
    return entries


def _service(between: str) -> str:
    """The issuing service printed above a run of entries: its "A / B" lines, joined."""
    cut = between.lower().rfind("sommaire")
    if cut >= 0:  # the first entry: the cover page sits above
        between = between[cut + len("sommaire") :]
    lines = [line.strip() for line in between.strip().splitlines() if line.strip()]
    # a page number or "Sommaire" may sit above it
    lines = [line for line in lines if not line.isdigit() and line.lower() != "sommaire"]
    return _one_line(" ".join(lines)).strip(" /")


def split_bundle(pages: list[PageText]) -> list[Act]:
    """Every act of a bundle, in the order of its table of contents."""
    if not pages:
        return []
    head = "\n".join(p.text for p in pages[:_TOC_PAGES])
    entries = read_toc(head)
    if len(pages) == 1:
        acts = _split_text(pages[0], entries)
    elif entries:
        acts = _split_pages(pages, entries)
    else:
        acts = _group_by_footer(pages)
    return [sub for act in acts for sub in split_commission(act)]


def split_commission(act: Act) -> list[Act]:
    """A departmental vidéoprotection commission's act bundles every arrêté it led to (164 in
    the Var's of 7 October 2024): one act each, id ``<act id>-NNN``, heading "portant
    autorisation … Commune de X (establishment)". Any other act: itself."""
    if not _COMMISSION.search(act.title):
        return [act]
    offsets, text = [], ""
    for page in act.pages:
        offsets.append((len(text), page))
        text += page.text + "\n"
    starts = [(m.start(), _one_line(m.group("heading"))) for m in _SUB_ACT.finditer(text)]
    if not starts:
        return [act]
    subs = []
    for n, (begin, heading) in enumerate(starts, 1):
        end = starts[n][0] if n < len(starts) else len(text)
        first = _page_at(offsets, begin, text, act.act_id)
        last = _page_at(offsets, max(begin, end - 1), text, act.act_id)
        body = text[begin:end]
        source = next(p for o, p in reversed(offsets) if o <= begin)
        subs.append(
            Act(
                f"{act.act_id}-{n:03d}",
                f"Arrêté préfectoral {heading}",
                act.service,
                first,
                max(first, last),
                [PageText(first, body, source.member, source.method)],
            )
        )
    return subs


def _page_at(offsets: list[tuple[int, PageText]], at: int, text: str, act_id: str) -> int:
    """The page number of the character ``at``: its page's number, or in a one-text bundle the
    number the next page footer prints (content precedes the footer of its page)."""
    if len(offsets) > 1:
        return next(p.page_number for o, p in reversed(offsets) if o <= at)
    # "Préfecture du VAR - <id> - <heading, on up to three lines> 31"
    footer = re.compile(
        re.escape(act_id) + r"\s+-\s+(?:[^\n]*\n){0,2}?[^\n]*?\s(\d{1,4})[ \t]*$", re.M
    ).search(text, at)
    return int(footer.group(1)) if footer else offsets[0][1].page_number


def _split_pages(pages: list[PageText], entries: list[TocEntry]) -> list[Act]:
    by_number = {p.page_number: p for p in pages}
    acts = []
    for entry in entries:
        last = entry.first_page + entry.page_count
        span = [by_number[n] for n in range(entry.first_page, last + 1) if n in by_number]
        acts.append(Act(entry.act_id, entry.heading, entry.service, entry.first_page, last, span))
    return acts


def _split_text(page: PageText, entries: list[TocEntry]) -> list[Act]:
    text = page.text
    starts: dict[str, int] = {}
    seen: set[str] = set()
    for match in ACT_ID.finditer(text):
        act_id = match.group(1)
        if act_id in seen and act_id not in starts:
            starts[act_id] = match.start()
        seen.add(act_id)
    known = {e.act_id: e for e in entries}
    order = [e.act_id for e in entries] or sorted(starts, key=starts.__getitem__)
    acts = []
    for act_id in order:
        begin = starts.get(act_id)
        if begin is None:
            continue
        later = [pos for pos in starts.values() if pos > begin]
        body = text[begin : min(later) if later else len(text)]
        entry = known.get(act_id)
        first = entry.first_page if entry else page.page_number
        last = first + entry.page_count if entry else first
        title = entry.heading if entry else _heading_after(body, act_id)
        acts.append(
            Act(
                act_id,
                title,
                entry.service if entry else "",
                first,
                last,
                [PageText(first, body, page.member, page.method)],
            )
        )
    return acts


def _heading_after(body: str, act_id: str) -> str:
    rest = body.split(act_id, 1)[-1]
    lines = [line.strip() for line in rest.splitlines() if line.strip()]
    return _one_line(" ".join(lines[:3]))[:300]


def _group_by_footer(pages: list[PageText]) -> list[Act]:
    """Without a table of contents: consecutive pages bearing the same id are one act."""
    acts: list[Act] = []
    for page in pages:
        found = ACT_ID.findall(page.text)
        if not found:
            if acts:
                acts[-1].pages.append(page)
                acts[-1].last_page = page.page_number
            continue
        act_id = found[-1]
        if acts and acts[-1].act_id == act_id:
            acts[-1].pages.append(page)
            acts[-1].last_page = page.page_number
            continue
        title = _heading_after(page.text, act_id)
        acts.append(Act(act_id, title, "", page.page_number, page.page_number, [page]))
    return acts
