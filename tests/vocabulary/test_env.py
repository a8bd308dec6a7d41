"""Numbers from environment variables: set, unset, empty, or not a number (one line naming it)."""

from __future__ import annotations

import pytest

from vocabulary.env import env_int
from vocabulary.errors import ConfigError


def test_env_int_reads_the_number() -> None:
    assert env_int("N", 7, {"N": " 30 "}) == 30


@pytest.mark.parametrize("env", [{}, {"N": ""}, {"N": "  "}])
def test_env_int_default_when_unset_or_empty(env: dict[str, str]) -> None:
    assert env_int("N", 7, env) == 7


def test_env_int_refuses_what_is_not_a_number() -> None:
    with pytest.raises(ConfigError, match=r"^N='7d' is not a whole number: fix or unset it$"):
        env_int("N", 7, {"N": "7d"})
