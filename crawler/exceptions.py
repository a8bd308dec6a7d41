"""The errors Veilleur raises on purpose. Each docstring says when."""

from __future__ import annotations

__all__ = [
    "BadRecordError",
    "SpiderArgumentError",
    "UnknownSourceError",
    "VeilleurError",
]


class VeilleurError(Exception):
    """Base of every error raised on purpose."""


class SpiderArgumentError(VeilleurError):
    """A spider argument (since, until, sample …) is malformed; raised in ``from_crawler``."""


class UnknownSourceError(VeilleurError):
    """``veilleur crawl NAME`` names no registered spider or configured source."""


class BadRecordError(VeilleurError):
    """A record of a source cannot be turned into a valid notice (missing id, absurd date …).

    The spider or the Validate pipeline records it against the source and URL; the crawl goes on.
    """
