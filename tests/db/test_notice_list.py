"""The notice list's filters: values outside their closed sets are refused in one line that
names the valid ones (the CLI, the desk and the digests build the same filters)."""

from __future__ import annotations

import pytest

from db.notice_list import NoticeFilters, decode_cursor, encode_cursor
from vocabulary.errors import FilterError, VeilleurError
from vocabulary.terms import VERDICTS


def test_unknown_verdict_lists_the_valid_ones() -> None:
    with pytest.raises(FilterError, match=r"unknown verdict 'maybe' \(valid: new, relevant, "):
        NoticeFilters(verdict="maybe")


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(FilterError, match="unknown kind 'tenders'"):
        NoticeFilters(kind="tenders")


def test_filter_error_is_a_veilleur_error() -> None:
    assert issubclass(FilterError, VeilleurError)


def test_error_is_one_line() -> None:
    with pytest.raises(FilterError) as caught:
        NoticeFilters(category="cctv")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("verdict", VERDICTS)
def test_every_verdict_is_accepted(verdict: str) -> None:
    assert NoticeFilters(verdict=verdict).verdict == verdict


def test_source_outside_the_known_ones_is_refused() -> None:
    with pytest.raises(FilterError, match=r"unknown source 'bomp' \(valid: boamp, ted\)"):
        NoticeFilters(source="bomp").require_known_source({"ted", "boamp"})


def test_undated_cursor_round_trips() -> None:
    assert decode_cursor(encode_cursor(None, 7)) == (None, 7)
