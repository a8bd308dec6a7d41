"""Settings read from the environment or veilleur.toml: a number that is not one, or a time
zone that does not exist, is a :class:`~vocabulary.errors.ConfigError` naming the setting (one
line for the user), not a traceback from deep inside a crawl, the scheduler or a digest."""

from __future__ import annotations

import os
from collections.abc import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vocabulary.errors import ConfigError

__all__ = ["env_int", "time_zone"]


def env_int(name: str, default: int, env: Mapping[str, str] | None = None) -> int:
    """``int(env[name])`` when set and not empty, else ``default``."""
    env = os.environ if env is None else env
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a whole number: fix or unset it") from None


def time_zone(key: str) -> ZoneInfo:
    """The time zone named ``key`` (VEILLEUR_TIMEZONE, or ``timezone`` in veilleur.toml)."""
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):  # a path-like key ("../x") is a ValueError
        raise ConfigError(
            f"unknown time zone {key!r}: use a name such as Europe/Paris "
            f"(VEILLEUR_TIMEZONE or timezone in the [schedule] table)"
        ) from None
