"""Training the second-opinion model (needs scikit-learn; scoring does not).

Input: texts with a label (1 relevant, 0 not): labelled corpus texts and analysts' verdicts.
Output: a :class:`extract.second_opinion.Model` (JSON-serialisable). The features are those of
:mod:`extract.second_opinion`, passed to scikit-learn as analyzers, so a model scored without
scikit-learn gives the probabilities scikit-learn would.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from extract.second_opinion import FORMAT, Model, char_features, word_features

__all__ = ["TrainingSet", "rank", "train"]


@dataclass
class TrainingSet:
    """Texts, their labels, and where they came from (kept in the model file)."""

    texts: list[str]
    labels: list[int]
    sources: dict[str, int]


def _vectorizers(max_words: int, max_chars: int) -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    # min_df 2: a word seen once tells nothing general; sublinear tf: a long CCTP repeating
    # "caméra" 200 times is not 200 times as relevant
    words = TfidfVectorizer(
        analyzer=word_features, min_df=2, sublinear_tf=True, max_features=max_words
    )
    chars = TfidfVectorizer(
        analyzer=char_features, min_df=2, sublinear_tf=True, max_features=max_chars
    )
    return words, chars


def train(
    data: TrainingSet,
    *,
    c: float = 4.0,
    max_words: int = 20_000,
    max_chars: int = 40_000,
    threshold: float | None = None,
) -> Model:
    """Fit the model on ``data`` (both labels must be present).

    ``threshold`` (the score from which the desk lists a notice "à vérifier"), unless given, is
    the 95th percentile of the cross-validated scores of the not-relevant texts (at least 0.5):
    at most about one not-relevant notice in twenty of the kind trained on is listed."""
    from scipy.sparse import hstack
    from sklearn.linear_model import LogisticRegression

    if len(set(data.labels)) < 2:
        raise ValueError("training needs relevant and not relevant texts")
    words, chars = _vectorizers(max_words, max_chars)
    x = hstack([words.fit_transform(data.texts), chars.fit_transform(data.texts)]).tocsr()
    # balanced: relevant notices are rare (under 1 % of a night's crawl)
    fitted = LogisticRegression(C=c, class_weight="balanced", max_iter=3000).fit(x, data.labels)
    if threshold is None:
        threshold = _threshold(x, data.labels, c)
    coef = fitted.coef_[0]
    blocks: dict[str, dict[str, dict[str, float]]] = {}
    offset = 0
    for name, vec in (("word", words), ("char", chars)):
        vocab: dict[str, int] = vec.vocabulary_
        idf = vec.idf_
        blocks[name] = {
            "idf": {f: round(float(idf[i]), 6) for f, i in vocab.items()},
            "coef": {
                f: round(float(coef[offset + i]), 6) for f, i in vocab.items() if coef[offset + i]
            },
        }
        offset += len(vocab)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Model(
        {
            "format": FORMAT,
            "version": f"second-opinion@{stamp}",
            "intercept": float(fitted.intercept_[0]),
            "threshold": threshold,
            "trained_on": {
                "texts": len(data.texts),
                "relevant": int(sum(data.labels)),
                **{f"from {k}": v for k, v in data.sources.items()},
            },
            "blocks": blocks,
        }
    )


def _threshold(x: Any, labels: list[int], c: float) -> float:
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    folds = min(5, min(labels.count(0), labels.count(1)))
    if folds < 2:
        return 0.5
    scores = cross_val_predict(
        LogisticRegression(C=c, class_weight="balanced", max_iter=3000),
        x,
        labels,
        cv=StratifiedKFold(folds, shuffle=True, random_state=0),
        method="predict_proba",
    )[:, 1]
    negatives = scores[np.array(labels) == 0]
    return round(max(0.5, float(np.quantile(negatives, 0.95))), 4)


def rank(model: Model, texts: Sequence[str]) -> list[int]:
    """Indices of ``texts`` from the likeliest relevant to the least."""
    scores = [model.score(t, top=0).probability for t in texts]
    return sorted(range(len(texts)), key=lambda i: -scores[i])
