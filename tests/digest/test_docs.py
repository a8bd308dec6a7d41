"""The digest and schedule docs cannot drift from the commands they describe (environment
variables: the README's table, tests/test_readme.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8") + (
    ROOT / "docs" / "digests.md"
).read_text(encoding="utf-8")


@pytest.mark.parametrize("command", ["veilleur schedule", "veilleur run-nightly", "veilleur groups add", "veilleur groups edit",
                                     "veilleur groups list", "veilleur groups remove", "veilleur digest", "veilleur feeds"])  # fmt: skip
def test_command_documented(command: str) -> None:
    assert command in DOCS
