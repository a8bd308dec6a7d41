"""The digest and schedule docs cannot drift from the commands and settings they describe."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8") + (
    ROOT / "docs" / "digests.md"
).read_text(encoding="utf-8")
SOURCES = [
    "digest/send.py",
    "digest/service.py",
    "digest/queries.py",
    "veilleur/commands/digest.py",
    "digest/render.py",
    "veilleur/schedule.py",
    "veilleur/jobs.py",
]
ENV_VARS = sorted(
    {
        v
        for f in SOURCES
        for v in re.findall(r"VEILLEUR_[A-Z_]+", (ROOT / f).read_text(encoding="utf-8"))
    }
)


@pytest.mark.parametrize("command", ["veilleur schedule", "veilleur run-nightly", "veilleur groups add", "veilleur groups edit",
                                     "veilleur groups list", "veilleur groups remove", "veilleur digest", "veilleur feeds"])  # fmt: skip
def test_command_documented(command: str) -> None:
    assert command in DOCS


@pytest.mark.parametrize("var", ENV_VARS)
def test_env_var_documented(var: str) -> None:
    assert var in DOCS
