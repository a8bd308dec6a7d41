"""The surveillance rules engine: rules as data, matched in one Aho-Corasick pass.

A rule file (``extract/rules/*.toml``) lists rules, exclusions and negations; see
``docs/rules.md``. Every term of every rule, exclusion and negation (with its folded variants)
goes into one automaton, so scanning costs the same whatever the number of terms. Matches are
kept only on word boundaries (a plural ``s``/``x`` is allowed; a term ending in ``*`` is a
prefix). Then, per notice (``extract.rule_match``, in time linear in the text):

1. a rule with ``near`` fires only where one of its terms has a ``near`` term within ``window``
   words in the same field ("caméra" near "voie publique");
2. a rule with ``requires`` counts only if one of those terms occurs somewhere in the notice
   (ambiguous vendor names); one with ``context`` only if a context word occurs in the same
   field, document (any page) or notice (``context_scope``);
3. exclusions drop the hits they cover: ``overlap`` (the excluded phrase contains the hit:
   "caméra d'inspection"), ``window`` (hits of the listed rules within ``window`` words), or
   ``notice`` (hits of the listed, ambiguous rules anywhere in the notice). A strong hit elsewhere
   survives;
4. negations neutralise the hits that follow a cue in the same sentence ("hors
   vidéo-surveillance"); they are kept apart in the decision, to explain, never counted;
5. the score is the sum over rules of each rule's weight; ``score >= threshold`` flags.

A field too dense to read whole (more than ``MAX_MATCHES_PER_FIELD`` matches) is read up to that
budget and the decision says so (``Decision.partial``) instead of stalling a crawl.
"""

from __future__ import annotations

import logging
import tomllib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from extract.automaton import KeyAutomaton
from extract.rule_file import (
    Exclusion,
    Negation,
    Rule,
    RuleError,
    parse_exclusion,
    parse_negation,
    parse_rule,
)
from extract.rule_match import apply_conditions
from extract.text import BREAK, END, FFFD, fold, fold_with_offsets, snippet_with_span, word_end
from vocabulary.decision import Decision, Hit, TextField

__all__ = [
    "MAX_MATCHES_PER_FIELD",
    "RULES_DIR",
    "Exclusion",
    "Negation",
    "Rule",
    "RuleError",
    "RuleSet",
    "default_ruleset",
]

log = logging.getLogger(__name__)

RULES_DIR = Path(__file__).parent / "rules"
MAX_FIELD_CHARS = 20_000_000  # longer fields are cut (a PDF page never comes near)
MAX_HITS_PER_RULE_FIELD = 3
#: a field with more matches than this is read up to here and the decision marked partial:
#: a real 100 000-character PDF page gives < 1 000 matches; a price schedule naming a camera
#: on every row gives ~300 per KB, so this stops it near 200 KB
MAX_MATCHES_PER_FIELD = 60_000
_EXISTENCE = ("requires", "context")  # kinds that only need to be seen once


@dataclass(frozen=True)
class _Term:
    owner: int  # index into rules, exclusions or negations
    # "rule", "near", "requires", "context", "exclusion",
    # "negation", "negation_except", "negation_stop"
    kind: str
    prefix: bool
    length: int


@dataclass(slots=True)
class _Match:
    term: _Term
    field_index: int
    start: int
    end: int


