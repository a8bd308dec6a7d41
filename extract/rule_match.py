"""Conditions on matches in time linear in the text: near words, exclusions, negation, context.

The automaton gives every match of every term in one pass (``extract.rules``). What remains is
to decide which rule matches count, and that must not depend on the square of the text: a
price schedule with "caméra" and "vidéoprotection" on every row, or a prefectoral act with 164
CCTV authorisations (1.3 MB), once made the old pairwise check take minutes.

So, per field, positions are sorted once:

* :class:`WordIndex` counts the spaces before each position any condition needs, in one walk
  over the sorted positions; "words between two matches" is then a subtraction (the same
  count the engine always used: spaces in the gap, minus one).
* :class:`Sorted` keeps the matches of one kind (a rule's ``near`` words, an exclusion's
  phrases) sorted by start and by end; the nearest one on each side of a rule match, and
  whether one overlaps it, are two bisections. Words-between grows with distance, so the two
  nearest decide a window condition.

Cost: O((M + N) log N) for M rule matches and N condition matches, instead of O(M·N·gap).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from extract.text import END

__all__ = ["Applied", "MatchLike", "Sorted", "WordIndex", "apply_conditions"]


class MatchLike(Protocol):
    """What the conditions read of a match (``extract.rules._Match``)."""

    term: Any
    field_index: int
    start: int
    end: int


class WordIndex:
    """Spaces before each needed position of one folded field, counted in one sorted walk."""

    def __init__(self, folded: str, positions: Iterable[int]) -> None:
        self._at: dict[int, int] = {}
        count, prev = 0, 0
        for pos in sorted(set(positions)):
            count += folded.count(" ", prev, pos)
            self._at[pos] = count
            prev = pos

    def between(self, lo: int, hi: int) -> int:
        """Words strictly between text ending at ``lo`` and text starting at ``hi``."""
        if lo >= hi or hi - lo <= 1:
            return 0
        return self._at[hi] - self._at[lo] - 1


class Sorted:
    """Matches of one kind in one field, sorted once for nearest-neighbour questions."""

    def __init__(self, matches: Sequence[MatchLike]) -> None:
        by_start = sorted(matches, key=lambda m: m.start)
        self.starts = [m.start for m in by_start]
        self._first = by_start
        running, best = [], -1
        for m in by_start:
            best = max(best, m.end)
            running.append(best)
        self._max_end = running  # largest end among the first k by start
        by_end = sorted(matches, key=lambda m: m.end)
        self.ends = [m.end for m in by_end]

    def overlaps(self, m: MatchLike) -> bool:
        """Does one of these matches share a character with ``m``?"""
        k = bisect_left(self.starts, m.end)
        return bool(k) and self._max_end[k - 1] > m.start

    def within(self, m: MatchLike, window: int, words: WordIndex) -> bool:
        """Is one of these matches fewer than ``window`` words from ``m`` (overlap: 0 words)?"""
        k = bisect_left(self.starts, m.end)
        if k and self._max_end[k - 1] > m.start:
            return True
        if k < len(self.starts) and words.between(m.end, self.starts[k]) < window:
            return True
        j = bisect_right(self.ends, m.start)
        return bool(j) and words.between(self.ends[j - 1], m.start) < window


@dataclass
class Applied:
    """Rule matches that count, and those a negation neutralised (kept to explain)."""

    kept: list[Any] = field(default_factory=list)
    neutralised: list[tuple[Any, int]] = field(default_factory=list)  # (match, negation index)


def _negation_scopes(
    ruleset: Any, cues: list[Any], folded: Sequence[str]
) -> dict[int, list[tuple[int, int, int]]]:
    """Per field, the spans ``[start, end)`` that follow a negation cue, with its index."""
    excepts: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for c in cues:
        if c.term.kind == "negation_except":
            excepts[(c.term.owner, c.field_index)].append(c)
    excepted = {k: Sorted(v) for k, v in excepts.items()}
    spans: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for c in cues:
        if c.term.kind != "negation":
            continue
        ex = excepted.get((c.term.owner, c.field_index))
        if ex is not None and ex.overlaps(c):
            continue  # "hors taxes" negates nothing
        neg = ruleset.negations[c.term.owner]
        text = folded[c.field_index]
        end = c.end
        for _ in range(neg.window + 1):  # the window-th word after the cue, at most
            nxt = text.find(" ", end + 1)
            if nxt < 0:
                end = len(text)
                break
            end = nxt
        stop = text.find(END, c.end, end)
        if stop >= 0:
            end = stop
        spans[c.field_index].append((c.end, end, c.term.owner))
    return spans


def _stopped(ruleset: Any, stops: list[Any], spans: dict[int, list[tuple[int, int, int]]]) -> None:
    """Cut each negation span at the first of its ``stop`` words ("mais") inside it."""
    by_owner_field: dict[tuple[int, int], list[int]] = defaultdict(list)
    for s in stops:
        by_owner_field[(s.term.owner, s.field_index)].append(s.start)
    for fi, items in spans.items():
        for n, (start, end, owner) in enumerate(items):
            for pos in sorted(by_owner_field.get((owner, fi), ())):
                if start <= pos < end:
                    items[n] = (start, pos, owner)
                    break


def _negated(m: Any, spans: list[tuple[int, int, int]]) -> int | None:
    for start, end, owner in spans:
        if start <= m.start < end:
            return owner
    return None


def _context_met(rule_index: int, rule: Any, m: Any, texts: Sequence[Any], seen: Any) -> bool:
    if rule.context_scope == "field":
        return (rule_index, m.field_index) in seen.context_fields
    if rule.context_scope == "document":
        doc = texts[m.field_index].document
        return (rule_index, doc) in seen.context_docs or (rule_index, None) in seen.context_docs
    return rule_index in seen.context_any


def apply_conditions(
    ruleset: Any,
    matches: Sequence[Any],
    seen: Any,
    folded: Sequence[str],
    texts: Sequence[Any],
) -> Applied:
    """Which rule matches count (see module docstring); ``seen`` holds the requires/context
    owners found anywhere (``extract.rules._Seen``)."""
    by_kind: dict[str, list[Any]] = defaultdict(list)
    for m in matches:
        by_kind[m.term.kind].append(m)
    out = Applied()
    if not by_kind["rule"]:
        return out  # most notices: nothing to decide
    positions: dict[int, list[int]] = defaultdict(list)
    for m in matches:
        positions[m.field_index] += (m.start, m.end)
    word_index: dict[int, WordIndex] = {}

    def words(fi: int) -> WordIndex:
        if fi not in word_index:
            word_index[fi] = WordIndex(folded[fi], positions[fi])
        return word_index[fi]

    groups: dict[tuple[str, int, int], list[Any]] = defaultdict(list)
    for kind in ("near", "exclusion"):
        for m in by_kind[kind]:
            groups[(kind, m.term.owner, m.field_index)].append(m)
    index = _LazyIndex(groups)
    excl_fields: dict[int, list[int]] = defaultdict(list)
    notice_excl: list[int] = []
    for kind, owner, fi in groups:
        if kind == "exclusion":
            excl_fields[fi].append(owner)
    for m in by_kind["exclusion"]:
        if ruleset.exclusions[m.term.owner].scope == "notice" and m.term.owner not in notice_excl:
            notice_excl.append(m.term.owner)
    spans = _negation_scopes(ruleset, by_kind["negation"] + by_kind["negation_except"], folded)
    _stopped(ruleset, by_kind["negation_stop"], spans)
    for m in by_kind["rule"]:
        ri = m.term.owner
        rule = ruleset.rules[ri]
        fi = m.field_index
        if rule.fields and texts[fi].field not in rule.fields:
            continue
        if rule.requires and ri not in seen.requires:
            continue
        if rule.context and not _context_met(ri, rule, m, texts, seen):
            continue
        if rule.near:
            near = index.get(("near", ri, fi))
            if near is None or not near.within(m, rule.window, words(fi)):
                continue
        if _excluded(ruleset, m, rule, excl_fields.get(fi, ()), notice_excl, index, words):
            continue
        negation = _negated(m, spans.get(fi, [])) if rule.negatable else None
        if negation is not None:
            out.neutralised.append((m, negation))
        else:
            out.kept.append(m)
    return out


class _LazyIndex:
    """``Sorted`` per (kind, owner, field), built on first use: most groups are never asked."""

    def __init__(self, groups: dict[tuple[str, int, int], list[Any]]) -> None:
        self._groups = groups
        self._built: dict[tuple[str, int, int], Sorted] = {}

    def get(self, key: tuple[str, int, int]) -> Sorted | None:
        if key not in self._built:
            if key not in self._groups:
                return None
            self._built[key] = Sorted(self._groups[key])
        return self._built[key]

    def __getitem__(self, key: tuple[str, int, int]) -> Sorted:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found


def _excluded(
    ruleset: Any,
    m: Any,
    rule: Any,
    field_exclusions: Iterable[int],
    notice_exclusions: list[int],
    index: _LazyIndex,
    words: Any,
) -> bool:
    applies = ruleset.applies
    for owner in notice_exclusions:
        if applies(ruleset.exclusions[owner], rule):
            return True
    for owner in field_exclusions:
        excl = ruleset.exclusions[owner]
        if excl.scope == "notice" or not applies(excl, rule):
            continue
        sorted_excl = index[("exclusion", owner, m.field_index)]
        if excl.scope == "overlap":
            if sorted_excl.overlaps(m):
                return True
        elif sorted_excl.within(m, excl.window, words(m.field_index)):
            return True
    return False
