"""Where the shared development corpus is: one rule for the tools and the benchmarks.

In order: an explicit argument (``--corpus DIR`` or a script's positional argument), the
``VEILLEUR_CORPUS`` environment variable, else ``../shared/corpus`` beside the project root.
Never an absolute path: every checkout finds its own corpus (a checkout elsewhere, such as a
git worktree, names it with the variable or the argument).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["ROOT", "corpus_dir"]

#: the project root (the folder holding pyproject.toml)
ROOT = Path(__file__).resolve().parents[1]


def corpus_dir(argument: str | os.PathLike[str] | None = None, *, required: bool = True) -> Path:
    """The corpus folder: ``argument``, else ``$VEILLEUR_CORPUS``, else ``<root>/../shared/corpus``.

    Exits with a one-line message when it does not exist, unless ``required`` is false (for a
    caller with a fallback).
    """
    chosen = argument or os.environ.get("VEILLEUR_CORPUS")
    path = Path(chosen) if chosen else ROOT.parent / "shared" / "corpus"
    if required and not path.is_dir():
        raise SystemExit(
            f"no corpus at {path}: pass the folder as an argument or set VEILLEUR_CORPUS"
        )
    return path
