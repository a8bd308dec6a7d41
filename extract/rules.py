"""The surveillance rules engine: rules as data, matched in one Aho-Corasick pass.

A rule file (``extract/rules/*.toml``) lists rules and exclusions; see ``docs/rules.md``.
Every term of every rule and exclusion (with its folded variants) goes into one automaton, so
scanning costs the same whatever the number of terms. Matches are kept only on word boundaries
(a plural ``s``/``x`` is allowed; a term ending in ``*`` is a prefix). Then, per notice:

1. a rule with ``near`` fires only where one of its terms has a ``near`` term within ``window``
   words in the same field ("caméra" near "voie publique");
2. exclusions drop the hits they cover: ``overlap`` (the excluded phrase contains the hit:
   "caméra d'inspection"), ``window`` (hits of the listed rules within ``window`` words), or
   ``notice`` (hits of the listed, ambiguous rules anywhere in the notice). A strong hit elsewhere
   survives;
3. a rule with ``requires`` counts only if one of those terms occurs somewhere in the notice
   (ambiguous vendor names);
4. the score is the sum over rules of each rule's weight; ``score >= threshold`` flags.
"""

from __future__ import annotations

import logging
import tomllib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import ahocorasick

from extract.rule_file import Exclusion, Rule, RuleError, parse_exclusion, parse_rule
from extract.text import BREAK, FFFD, fold, fold_with_offsets, snippet_with_span
from vocabulary.decision import Decision, Hit, TextField

__all__ = ["RULES_DIR", "Exclusion", "Rule", "RuleError", "RuleSet", "default_ruleset"]

log = logging.getLogger(__name__)

RULES_DIR = Path(__file__).parent / "rules"
MAX_FIELD_CHARS = 20_000_000  # longer fields are cut (a PDF page never comes near)
MAX_HITS_PER_RULE_FIELD = 3


@dataclass(frozen=True)
class _Term:
    owner: int  # index into rules or exclusions
    kind: str  # "rule", "near", "requires", "exclusion"
    prefix: bool
    length: int


@dataclass
class _Match:
    term: _Term
    field_index: int
    start: int
    end: int


def _word(ch: str) -> bool:
    return ch.isalnum() or ch == FFFD


def _variants(term: str) -> set[str]:
    """Folded forms of a term: as written, with U+FFFD for each accented letter, and, for a
    hyphenated term, written together ("vidéo-protection" also finds "vidéoprotection")."""
    out = {fold(term)}
    damaged = "".join(FFFD if (not c.isascii() and c.isalpha()) else c for c in term)
    out.add(fold(damaged))
    if "-" in term:
        out |= {v.replace(" ", "") for v in list(out)}
    return {v for v in out if v.strip()}


