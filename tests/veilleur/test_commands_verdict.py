"""``veilleur verdict``: the desk's rules and trail from the command line."""

from __future__ import annotations

from click.testing import CliRunner

from db.models import Review, ReviewHead
from db.session import session_scope
from tests.factories import add_verdict, decision, notice_item, store
from veilleur.cli import cli
from vocabulary.decision import Hit

RULE = "videosurveillance.terms"


def _stored(url: str) -> int:
    hit = Hit(RULE, "1", "videosurveillance", "title", "Vidéoprotection", 1.0)
    with session_scope(url) as s:
        return store(s, notice_item(source="boamp", source_id="V-1"), decision(hit)).id


def _run(url: str, *args: str):
    return CliRunner().invoke(cli, ["verdict", *args, "--database-url", url])


def test_verdict_joins_the_trail(sqlite_url: str) -> None:
    nid = _stored(sqlite_url)
    _run(sqlite_url, "boamp:V-1", "relevant", "--public-note", "confirmé")
    with session_scope(sqlite_url) as s:
        head = s.get(ReviewHead, nid)
        assert (head.verdict, s.get(Review, head.review_id).public_note) == ("relevant", "confirmé")


def test_not_relevant_needs_the_rule_and_why(sqlite_url: str) -> None:
    _stored(sqlite_url)
    result = _run(sqlite_url, "boamp:V-1", "not_relevant", "--note", "hors sujet")
    assert result.exit_code == 2 and "Say which rule misfired." in result.output


def test_not_relevant_with_rule_and_note_is_saved(sqlite_url: str) -> None:
    nid = _stored(sqlite_url)
    _run(sqlite_url, str(nid), "not_relevant", "--rule", RULE, "--note", "alarme incendie")
    with session_scope(sqlite_url) as s:
        assert s.get(ReviewHead, nid).verdict == "not_relevant"


def test_a_verdict_since_seen_is_refused(sqlite_url: str) -> None:
    nid = _stored(sqlite_url)
    with session_scope(sqlite_url) as s:
        add_verdict(s, nid, "relevant")
    result = _run(sqlite_url, str(nid), "follow_up", "--seen", "none")
    assert result.exit_code == 1 and "not saved: someone recorded relevant" in result.output


def test_unknown_user_is_refused(sqlite_url: str) -> None:
    _stored(sqlite_url)
    result = _run(sqlite_url, "boamp:V-1", "relevant", "--user", "nobody")
    assert result.exit_code == 2 and "no active user 'nobody'" in result.output


def test_public_note_kept_when_not_given(sqlite_url: str) -> None:
    nid = _stored(sqlite_url)
    _run(sqlite_url, str(nid), "relevant", "--public-note", "caméras LAPI")
    _run(sqlite_url, str(nid), "follow_up")
    with session_scope(sqlite_url) as s:
        assert s.get(Review, s.get(ReviewHead, nid).review_id).public_note == "caméras LAPI"


def test_unknown_category_for_a_group_lists_the_valid_ones(sqlite_url: str) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "groups",
            "add",
            "x",
            "--all-territory",
            "--recipient",
            "a@example.org",
            "--category",
            "dronez",
        ],
        env={"DATABASE_URL": sqlite_url},
    )
    assert (
        result.exit_code == 2
        and "'dronez' is not one of" in result.output
        and "'drones'" in result.output
    )
