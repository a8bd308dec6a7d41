"""Coercion of raw values: bad values become None plus a warning."""

from __future__ import annotations

from datetime import UTC, date, datetime

from crawler.base_spiders.fields import (
    clean_text,
    departement_from_postcode,
    to_date,
    to_datetime,
    to_departements,
    to_float,
    to_str_list,
)


def test_impossible_date_is_none() -> None:
    assert to_date("31/02/2024", "d", []) is None


def test_impossible_date_leaves_a_warning() -> None:
    warnings: list[str] = []
    to_date("31/02/2024", "dateparution", warnings)
    assert warnings == ["dateparution: '31/02/2024' is not a valid date"]


def test_french_date() -> None:
    assert to_date("09/08/2020", "d", []) == date(2020, 8, 9)


def test_iso_datetime_string_gives_its_date() -> None:
    assert to_date("2006-07-21T00:00:00+00:00", "d", []) == date(2006, 7, 21)


def test_datetime_keeps_utc() -> None:
    assert to_datetime("2006-07-21T00:00:00+00:00", "d", []) == datetime(2006, 7, 21, tzinfo=UTC)


def test_nan_is_refused() -> None:
    warnings: list[str] = []
    assert (to_float("NaN", "v", warnings), len(warnings)) == (None, 1)


def test_french_decimal_comma() -> None:
    assert to_float("1 234,5", "v", []) == 1234.5


def test_departement_single_digit_is_padded() -> None:
    assert to_departements(["1"], []) == ["01"]


def test_corsica_boamp_code_becomes_insee() -> None:
    assert to_departements(["20B"], []) == ["2B"]


def test_overseas_departement_kept() -> None:
    assert to_departements("974", []) == ["974"]


def test_bad_departement_warns() -> None:
    warnings: list[str] = []
    to_departements(["Paris"], warnings)
    assert len(warnings) == 1


def test_control_characters_removed() -> None:
    assert clean_text("caméra\x00\x07 ") == "caméra"


def test_str_list_splits_and_dedupes() -> None:
    assert to_str_list("a, b;a") == ["a", "b"]


def test_corsican_postcode() -> None:
    assert departement_from_postcode("20200") == "2B"
