"""The packages depend one way (see README, "How it fits together"); nothing imports the shell.

Every import of a project package, at any depth of a module (lazy imports included), is checked
against the allowed directions below.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: package -> the project packages it may import (itself always allowed)
ALLOWED: dict[str, set[str]] = {
    "vocabulary": set(),
    "extract": {"vocabulary"},
    "db": {"vocabulary"},
    "letters": {"vocabulary"},
    "crawler": {"extract", "db", "vocabulary"},
    "spiders": {"crawler", "extract", "vocabulary"},
    "review": {"db", "letters", "vocabulary"},
    "digest": {"db", "vocabulary"},
    "veilleur": {
        "vocabulary",
        "extract",
        "db",
        "letters",
        "crawler",
        "spiders",
        "review",
        "digest",
    },
}
#: third-party frameworks kept out of the layers that must stay pure
FORBIDDEN_LIBRARIES: dict[str, set[str]] = {
    "vocabulary": {"scrapy", "sqlalchemy", "flask", "twisted"},
    "extract": {"scrapy", "sqlalchemy", "flask", "twisted"},
    "db": {"scrapy", "flask", "twisted"},
    "letters": {"scrapy", "sqlalchemy", "flask", "twisted"},
}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _modules() -> list[Path]:
    return sorted(
        p
        for package in ALLOWED
        for p in (ROOT / package).rglob("*.py")
        if "migrations" not in p.relative_to(ROOT).parts[:2] or p.name == "env.py"
    )


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_follow_the_layers(path: Path) -> None:
    package = path.relative_to(ROOT).parts[0]
    allowed = ALLOWED[package] | {package}
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for line, module in _imports(path)
        if ((top := module.split(".")[0]) in ALLOWED and top not in allowed)
        or top in FORBIDDEN_LIBRARIES.get(package, set())
    ]
    assert not wrong, "\n".join(wrong)


def test_every_package_is_checked() -> None:
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench", "tools"}
    assert packages == set(ALLOWED)