@dataclass
class RuleSet:
    """Compiled rules. Build with :meth:`load`; call :meth:`evaluate` per notice."""

    rules: tuple[Rule, ...]
    exclusions: tuple[Exclusion, ...]
    version: str
    threshold: float = 1.0
    _automaton: Any = field(default=None, repr=False)

    @classmethod
    def load(cls, paths: Sequence[Path] | None = None) -> RuleSet:
        """Read rule files (default: every ``extract/rules/*.toml``) and compile them."""
        files = sorted(RULES_DIR.glob("*.toml")) if paths is None else [Path(p) for p in paths]
        rules: list[Rule] = []
        exclusions: list[Exclusion] = []
        versions: list[str] = []
        threshold = 1.0
        for path in files:
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise RuleError(f"{path}: {exc}") from exc
            meta = data.get("ruleset", {})
            version = f"{meta.get('name', path.stem)}@{meta.get('version', '0')}"
            versions.append(version)
            threshold = float(meta.get("threshold", threshold))
            for n, raw in enumerate(data.get("rule", [])):
                rules.append(parse_rule(raw, version, f"{path.name} rule #{n + 1}"))
            for n, raw in enumerate(data.get("exclusion", [])):
                exclusions.append(parse_exclusion(raw, f"{path.name} exclusion #{n + 1}"))
        ids = [r.id for r in rules] + [e.id for e in exclusions]
        if len(ids) != len(set(ids)):
            raise RuleError(f"duplicate rule ids: {sorted({i for i in ids if ids.count(i) > 1})}")
        ruleset = cls(tuple(rules), tuple(exclusions), "+".join(versions), threshold)
        ruleset._compile()
        return ruleset

    def _compile(self) -> None:
        automaton = ahocorasick.Automaton()
        table: dict[str, list[_Term]] = defaultdict(list)

        def add(text: str, owner: int, kind: str) -> None:
            prefix = text.endswith("*")
            for variant in _variants(text.rstrip("*")):
                table[variant].append(_Term(owner, kind, prefix, len(variant)))

        for i, rule in enumerate(self.rules):
            for t in rule.terms:
                add(t, i, "rule")
            for t in rule.near:
                add(t, i, "near")
            for t in rule.requires:
                add(t, i, "requires")
        for i, excl in enumerate(self.exclusions):
            for t in excl.terms:
                add(t, i, "exclusion")
        for key, terms in table.items():
            # keys start with a space: the automaton only reports matches at a word start,
            # so short terms ("IA", "CSU") do not fire inside every word that contains them
            fixed = tuple(_Term(t.owner, t.kind, t.prefix, t.length + 1) for t in terms)
            automaton.add_word(" " + key, fixed)
            automaton.add_word(BREAK + key, fixed)  # right after punctuation: "(vidéoprotection"
        if table:
            automaton.make_automaton()
        self._automaton = automaton
        self._n_patterns = len(table)  # folded keys (each added after a space and a BREAK)

    @property
    def pattern_count(self) -> int:
        """Number of folded patterns in the automaton (terms and their variants)."""
        return self._n_patterns

    def _scan(self, folded: str, field_index: int) -> list[_Match]:
        out: list[_Match] = []
        if not folded or self._automaton.kind != ahocorasick.AHOCORASICK:
            return out
        n = len(folded)
        for end_index, terms in self._automaton.iter(" " + folded):
            end = end_index  # in ``folded``: the padded text is one character longer
            for term in terms:
                start = end - term.length + 1
                inside_word = (
                    not term.prefix and end < n and _word(folded[end]) and _word(folded[end - 1])
                )
                # a plural "s"/"x" still ends the word: "caméras", "réseaux"
                plural = (
                    end < n and folded[end] in "sx" and (end + 1 >= n or not _word(folded[end + 1]))
                )
                if inside_word and not plural:
                    continue
                out.append(_Match(term, field_index, start, end))
        return out

    def evaluate(self, texts: Sequence[TextField]) -> Decision:
        """Classify one notice (all its fields) and explain the decision with hits."""
        texts = [
            t
            if isinstance(t.text, str)
            else TextField(t.field, str(t.text or ""), t.document, t.page)
            for t in texts
        ]
        folded = [fold(t.text[:MAX_FIELD_CHARS]) if t.text else "" for t in texts]
        matches: list[_Match] = []
        for i, f in enumerate(folded):
            matches.extend(self._scan(f, i))
        kept = self._apply(matches, folded, texts)
        return self._decide(kept, texts, folded)

    def _applies(self, excl: Exclusion, rule: Rule) -> bool:
        return (
            "*" in excl.applies_to or rule.id in excl.applies_to or rule.category in excl.applies_to
        )

    def _apply(
        self, matches: list[_Match], folded: list[str], texts: Sequence[TextField]
    ) -> list[_Match]:
        by_kind: dict[str, list[_Match]] = defaultdict(list)
        for m in matches:
            by_kind[m.term.kind].append(m)
        near_by_rule: dict[tuple[int, int], list[_Match]] = defaultdict(list)
        for m in by_kind["near"]:
            near_by_rule[(m.term.owner, m.field_index)].append(m)
        required = {m.term.owner for m in by_kind["requires"]}
        candidates: list[_Match] = []
        for m in by_kind["rule"]:
            rule = self.rules[m.term.owner]
            if rule.fields and texts[m.field_index].field not in rule.fields:
                continue
            if rule.requires and m.term.owner not in required:
                continue
            if rule.near:
                f = folded[m.field_index]
                near = near_by_rule.get((m.term.owner, m.field_index), [])
                if not any(_words_between(f, m, n) < rule.window for n in near):
                    continue
            candidates.append(m)
        for x in by_kind["exclusion"]:
            excl = self.exclusions[x.term.owner]
            f = folded[x.field_index]
            kept = []
            for m in candidates:
                rule = self.rules[m.term.owner]
                drop = self._applies(excl, rule) and (
                    (excl.scope == "notice")
                    or (
                        m.field_index == x.field_index
                        and excl.scope == "overlap"
                        and m.start < x.end
                        and x.start < m.end
                    )
                    or (
                        m.field_index == x.field_index
                        and excl.scope == "window"
                        and _words_between(f, m, x) < excl.window
                    )
                )
                if not drop:
                    kept.append(m)
            candidates = kept
        return candidates

    def _decide(
        self, kept: list[_Match], texts: Sequence[TextField], folded: list[str]
    ) -> Decision:
        best: dict[int, float] = {}
        per_key: dict[tuple[int, int], int] = defaultdict(int)
        quoted: list[_Match] = []
        last_end: dict[tuple[int, int], int] = {}
        for m in sorted(kept, key=lambda m: (m.field_index, m.start, -m.end)):
            best[m.term.owner] = self.rules[m.term.owner].weight
            key = (m.term.owner, m.field_index)
            if m.start < last_end.get(key, -1):
                continue  # the same rule already quoted this passage (overlapping terms)
            last_end[key] = m.end
            per_key[key] += 1
            if per_key[key] <= MAX_HITS_PER_RULE_FIELD:
                quoted.append(m)
        reach = {m.field_index for m in quoted}
        offsets = {i: fold_with_offsets(texts[i].text[:MAX_FIELD_CHARS]) for i in reach}
        hits: list[Hit] = []
        for m in quoted:
            rule = self.rules[m.term.owner]
            tf = texts[m.field_index]
            word_end = _word_end(folded[m.field_index], m)
            start, end = offsets[m.field_index].span(m.start, word_end)
            quote, q_start, q_end = snippet_with_span(tf.text, start, end)
            hits.append(
                Hit(
                    rule=rule.id,
                    rule_version=rule.version,
                    category=rule.category,
                    field=tf.field,
                    snippet=quote,
                    weight=rule.weight,
                    document=tf.document,
                    page=tf.page,
                    term=quote[q_start:q_end],
                    start=start,
                    end=end,
                    snippet_start=q_start,
                    snippet_end=q_end,
                )
            )
        score = round(sum(best.values()), 3)
        by_cat: dict[str, float] = defaultdict(float)
        for owner, weight in best.items():
            by_cat[self.rules[owner].category] += weight
        flagged = score >= self.threshold
        cats: tuple[str, ...] = ()
        if flagged:
            strong = sorted(c for c, s in by_cat.items() if s >= self.threshold)
            cats = tuple(strong) or (max(by_cat, key=lambda c: by_cat[c]),)
        return Decision(
            flagged=flagged,
            score=score,
            categories=cats,
            hits=tuple(hits),
            rules_version=self.version,
        )

    def check_examples(self) -> list[str]:
        """Run every rule's and exclusion's examples; return one message per failure."""
        failures: list[str] = []
        for rule in self.rules:
            where = rule.fields[0] if rule.fields else "description"
            for text in rule.examples_match:
                if not any(h.rule == rule.id for h in self.explain(text, where).hits):
                    failures.append(f"{rule.id}: should match: {text!r}")
            for text in rule.examples_no_match:
                if any(h.rule == rule.id for h in self.explain(text, where).hits):
                    failures.append(f"{rule.id}: should not match: {text!r}")
        for excl in self.exclusions:
            for text in excl.examples:
                if self.explain(text).flagged:
                    failures.append(f"{excl.id}: should leave unflagged: {text!r}")
        return failures

    def explain(self, text: str, field_name: str = "description") -> Decision:
        """Evaluate one free text as a single field."""
        return self.evaluate([TextField(field_name, text)])


def _word_end(folded: str, m: _Match) -> int:
    """Where the matched word ends, for quoting: a prefix term ("vidéosurveill*") and an
    accepted plural ("caméras") are quoted whole, never cut inside the word."""
    end, n = m.end, len(folded)
    if m.term.prefix:
        while end < n and _word(folded[end]):
            end += 1
    elif end < n and folded[end] in "sx" and (end + 1 >= n or not _word(folded[end + 1])):
        end += 1
    return end


def _words_between(folded: str, a: _Match, b: _Match) -> int:
    """Words strictly between two matches in the same folded field (0 if they overlap)."""
    lo, hi = (a.end, b.start) if a.end <= b.start else (b.end, a.start)
    if lo >= hi:
        return 0
    return folded.count(" ", lo, hi) - 1 if hi - lo > 1 else 0


@lru_cache(maxsize=1)
def default_ruleset() -> RuleSet:
    """The rules shipped in ``extract/rules`` (loaded once per process)."""
    return RuleSet.load()
