"""The second opinion: trained on real labelled texts, scored without scikit-learn with the
probabilities scikit-learn gives, explained by words; candidate rule terms."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from extract.corpus import load_record
from extract.second_opinion import Model, ModelError, load_model
from extract.second_opinion_train import TrainingSet, _vectorizers, rank, train
from extract.term_mining import candidate_terms
from extract.text import fold

FOUND = Path(__file__).parents[1] / "fixtures" / "rules_labels"


def _tune_texts() -> tuple[list[str], list[int]]:
    with (FOUND / "split.csv").open(encoding="utf-8") as fh:
        tune = {r["record_id"] for r in csv.DictReader(fh) if r["part"] == "TUNE"}
    texts, labels = [], []
    with (FOUND / "labels_found.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["record_id"] in tune:
                record = load_record(FOUND, r["file"], r["record_id"])
                texts.append(" ".join(f.text for f in record.fields))
                labels.append(int(r["flag"]))
    return texts, labels


@pytest.fixture(scope="module")
def trained() -> tuple[Model, list[str], list[int]]:
    texts, labels = _tune_texts()
    return train(TrainingSet(texts, labels, {"found": len(texts)})), texts, labels


def test_scores_without_scikit_learn_equal_its_probabilities(trained) -> None:
    from scipy.sparse import hstack
    from sklearn.linear_model import LogisticRegression

    model, texts, labels = trained
    words, chars = _vectorizers(20_000, 40_000)
    x = hstack([words.fit_transform(texts), chars.fit_transform(texts)]).tocsr()
    fitted = LogisticRegression(C=4.0, class_weight="balanced", max_iter=3000).fit(x, labels)
    ours = np.array([model.score(t).probability for t in texts])
    assert np.abs(fitted.predict_proba(x)[:, 1] - ours).max() < 1e-3


def test_model_survives_its_json(trained, tmp_path: Path) -> None:
    model, texts, _ = trained
    path = tmp_path / "m.json"
    path.write_text(json.dumps(model.to_json()), encoding="utf-8")
    assert load_model(path).score(texts[0]) == model.score(texts[0])


def test_relevant_texts_rank_first(trained) -> None:
    model, texts, labels = trained
    order = rank(model, texts)
    top = [labels[i] for i in order[: sum(labels) // 2]]
    assert all(top)


def test_explanation_names_words_of_the_text(trained) -> None:
    model, texts, labels = trained
    text = texts[labels.index(1)]
    opinion = model.score(text)
    folded = fold(text)
    assert opinion.words and all(w in folded for w, _ in opinion.words)
    assert all(weight > 0 for _, weight in opinion.words)


def test_training_needs_both_labels() -> None:
    with pytest.raises(ValueError, match="relevant and not relevant"):
        train(TrainingSet(["caméras", "vidéoprotection"], [1, 1], {}))


def test_missing_model_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="cannot read second-opinion model"):
        load_model(tmp_path / "none.json")


def test_not_a_model(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text('{"format": "other"}', encoding="utf-8")
    with pytest.raises(ModelError, match="not a second-opinion model"):
        load_model(path)


def test_candidate_terms_are_shared_by_the_missed_texts() -> None:
    missed = [
        "La gendarmerie achète des micro-drones tactiques pour l'observation",
        "appel d'offres de la gendarmerie : micro-drones tactiques et formation",
    ]
    background = ["Fourniture de micro-ordinateurs pour la médiathèque", "drones agricoles"]
    phrases = [c.phrase for c in candidate_terms(missed, background)]
    assert "drones tactiques" in phrases


def test_candidate_terms_leave_out_covered_phrases() -> None:
    missed = ["micro-drones tactiques", "des micro-drones tactiques"]
    phrases = [
        c.phrase for c in candidate_terms(missed, [], covered=lambda p: p == "drones tactiques")
    ]
    assert "drones tactiques" not in phrases
