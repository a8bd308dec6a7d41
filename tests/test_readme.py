"""The README's table of environment variables names every variable the code, the tests, the
benchmarks and the tools read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = [
    "vocabulary", "extract", "db", "letters", "crawler", "spiders", "review", "digest",
    "veilleur", "tests", "bench", "tools",
]  # fmt: skip
NAME = re.compile(r"\b(?:VEILLEUR_[A-Z0-9_]*[A-Z0-9]|DATABASE_URL)(?![A-Z0-9_])")


def _table_names() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in NAME.findall(row.split("|")[1])}


def _setting_names() -> set[str]:
    """Scrapy setting names (``VEILLEUR_PROGRESS_INTERVAL = …`` in crawler/settings.py) that no
    environment variable sets: they are not configured through the environment."""
    settings = (ROOT / "crawler" / "settings.py").read_text(encoding="utf-8")
    assigned = set(re.findall(r"^(VEILLEUR_[A-Z0-9_]+)\s*[:=]", settings, re.M))
    from_env = set(re.findall(r"environ[^\n]*\"(VEILLEUR_[A-Z0-9_]+)\"", settings))
    return assigned - from_env


def _code_names() -> list[str]:
    found: set[str] = set()
    for folder in FOLDERS:
        for path in (ROOT / folder).rglob("*.py"):
            found |= set(NAME.findall(path.read_text(encoding="utf-8")))
    return sorted(found - _setting_names())


@pytest.mark.parametrize("name", _code_names())
def test_variable_is_in_the_readme_table(name: str) -> None:
    assert name in _table_names()


def test_table_names_only_variables_the_code_reads() -> None:
    assert _table_names() <= set(_code_names())
