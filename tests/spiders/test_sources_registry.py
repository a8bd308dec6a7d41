"""Shipped sources are registered, documented, and set what their base requires."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.base_spiders.declare import missing_keys
from crawler.registry import source_names, spider_class

DOCS = (Path(__file__).parents[2] / "docs" / "sources.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["ted", "decp_v3", "decp_2022", "delib_marseille"])
def test_source_is_registered(name: str) -> None:
    assert name in source_names()


@pytest.mark.parametrize("name", [n for n in source_names() if n != "boamp"])
def test_every_new_source_is_documented(name: str) -> None:
    assert f"`{name}`" in DOCS


@pytest.mark.parametrize("name", source_names())
def test_source_sets_every_key_its_base_requires(name: str) -> None:
    assert missing_keys(spider_class(name)) == []
