"""Measuring rules on labelled texts: precision and recall per category, and confusion.

Pure: labelled rows and the rules' decisions in, figures out (``veilleur rules eval`` prints them).
A row carries the labelled categories; a decision carries the predicted ones. Precision and
recall are given overall (flagged or not) and per category (a text counts for every category it
is labelled with or predicted in). The confusion table says, for texts labelled with a category,
which categories the rules gave them ("none" when not flagged), so "drones read as
videosurveillance" shows as one cell.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from vocabulary.decision import Decision

__all__ = ["Figures", "LabelledRow", "confusion", "figures"]


@dataclass
class LabelledRow:
    """One labelled text and, once scored, the rules' decision on it."""

    file: str
    record_id: str
    title: str
    flag: bool
    categories: set[str]
    borderline: bool
    decision: Decision | None = None
    error: str = ""
    part: str = ""  # TUNE or CHECK when a split file is given
    new_event: bool = False  # a CHECK row whose event has no TUNE row
    source: str = ""  # the labels file it came from

    @property
    def predicted(self) -> set[str]:
        return set(self.decision.categories) if self.decision else set()


@dataclass
class Figures:
    """Counts and the precision, recall and F1 they give."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    support: int = field(default=0)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self, name: str) -> str:
        return (
            f"{name:<28} P={self.precision:.3f} R={self.recall:.3f} F1={self.f1:.3f}  "
            f"(tp={self.tp} fp={self.fp} fn={self.fn})"
        )


def figures(rows: Sequence[LabelledRow], category: str | None = None) -> Figures:
    """Flagged-or-not figures (``category`` None) or one category's, over scored rows."""
    out = Figures()
    for row in rows:
        if row.decision is None:
            continue
        if category is None:
            truth, pred = row.flag, row.decision.flagged
        else:
            truth = row.flag and category in row.categories
            pred = category in row.decision.categories
        out.tp += truth and pred
        out.fp += pred and not truth
        out.fn += truth and not pred
        out.support += truth
    return out


def confusion(rows: Sequence[LabelledRow]) -> dict[str, Counter[str]]:
    """For each labelled category, how often the rules gave each category (or "none")."""
    table: dict[str, Counter[str]] = {}
    for row in rows:
        if row.decision is None or not row.flag:
            continue
        predicted = row.predicted or {"none"}
        for truth in row.categories:
            table.setdefault(truth, Counter()).update(predicted)
    return table
