"""declare(): one way to build a spider class from any config entry, and docs that list every
key each base declares."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from crawler.base_spiders.declare import BASES, declare, key_rows, missing_keys
from crawler.base_spiders.html_listing import HtmlListingSpider
from crawler.base_spiders.opendatasoft import OpendatasoftSpider

DOC = (Path(__file__).parents[2] / "docs" / "adding-a-portal.md").read_text(encoding="utf-8")
LISTING = {"name": "delib_x", "base_url": "https://x.fr", "row": "li", "title": "a"}


def _section(table: str) -> str:
    """The docs' section on ``[[table]]`` entries: from its heading to the next heading."""
    match = re.search(rf"^#+ `\[\[{table}\]\]`.*?(?=^#)", DOC, re.M | re.S)
    return match.group(0) if match else ""


@pytest.mark.parametrize(
    ("table", "row"),
    [(table, row) for table, base in BASES.items() for row in key_rows(base)],
    ids=lambda value: str(value).split("|")[1].strip(" `") if "|" in str(value) else value,
)
def test_every_declared_key_is_documented_with_its_type_default_and_meaning(
    table: str, row: str
) -> None:
    assert row in _section(table), f"docs/adding-a-portal.md, [[{table}]]: add the row\n{row}"


def test_entry_key_sets_the_attribute_it_names() -> None:
    spider = declare(LISTING | {"date": "span.d"}, file="f.toml", table="html_listing")
    assert spider.date_selector == "span.d"


def test_left_out_key_keeps_the_base_default() -> None:
    spider = declare(LISTING, file="f.toml", table="html_listing")
    assert spider.max_pages == HtmlListingSpider.max_pages == 50


def test_one_date_format_becomes_a_list() -> None:
    spider = declare(LISTING | {"date_format": "%d.%m.%Y"}, file="f.toml", table="html_listing")
    assert spider.date_format == ["%d.%m.%Y"]


def test_declared_list_is_the_class_own() -> None:
    entry = LISTING | {"departements": ["13"]}
    spider = declare(entry, file="f.toml", table="html_listing")
    entry["departements"].append("84")
    assert spider.departements == ["13"]


def test_class_is_a_subclass_of_the_table_base() -> None:
    spider = declare({"name": "decp_x", "files": ["a.json"]}, file="f.toml", table="decp_files")
    assert (spider.__bases__, spider.name) == ((BASES["decp_files"],), "decp_x")


def test_hand_written_spider_missing_a_required_key() -> None:
    spider = type("Half", (OpendatasoftSpider,), {"name": "half", "base_url": "https://x.fr"})
    assert missing_keys(spider) == ["dataset", "date_field", "id_field"]


def _recipes(base: type) -> str:
    """The docstrings of ``base`` and of the bases above it, with their modules'."""
    return "\n".join(
        (cls.__doc__ or "") + (sys.modules[cls.__module__].__doc__ or "")
        for cls in base.__mro__
        if cls.__module__.startswith("crawler.")
    )


@pytest.mark.parametrize(
    ("table", "key"),
    [(table, key.name) for table, base in BASES.items() for key in base.config_keys],
)
def test_every_declared_key_is_in_a_recipe_docstring(table: str, key: str) -> None:
    assert f"``{key}``" in _recipes(BASES[table])
