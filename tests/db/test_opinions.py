"""The second opinion in the database, on SQLite and PostgreSQL: what is scored, what is kept,
what the desk lists, and the texts analysts judged."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from db.notice_list import NoticeFilters, notice_page
from db.opinions import judged_texts, notices_to_score, opinions_for, replace_opinions
from tests.factories import add_verdict, decision, notice_item, seed_verdicts, store
from vocabulary.decision import Hit

pytestmark = pytest.mark.pg_reuse


def _stored(session: Session, key: str, title: str, flagged: bool):
    hits = [Hit("videosurveillance.terms", "v", "videosurveillance", "title", title, 1.0)]
    item = notice_item(source="boamp", source_id=key, title=title)
    return store(session, item, decision(*hits) if flagged else decision())


def _opinion(notice_id: int, score: float, version: str = "m1") -> dict:
    return {
        "notice_id": notice_id,
        "score": score,
        "to_check": score >= 0.5,
        "words": [["capteurs", 0.3]],
        "model_version": version,
    }


def test_only_unflagged_notices_are_scored(session: Session) -> None:
    flagged = _stored(session, "a", "Extension de la vidéoprotection", True)
    quiet = _stored(session, "b", "Capteurs sonores dans le quartier", False)
    ids = [i for i, _ in notices_to_score(session, "m1")]
    assert quiet.id in ids and flagged.id not in ids


def test_a_scored_notice_is_not_scored_again_by_the_same_model(session: Session) -> None:
    quiet = _stored(session, "b", "Capteurs sonores dans le quartier", False)
    replace_opinions(session, [_opinion(quiet.id, 0.8)])
    assert notices_to_score(session, "m1") == []
    assert [i for i, _ in notices_to_score(session, "m2")] == [quiet.id]


def test_a_new_opinion_replaces_the_old(session: Session) -> None:
    quiet = _stored(session, "b", "Capteurs sonores dans le quartier", False)
    replace_opinions(session, [_opinion(quiet.id, 0.8, "m1")])
    replace_opinions(session, [_opinion(quiet.id, 0.2, "m2")])
    assert opinions_for(session, [quiet.id])[quiet.id].model_version == "m2"


def test_the_desk_lists_notices_to_check(session: Session) -> None:
    likely = _stored(session, "b", "Capteurs sonores dans le quartier", False)
    unlikely = _stored(session, "c", "Fourniture de denrées", False)
    replace_opinions(session, [_opinion(likely.id, 0.8), _opinion(unlikely.id, 0.1)])
    rows = notice_page(session, NoticeFilters(to_check=True)).rows
    assert [r["id"] for r in rows] == [likely.id]


def test_a_flagged_notice_is_never_to_check(session: Session) -> None:
    flagged = _stored(session, "a", "Extension de la vidéoprotection", True)
    replace_opinions(session, [_opinion(flagged.id, 0.9)])
    assert notice_page(session, NoticeFilters(to_check=True)).rows == []


def test_judged_texts_say_relevant_or_not(session: Session) -> None:
    seed_verdicts(session)
    judged = {j.text.split(" \n")[0]: (j.relevant, j.flagged) for j in judged_texts(session)}
    assert judged["Tranquillité publique, plateforme"] == (True, False)
    assert judged["Caméra pour la communication"] == (False, True)


def test_unjudged_notices_are_not_training_texts(session: Session) -> None:
    notice = _stored(session, "d", "Marché de nettoyage", False)
    add_verdict(session, notice, "new")
    assert judged_texts(session) == []
