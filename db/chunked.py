"""Values for an ``IN`` list, a bounded number at a time.

SQLite caps the bound parameters of one statement (999 before 3.32), and a very long list
costs either database's planner more than a few short ones; every look-up by key or id in
``db`` reads this many at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

__all__ = ["KEYS_PER_READ", "in_chunks"]

#: values per ``IN`` list
KEYS_PER_READ = 500

T = TypeVar("T")


def in_chunks(values: Sequence[T], size: int = KEYS_PER_READ) -> Iterator[Sequence[T]]:
    """``values`` in consecutive slices of at most ``size``; nothing for an empty sequence."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
