"""What a record's digest depends on (crawler.base_spiders.unchanged): each input changes it,
and nothing else does."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

from crawler.base_spiders.unchanged import code_fingerprint, parsing_fingerprint, record_digest
from tests.crawling import demo_records

RECORD = demo_records()[0]
FINGERPRINT = parsing_fingerprint([("dataset", "boamp")], "rules@1")


def test_the_same_record_has_the_same_digest() -> None:
    assert record_digest(copy.deepcopy(RECORD), FINGERPRINT) == record_digest(RECORD, FINGERPRINT)


def test_a_field_the_parser_ignores_still_changes_the_digest() -> None:
    changed = dict(RECORD, some_field_no_parser_reads="x")
    assert record_digest(changed, FINGERPRINT) != record_digest(RECORD, FINGERPRINT)


def test_a_changed_deep_value_changes_the_digest() -> None:
    changed = copy.deepcopy(RECORD)
    changed["donnees"] = changed["donnees"].replace("a", "b", 1)
    assert record_digest(changed, FINGERPRINT) != record_digest(RECORD, FINGERPRINT)


def test_a_number_orjson_cannot_write_still_has_a_digest() -> None:
    # Python's json reader (TED's search answers) keeps a long integer whole
    huge = dict(RECORD, count=10**30)
    assert record_digest(huge, FINGERPRINT) != record_digest(dict(RECORD, count=1), FINGERPRINT)


def test_a_record_no_writer_can_write_has_no_digest() -> None:
    deep: dict[str, object] = {}
    for _ in range(5000):  # past orjson's nesting limit and Python's recursion limit
        deep = {"x": deep}
    assert record_digest(dict(RECORD, deep=deep), FINGERPRINT) is None


def test_digesting_leaves_no_copy_inside_a_long_text() -> None:
    # a notice in flight keeps its record's strings: writing one out with orjson would make
    # CPython keep a UTF-8 copy inside it (2 more bytes per accented letter) for its life
    text = RECORD["donnees"]
    record = dict(RECORD, donnees=text[:1] + text[1:])  # a new string, never written out yet
    size = sys.getsizeof(record["donnees"])
    record_digest(record, FINGERPRINT)
    assert sys.getsizeof(record["donnees"]) == size


def test_a_long_text_under_another_field_changes_the_digest() -> None:
    moved = dict(RECORD, donnees=None, other=RECORD["donnees"])
    assert record_digest(moved, FINGERPRINT) != record_digest(dict(RECORD, other=None), FINGERPRINT)


def test_a_long_text_with_a_lone_surrogate_has_a_digest() -> None:
    # Python's json reader keeps an unpaired \ud800 escape as a lone surrogate
    odd = dict(RECORD, donnees=RECORD["donnees"] + "\ud800")
    assert record_digest(odd, FINGERPRINT) not in (None, record_digest(RECORD, FINGERPRINT))


def test_another_rules_version_changes_the_digest() -> None:
    other = parsing_fingerprint([("dataset", "boamp")], "rules@2")
    assert record_digest(RECORD, other) != record_digest(RECORD, FINGERPRINT)


def test_another_declaration_changes_the_digest() -> None:
    other = parsing_fingerprint([("dataset", "boamp"), ("where", "x")], "rules@1")
    assert record_digest(RECORD, other) != record_digest(RECORD, FINGERPRINT)


def test_the_declaration_order_does_not_matter() -> None:
    one = parsing_fingerprint([("a", 1), ("b", [2])], "r")
    assert one == parsing_fingerprint([("b", [2]), ("a", 1)], "r")


def _package(tmp_path: Path) -> Path:
    folder = tmp_path / "spiders"
    folder.mkdir()
    (folder / "boamp.py").write_text("X = 1\n", encoding="utf-8")
    (folder / "portals.toml").write_text("[[opendatasoft]]\n", encoding="utf-8")
    return folder


def test_editing_a_parser_changes_the_code_fingerprint(tmp_path: Path) -> None:
    folder = _package(tmp_path)
    before = code_fingerprint([folder])
    (folder / "boamp.py").write_text("X = 2\n", encoding="utf-8")
    assert code_fingerprint([folder]) != before


def test_editing_a_config_entry_changes_the_code_fingerprint(tmp_path: Path) -> None:
    folder = _package(tmp_path)
    before = code_fingerprint([folder])
    (folder / "portals.toml").write_text("[[opendatasoft]]\nname = 'x'\n", encoding="utf-8")
    assert code_fingerprint([folder]) != before


def test_compiled_files_leave_the_code_fingerprint_alone(tmp_path: Path) -> None:
    folder = _package(tmp_path)
    before = code_fingerprint([folder])
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "boamp.cpython-311.py").write_text("Y = 1\n", encoding="utf-8")
    (folder / "notes.txt").write_text("anything\n", encoding="utf-8")
    assert code_fingerprint([folder]) == before
