"""Placeholder rules engine until the rules branch lands (replaced by it wholesale)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from extract.types import Decision, Hit, TextField

__all__ = ["RuleSet", "default_ruleset"]

_TERMS = {
    "videoprotection": "videosurveillance",
    "vidéoprotection": "videosurveillance",
    "vidéosurveillance": "videosurveillance",
    "videosurveillance": "videosurveillance",
}


class RuleSet:
    version = "placeholder@0"

    def evaluate(self, texts: Sequence[TextField]) -> Decision:
        hits = []
        for t in texts:
            for term, cat in _TERMS.items():
                m = re.search(term, t.text, re.I)
                if m:
                    hits.append(
                        Hit(
                            "placeholder",
                            self.version,
                            cat,
                            t.field,
                            t.text[max(0, m.start() - 40) : m.end() + 40],
                            1.0,
                            t.document,
                            t.page,
                        )
                    )
        cats = tuple(sorted({h.category for h in hits}))
        return Decision(bool(hits), float(len(hits)), cats, tuple(hits), self.version)


@lru_cache(maxsize=1)
def default_ruleset() -> RuleSet:
    return RuleSet()
