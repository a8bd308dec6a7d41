"""Paths to the document fixtures (see tests/fixtures/documents/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

DOCS = Path(__file__).parent.parent / "fixtures" / "documents"


@pytest.fixture
def fixture_bytes():
    def read(relative: str) -> bytes:
        return (DOCS / relative).read_bytes()

    return read