@dataclass
class _Seen:
    """Owners of ``requires`` and ``context`` terms found, and where (they need no position)."""

    requires: set[int] = field(default_factory=set)
    context_any: set[int] = field(default_factory=set)
    context_fields: set[tuple[int, int]] = field(default_factory=set)
    context_docs: set[tuple[int, str | None]] = field(default_factory=set)


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
    negations: tuple[Negation, ...] = ()
    _automaton: Any = field(default=None, repr=False)

    @classmethod
    def load(cls, paths: Sequence[Path] | None = None) -> RuleSet:
        """Read rule files (default: every ``extract/rules/*.toml``) and compile them."""
        files = sorted(RULES_DIR.glob("*.toml")) if paths is None else [Path(p) for p in paths]
        rules: list[Rule] = []
        exclusions: list[Exclusion] = []
        negations: list[Negation] = []
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
            for n, raw in enumerate(data.get("negation", [])):
                negations.append(parse_negation(raw, f"{path.name} negation #{n + 1}"))
        ids = [r.id for r in rules] + [e.id for e in exclusions] + [n.id for n in negations]
        if len(ids) != len(set(ids)):
            raise RuleError(f"duplicate rule ids: {sorted({i for i in ids if ids.count(i) > 1})}")
        ruleset = cls(
            tuple(rules), tuple(exclusions), "+".join(versions), threshold, tuple(negations)
        )
        ruleset._compile()
        return ruleset

    def _compile(self) -> None:
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
            for t in rule.context:
                add(t, i, "context")
        for i, excl in enumerate(self.exclusions):
            for t in excl.terms:
                add(t, i, "exclusion")
        for i, neg in enumerate(self.negations):
            for kind, words in (
                ("negation", neg.terms),
                ("negation_except", neg.except_),
                ("negation_stop", neg.stop),
            ):
                for t in words:
                    add(t, i, kind)
        keyed: list[tuple[str, tuple[_Term, ...]]] = []
        for key, terms in table.items():
            # keys start with a space: the automaton only reports matches at a word start,
            # so short terms ("IA", "CSU") do not fire inside every word that contains them
            fixed = tuple(_Term(t.owner, t.kind, t.prefix, t.length + 1) for t in terms)
            # after a space; right after punctuation, "(vidéoprotection"; right after a
            # sentence end, ".Vidéoprotection"
            keyed += [(start + key, fixed) for start in (" ", BREAK, END)]
        self._automaton = KeyAutomaton(keyed)
        self._n_patterns = len(table)  # folded keys (each added after a space, BREAK and END)

    @property
    def pattern_count(self) -> int:
        """Number of folded patterns in the automaton (terms and their variants)."""
        return self._n_patterns

    def _scan(
        self, folded: str, field_index: int, seen: _Seen, doc: str | None
    ) -> tuple[list[_Match], int | None]:
        """Matches of one folded field; ``requires``/``context`` terms go to ``seen``. Returns
        the position where the match budget stopped the scan, or None if it read everything."""
        out: list[_Match] = []
        if not folded:
            return out, None
        n = len(folded)
        budget = MAX_MATCHES_PER_FIELD
        for end, terms in self._automaton.matches(" " + folded):
            # ``end`` indexes ``folded``: the padded text is one character longer
            after = folded[end] if end < n else " "
            ends_word = not (after.isalnum() or after == FFFD)
            if not ends_word and after in "sx":  # a plural "s"/"x" still ends the word
                nxt = folded[end + 1] if end + 1 < n else " "
                ends_word = not (nxt.isalnum() or nxt == FFFD)
            for term in terms:
                if not ends_word and not term.prefix:
                    last = folded[end - 1]
                    if last.isalnum() or last == FFFD:
                        continue
                if term.kind in _EXISTENCE:
                    _see(seen, term, field_index, doc)
                    continue
                out.append(_Match(term, field_index, end - term.length + 1, end))
            if len(out) > budget:
                return out, end
        return out, None

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
        seen = _Seen()
        partial: list[str] = []
        for i, f in enumerate(folded):
            found, stopped_at = self._scan(f, i, seen, texts[i].document)
            matches.extend(found)
            if stopped_at is not None:
                partial.append(_budget_note(texts[i], stopped_at, len(f)))
                log.warning(
                    "rules_budget field=%s page=%s at=%d", texts[i].field, texts[i].page, stopped_at
                )
        applied = apply_conditions(self, matches, seen, folded, texts)
        decision = self._decide(applied.kept, texts, folded)
        if applied.neutralised or partial:
            neutralised = self._hits([m for m, _ in applied.neutralised], texts, folded)
            decision = replace(
                decision,
                neutralised=tuple(
                    replace(h, rule=f"{h.rule} (neutralised by {self.negations[neg].id})")
                    for h, (_, neg) in zip(neutralised, applied.neutralised, strict=True)
                ),
                partial=bool(partial),
                partial_reason="; ".join(partial),
            )
        return decision

    def applies(self, excl: Exclusion, rule: Rule) -> bool:
        """Does exclusion ``excl`` reach the hits of ``rule``?"""
        return (
            "*" in excl.applies_to or rule.id in excl.applies_to or rule.category in excl.applies_to
        )

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
        hits = self._hits(quoted, texts, folded)
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

    def _hits(
        self, matches: Sequence[_Match], texts: Sequence[TextField], folded: Sequence[str]
    ) -> list[Hit]:
        """One explained hit per match: the rule, where, the matched words as written (with
        their offsets in the field) and the original text around them."""
        reach = {m.field_index for m in matches}
        offsets = {i: fold_with_offsets(texts[i].text[:MAX_FIELD_CHARS]) for i in reach}
        hits: list[Hit] = []
        for m in matches:
            rule = self.rules[m.term.owner]
            tf = texts[m.field_index]
            stop = word_end(folded[m.field_index], m.end, whole_word=m.term.prefix)
            start, end = offsets[m.field_index].span(m.start, stop)
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
        return hits

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
        for neg in self.negations:
            for text in neg.examples:
                if self.explain(text).flagged:
                    failures.append(f"{neg.id}: should leave unflagged: {text!r}")
            for text in neg.examples_kept:
                if not self.explain(text).flagged:
                    failures.append(f"{neg.id}: should still flag: {text!r}")
        return failures

    def explain(self, text: str, field_name: str = "description") -> Decision:
        """Evaluate one free text as a single field."""
        return self.evaluate([TextField(field_name, text)])


def _see(seen: _Seen, term: _Term, field_index: int, doc: str | None) -> None:
    if term.kind == "requires":
        seen.requires.add(term.owner)
    else:
        seen.context_any.add(term.owner)
        seen.context_fields.add((term.owner, field_index))
        seen.context_docs.add((term.owner, doc))


def _budget_note(tf: TextField, stopped_at: int, length: int) -> str:
    where = tf.field + (f" p.{tf.page}" if tf.page is not None else "")
    return (
        f"{where}: match budget ({MAX_MATCHES_PER_FIELD}) reached at character "
        f"{stopped_at} of {length}"
    )


@lru_cache(maxsize=1)
def default_ruleset() -> RuleSet:
    """The rules shipped in ``extract/rules`` (loaded once per process)."""
    return RuleSet.load()
