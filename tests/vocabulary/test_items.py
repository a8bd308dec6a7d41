"""The notice item: one storage key per id however it is spelled, one content hash per content."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

from tests.crawling import ROOT
from tests.factories import boamp_items, notice_item
from vocabulary.items import DocumentRef, normalize_source_id

# -- normalize_source_id ----------------------------------------------------------------------


def test_ids_differing_by_case_and_spaces_are_one_key() -> None:
    assert normalize_source_id(" bwp06 1840703432 ") == normalize_source_id("BWP061840703432")


def test_key_has_no_whitespace_of_any_kind() -> None:
    # a non-breaking space and a tab, as copied from a web page or a spreadsheet
    assert normalize_source_id("20-\u00a0100747\t") == "20-100747"


def test_compatibility_forms_fold_to_one_key() -> None:
    # full-width digits and letters (NFKC) spell the same id
    assert normalize_source_id("２０-１００７４７ｂ") == "20-100747B"


def test_item_key_is_the_normalized_source_id() -> None:
    assert notice_item(source_id=" 20-100747b ").key == "20-100747B"


# -- content_hash --------------------------------------------------------------------------


def test_content_hash_ignores_raw() -> None:
    one = notice_item(raw={"a": 1})
    assert one.content_hash() == replace(one, raw={"a": 2}).content_hash()


def test_content_hash_sees_title() -> None:
    one = notice_item(title="t")
    assert one.content_hash() != replace(one, title="t2").content_hash()


def test_content_hash_ignores_where_and_when_it_was_fetched() -> None:
    one = notice_item()
    moved = replace(one, fetched_from="http://127.0.0.1/page=2", warnings=["published_at: '?'"])
    assert one.content_hash() == moved.content_hash()


def test_content_hash_ignores_the_order_of_keys_in_nested_values() -> None:
    one = notice_item(awardees=[{"name": "SNEF", "siret": "1"}])
    two = notice_item(awardees=[{"siret": "1", "name": "SNEF"}])
    assert one.content_hash() == two.content_hash()


def test_content_hash_counts_documents_by_their_links_only() -> None:
    links = [DocumentRef("https://x.fr/rc.pdf"), DocumentRef("https://x.fr/cctp.pdf")]
    read = [
        replace(links[1], sha256="a" * 64, status="ok", page_count=3),
        replace(links[0], fetch_error="http: status 404"),
    ]
    assert notice_item(documents=links).content_hash() == notice_item(documents=read).content_hash()


def test_content_hash_is_the_same_in_another_process() -> None:
    """Stored hashes must match the next crawl's: nothing may depend on the process (string
    hash randomization, set order)."""
    code = (
        "import json; from tests.factories import boamp_items; "
        "print(json.dumps([i.content_hash() for i in boamp_items()]))"
    )
    other = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "12345"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(other.stdout) == [i.content_hash() for i in boamp_items()]
