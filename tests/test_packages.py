"""Every package says what it holds in its ``__init__.py`` docstring; every module stays small
enough to read (400 lines)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = sorted(
    p
    for p in ROOT.glob("**/__init__.py")
    if not {".venv", "tests", "build", "node_modules"} & set(p.relative_to(ROOT).parts)
    and not any(part.startswith(".") for part in p.relative_to(ROOT).parts)
)


@pytest.mark.parametrize("init", PACKAGES, ids=lambda p: str(p.parent.relative_to(ROOT)))
def test_package_has_a_docstring(init: Path) -> None:
    docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
    assert docstring and len(docstring.split()) >= 8


def _modules() -> list[Path]:
    runtime = [
        "vocabulary",
        "extract",
        "db",
        "letters",
        "crawler",
        "spiders",
        "review",
        "digest",
        "veilleur",
    ]
    return sorted(
        p
        for package in runtime
        for p in (ROOT / package).rglob("*.py")
        if "versions" not in p.relative_to(ROOT).parts
    )


@pytest.mark.parametrize("module", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_stays_under_400_lines(module: Path) -> None:
    assert len(module.read_text(encoding="utf-8").splitlines()) <= 400
