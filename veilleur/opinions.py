"""Scoring the notices the rules did not flag with the second-opinion model, and training it.

The model file is ``$VEILLEUR_SECOND_OPINION_MODEL`` (default ``var/second_opinion.json``),
written by ``veilleur rules train``. After each night's crawls, and on ``veilleur rules
opinions``, every unflagged notice this model has not scored yet gets a score; those at or
above the model's threshold show in the desk as "à vérifier". No model file: nothing happens.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from extract.second_opinion import Model, ModelError, load_model

__all__ = ["DEFAULT_MODEL", "Scored", "model_path", "score_unflagged", "score_unflagged_if_model"]

log = logging.getLogger(__name__)

DEFAULT_MODEL = Path("var") / "second_opinion.json"


def model_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The model file: ``explicit``, else ``$VEILLEUR_SECOND_OPINION_MODEL``, else the default."""
    chosen = explicit or os.environ.get("VEILLEUR_SECOND_OPINION_MODEL")
    return Path(chosen) if chosen else DEFAULT_MODEL


@dataclass
class Scored:
    scored: int = 0
    to_check: int = 0


def score_unflagged(url: str | None, model: Model) -> Scored:
    """Score every unflagged notice ``model`` has not scored yet; one transaction per batch."""
    from db.opinions import notices_to_score, replace_opinions
    from db.session import session_scope

    result = Scored()
    last = 0
    while True:
        with session_scope(url) as session:
            batch = notices_to_score(session, model.version, after=last)
            if not batch:
                return result
            last = batch[-1][0]
            rows = []
            for notice_id, text in batch:
                opinion = model.score(text)
                to_check = opinion.probability >= model.threshold
                result.to_check += to_check
                rows.append(
                    {
                        "notice_id": notice_id,
                        "score": opinion.probability,
                        "to_check": to_check,
                        "words": [list(w) for w in opinion.words],
                        "model_version": model.version,
                    }
                )
            result.scored += replace_opinions(session, rows)


def score_unflagged_if_model(url: str | None) -> Scored | None:
    """After a night's crawls: score with the model file if there is one; a broken model is
    logged in one line and skipped (the crawls' work is done and kept)."""
    path = model_path()
    if not path.is_file():
        return None
    try:
        model = load_model(path)
    except ModelError as exc:
        log.warning("second_opinion_skipped reason=%s", exc)
        return None
    result = score_unflagged(url, model)
    log.info("second_opinion scored=%d to_check=%d", result.scored, result.to_check)
    return result
