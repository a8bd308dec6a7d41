"""Candidate rule terms: phrases that relevant texts the rules missed share, and others lack.

Each word 1- to 3-gram of the folded texts is scored by the log-odds ratio between the missed
texts and the background, with an informative Dirichlet prior (the pooled counts), divided by
its standard deviation (Monroe, Colaresi & Quinn 2008, "Fightin' Words", section 3.5): frequent
and specific phrases come first, rare flukes do not. Phrases made only of function words,
numbers, phrases met in a single text, and phrases a rule already finds are left out.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from extract.text import fold

__all__ = ["Candidate", "candidate_terms"]

_WORD_RE = re.compile(r"[^\W\d_]{2,}")
#: French function words (and a few ubiquitous notice words) that never make a rule term alone
STOP = frozenset(
    [
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "cette",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "en",
        "et",
        "eux",
        "il",
        "ils",
        "je",
        "la",
        "le",
        "les",
        "leur",
        "lui",
        "ma",
        "mais",
        "me",
        "meme",
        "mes",
        "moi",
        "mon",
        "ne",
        "nos",
        "notre",
        "nous",
        "on",
        "ou",
        "par",
        "pas",
        "pour",
        "qu",
        "que",
        "qui",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "est",
        "sont",
        "ete",
        "etre",
        "avoir",
        "ont",
        "fait",
        "plus",
        "comme",
        "tout",
        "tous",
        "aussi",
        "bien",
        "deja",
        "dont",
        "ainsi",
        "entre",
        "apres",
        "avant",
        "depuis",
        "sans",
        "sous",
        "lors",
        "selon",
        "chez",
        "vers",
        "si",
        "afin",
        "cela",
        "celle",
        "ceux",
        "ici",
        "la",
        "ya",
        "date",
        "le",
        "la",
        "les",
        "pour",
        "marche",
        "public",
        "publics",
        "avis",
        "ville",
        "commune",
    ]
)


@dataclass(frozen=True)
class Candidate:
    phrase: str
    z: float
    documents: int
    example: str


def _grams(folded: str) -> list[str]:
    words = _WORD_RE.findall(folded)
    out = []
    for n in (1, 2, 3):
        for i in range(len(words) - n + 1):
            gram = words[i : i + n]
            if all(w in STOP for w in gram) or gram[0] in STOP or gram[-1] in STOP:
                continue
            out.append(" ".join(gram))
    return out


def candidate_terms(
    missed: Sequence[str],
    background: Sequence[str],
    covered: Callable[[str], bool] | None = None,
    top: int = 30,
) -> list[Candidate]:
    """The ``top`` phrases of ``missed`` most specific against ``background``; ``covered``
    says whether a rule already finds a phrase (those are left out)."""
    target: Counter[str] = Counter()
    docs: Counter[str] = Counter()
    example: dict[str, str] = {}
    for text in missed:
        grams = _grams(fold(text))
        target.update(grams)
        for g in set(grams):
            docs[g] += 1
            example.setdefault(g, text)
    other: Counter[str] = Counter()
    for text in background:
        other.update(_grams(fold(text)))
    prior = target + other
    a0 = sum(prior.values()) or 1
    n1, n2 = sum(target.values()) or 1, sum(other.values()) or 1
    scored = []
    for g, y1 in target.items():
        if docs[g] < 2:
            continue
        a = prior[g] * 0.01 + 0.01
        y2 = other.get(g, 0)
        l1 = math.log((y1 + a) / (n1 + a0 * 0.01 - y1 - a))
        l2 = math.log((y2 + a) / (n2 + a0 * 0.01 - y2 - a))
        z = (l1 - l2) / math.sqrt(1 / (y1 + a) + 1 / (y2 + a))
        scored.append((z, g))
    out: list[Candidate] = []
    for z, g in sorted(scored, reverse=True):
        if covered is not None and covered(g):
            continue  # a rule already finds this phrase
        out.append(Candidate(g, round(z, 2), docs[g], _around(example[g], g)))
        if len(out) >= top:
            break
    return out


def _around(text: str, phrase: str) -> str:
    """A short passage of ``text`` near the first word of ``phrase``."""
    first = phrase.split(" ")[0]
    folded = fold(text)
    pos = folded.find(first)
    flat = " ".join(text.split())
    if pos < 0:
        return flat[:120]
    start = max(0, int(pos * len(flat) / max(1, len(folded))) - 40)
    return flat[start : start + 120]
