"""The root of every error Veilleur raises on purpose, and the errors shared across packages.

Each package's own errors (``extract.rules.RuleError``, ``db.locks.LockBusy``,
``review.verdicts.VerdictError`` …) derive from :class:`VeilleurError`, so the command line can
turn any of them into one line for the user; anything else reaching it is a bug. Each docstring
says when the error is raised.
"""

from __future__ import annotations

__all__ = [
    "BadRecordError",
    "ConfigError",
    "FilterError",
    "SpiderArgumentError",
    "UnknownSourceError",
    "VeilleurError",
]


class VeilleurError(Exception):
    """Base of every error raised on purpose."""


class ConfigError(VeilleurError):
    """A configuration entry is malformed (``spiders/portals.toml``, ``veilleur.toml``): raised
    when the file is loaded; the message names the file, the table and the key."""


class FilterError(VeilleurError):
    """A filter of a notice list (``veilleur flagged``/``export``, the desk's queue and
    exports) names a value outside its closed set, or is not a date or a number; raised when
    the filters are built. The message is one line and lists the valid values."""


class SpiderArgumentError(VeilleurError):
    """A spider argument (since, until, sample …) is malformed; raised in ``from_crawler``."""


class UnknownSourceError(VeilleurError):
    """``veilleur crawl NAME`` names no registered spider or configured source."""


class BadRecordError(VeilleurError):
    """A record of a source cannot be turned into a valid notice (missing id, absurd date …).

    The spider or the Validate pipeline records it against the source and URL; the crawl goes on.
    """
