"""A second opinion on notices the rules did not flag: a linear model over words and letters.

The rules flag; this model never does. It ranks the notices the rules left unflagged by how much
they look like notices analysts found relevant, so the desk can show the likeliest as "à
vérifier", each with the words that weighed most. It is a logistic regression over TF-IDF
features of the folded text (:func:`extract.text.fold`): word uni- and bigrams, and letter 3- to
5-grams inside words (robust to OCR, typos and the endings of French words).

Training needs scikit-learn (:mod:`extract.second_opinion_train`); scoring does not: the model
is a JSON file of vocabularies, idf weights and coefficients, read by :class:`Model` and applied
here with the same feature functions the training used, so scores agree with scikit-learn's.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from extract.text import fold

__all__ = [
    "FORMAT",
    "Model",
    "ModelError",
    "Opinion",
    "char_features",
    "load_model",
    "word_features",
]

FORMAT = "veilleur-second-opinion/1"
_WORD_RE = re.compile(r"[^\W_]{2,}")
_DIGITS_RE = re.compile(r"\d+")


class ModelError(ValueError):
    """Raised when a model file is missing, unreadable, or not a second-opinion model."""


def _words(folded: str) -> list[str]:
    return [w for w in _WORD_RE.findall(folded) if not _DIGITS_RE.fullmatch(w)]


def _word_grams(words: list[str]) -> list[str]:
    return words + [f"{a} {b}" for a, b in pairwise(words)]


def _char_grams(word: str) -> list[str]:
    padded = f" {word} "
    return [padded[i : i + n] for n in (3, 4, 5) for i in range(len(padded) - n + 1)]


def word_features(text: str) -> list[str]:
    """Word unigrams and bigrams of the folded text (numbers left out)."""
    return _word_grams(_words(fold(text)))


def char_features(text: str) -> list[str]:
    """Letter 3- to 5-grams inside each word, the word padded with a space on both sides."""
    return [g for word in _words(fold(text)) for g in _char_grams(word)]


_FEATURES = {"word": word_features, "char": char_features}


def _features(block: str, words: list[str]) -> tuple[Counter[str], dict[str, set[str]]]:
    """Feature counts of one block and, for each feature, the words it comes from."""
    counts: Counter[str] = Counter()
    source: dict[str, set[str]] = defaultdict(set)
    if block == "word":
        for gram in _word_grams(words):
            counts[gram] += 1
            source[gram].update(gram.split(" "))
    else:
        for word in words:
            for gram in _char_grams(word):
                counts[gram] += 1
                source[gram].add(word)
    return counts, source


@dataclass(frozen=True)
class Opinion:
    """The model's probability that a notice is relevant, and the words that weighed most."""

    probability: float
    words: tuple[tuple[str, float], ...]
    model_version: str


@dataclass(frozen=True)
class _Block:
    idf: dict[str, float]
    coef: dict[str, float]


class Model:
    """A trained second-opinion model (see :func:`load_model`)."""

    def __init__(self, data: dict[str, Any]) -> None:
        if data.get("format") != FORMAT:
            raise ModelError(f"not a second-opinion model (format {data.get('format')!r})")
        try:
            self.version = str(data["version"])
            self.intercept = float(data["intercept"])
            self.threshold = float(data.get("threshold", 0.5))
            self.trained_on = dict(data.get("trained_on", {}))
            self._blocks = {
                name: _Block(dict(block["idf"]), dict(block["coef"]))
                for name, block in data["blocks"].items()
            }
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"malformed second-opinion model: {exc}") from exc
        unknown = set(self._blocks) - set(_FEATURES)
        if unknown:
            raise ModelError(f"unknown feature blocks {sorted(unknown)}")

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": self.version,
            "intercept": self.intercept,
            "threshold": self.threshold,
            "trained_on": self.trained_on,
            "blocks": {n: {"idf": b.idf, "coef": b.coef} for n, b in self._blocks.items()},
        }

    def score(self, text: str, top: int = 8) -> Opinion:
        """Probability that ``text`` is relevant, with the ``top`` words that pushed it up."""
        logit = self.intercept
        by_word: dict[str, float] = defaultdict(float)
        words = _words(fold(text))
        for name, block in self._blocks.items():
            counts, source = _features(name, words)
            weights = {
                f: (1.0 + math.log(n)) * block.idf[f] for f, n in counts.items() if f in block.idf
            }
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            for feature, weight in weights.items():
                contribution = block.coef.get(feature, 0.0) * weight / norm
                logit += contribution
                holders = source[feature]
                for word in holders:  # a feature's weight, shared by the words it comes from
                    by_word[word] += contribution / len(holders)
        probability = 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, logit))))
        best = sorted(((w, c) for w, c in by_word.items() if c > 0), key=lambda x: -x[1])
        return Opinion(
            round(probability, 4), tuple((w, round(c, 4)) for w, c in best[:top]), self.version
        )

    def scores(self, texts: Iterable[str], top: int = 8) -> list[Opinion]:
        return [self.score(t, top) for t in texts]


def load_model(path: Path) -> Model:
    """Read a model file; raise :class:`ModelError` with one line if it cannot be used."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ModelError(f"cannot read second-opinion model {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise ModelError(f"second-opinion model {path} is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ModelError(f"second-opinion model {path} is not a JSON object")
    return Model(data)
