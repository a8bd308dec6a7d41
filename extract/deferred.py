"""The rules' decision on a notice, computed the first time it is read.

The store reads only ``rules_version`` for a notice whose content and rules are unchanged, so an
unchanged re-crawl never runs the rules (they were the largest cost of a second crawl). The
object holds the texts and the rules' version only, never the rules themselves: it is pickled
to the crawl's writer process, which evaluates it with its own copy of the shipped rules
(:func:`extract.rules.default_ruleset`, loaded once per process).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vocabulary.decision import Decision, TextField

__all__ = ["DeferredDecision"]


class DeferredDecision:
    """``Decision``'s attributes, read through to a decision computed on first use."""

    __slots__ = ("_decision", "_read", "_texts", "rules_version")

    def __init__(self, rules_version: str, texts: Sequence[TextField]) -> None:
        self.rules_version = rules_version
        self._texts: list[TextField] | None = list(texts)
        self._decision: Decision | None = None
        self._read = False

    @property
    def evaluated(self) -> bool:
        """True once the rules have run on it, here or before it was pickled."""
        return self._decision is not None

    @property
    def read(self) -> bool:
        """True once one of the decision's fields was read (by the store, for a notice it
        writes); the rules may have run earlier, ahead of need (``crawler.pipelines.core``)."""
        return self._read

    def resolve(self) -> Decision:
        if self._decision is None:
            from extract.rules import default_ruleset

            ruleset = default_ruleset()
            if ruleset.version != self.rules_version:  # another process, other rules: refuse
                raise RuntimeError(
                    f"rules {ruleset.version} here, the notice was read for {self.rules_version}"
                )
            self._decision = ruleset.evaluate(self._texts or [])
            self._texts = None
        return self._decision

    def __getattr__(self, name: str) -> Any:
        # only the decision's public fields read through; a private or dunder name (pickle
        # probes __setstate__ on an instance whose slots are still empty) is not ours
        if name.startswith("_"):
            raise AttributeError(name)
        self._read = True
        return getattr(self.resolve(), name)

    def __getstate__(self) -> tuple[str, list[TextField] | None, Decision | None]:
        return (self.rules_version, self._texts, self._decision)

    def __setstate__(self, state: tuple[str, list[TextField] | None, Decision | None]) -> None:
        self.rules_version, self._texts, self._decision = state
        self._read = False  # read where it is used: the writer process reads its own copy
