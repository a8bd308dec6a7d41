"""``veilleur users`` and ``veilleur serve --help`` through the real click entry point."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from db.session import session_scope
from review.auth import authenticate
from veilleur.cli import cli

pytestmark = pytest.mark.usefixtures("cheap_argon2")


@pytest.fixture
def runner(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    return CliRunner()


def test_users_add_from_stdin_creates_a_working_login(runner: CliRunner, sqlite_url: str) -> None:
    result = runner.invoke(
        cli,
        ["users", "add", "carole", "--role", "admin", "--password-stdin"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    with session_scope(sqlite_url) as s:
        assert authenticate(s, "carole", "a long enough password") is not None


def test_users_add_prompts_twice(runner: CliRunner, sqlite_url: str) -> None:
    result = runner.invoke(cli, ["users", "add", "dan"], input="pw-of-dan-123\npw-of-dan-123\n")
    assert result.exit_code == 0 and "added" in result.output


def test_users_add_refuses_short_password(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["users", "add", "eve", "--password-stdin"], input="short\n")
    assert result.exit_code != 0 and "too short" in result.output


def test_users_add_refuses_duplicate(runner: CliRunner) -> None:
    runner.invoke(cli, ["users", "add", "fay", "--password-stdin"], input="password-fay-1\n")
    result = runner.invoke(
        cli, ["users", "add", "fay", "--password-stdin"], input="password-fay-2\n"
    )
    assert result.exit_code != 0 and "already exists" in result.output


def test_users_passwd_changes_the_password(runner: CliRunner, sqlite_url: str) -> None:
    runner.invoke(cli, ["users", "add", "gil", "--password-stdin"], input="first password\n")
    result = runner.invoke(
        cli, ["users", "passwd", "gil", "--password-stdin"], input="second password\n"
    )
    assert result.exit_code == 0, result.output
    with session_scope(sqlite_url) as s:
        assert authenticate(s, "gil", "second password") is not None


def test_users_disable_then_list(runner: CliRunner) -> None:
    runner.invoke(cli, ["users", "add", "hal", "--password-stdin"], input="password of hal\n")
    runner.invoke(cli, ["users", "disable", "hal"])
    assert "hal\tanalyst\tdisabled" in runner.invoke(cli, ["users", "list"]).output


def test_users_disable_unknown_user_fails(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["users", "disable", "nobody"])
    assert result.exit_code != 0 and "no user" in result.output


def test_serve_help_has_an_example(runner: CliRunner) -> None:
    assert "veilleur serve --host" in runner.invoke(cli, ["serve", "--help"]).output
