"""Shipped sources are registered, documented, and config mistakes fail loudly."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.base_spiders.html_listing import html_listing_builder
from crawler.registry import source_names
from spiders.decp import decp_ods_builder
from spiders.deliberations import scdl_builder

DOCS = (Path(__file__).parents[2] / "docs" / "sources.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["ted", "decp_v3", "decp_2022", "delib_marseille"])
def test_source_is_registered(name: str) -> None:
    assert name in source_names()


@pytest.mark.parametrize("name", [n for n in source_names() if n != "boamp"])
def test_every_new_source_is_documented(name: str) -> None:
    assert f"`{name}`" in DOCS


def test_listing_entry_with_an_unknown_key_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown keys"):
        html_listing_builder(
            {"name": "x", "base_url": "https://x", "row": "li", "title": "a", "titel": "a"}
        )


def test_scdl_entry_without_datasets_is_refused() -> None:
    with pytest.raises(ValueError, match="missing keys"):
        scdl_builder({"name": "x"})


def test_decp_dataset_entry_without_dataset_is_refused() -> None:
    with pytest.raises(ValueError, match="missing keys"):
        decp_ods_builder({"name": "x", "base_url": "https://x"})
