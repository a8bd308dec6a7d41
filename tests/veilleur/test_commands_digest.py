"""The groups, digest and feeds commands through click's runner on a real SQLite database."""

from __future__ import annotations

from click.testing import CliRunner

from db.session import session_scope
from digest import queries as q
from tests.factories import digest_notice, digest_record, store
from tests.smtp import SmtpServer
from veilleur.cli import cli


def run(url: str, *args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(
        cli, list(args), env={"DATABASE_URL": url, **(env or {})}, catch_exceptions=False
    )


def test_add_group_stores_epci(sqlite_url: str) -> None:
    run(
        sqlite_url,
        "groups",
        "add",
        "pv",
        "--epci",
        "CA Plaine Vallée=95427,95563",
        "--recipient",
        "a@example.org",
    )
    with session_scope(sqlite_url) as s:
        g = q.get_group(s, "pv")
        assert g is not None and g.epcis == [
            {"name": "CA Plaine Vallée", "communes": ["95427", "95563"]}
        ]


def test_add_requires_territory(sqlite_url: str) -> None:
    result = run(sqlite_url, "groups", "add", "x", "--recipient", "a@example.org")
    assert result.exit_code == 2


def test_add_rejects_header_in_recipient(sqlite_url: str) -> None:
    result = run(
        sqlite_url,
        "groups",
        "add",
        "x",
        "--all-territory",
        "--recipient",
        "a@example.org\r\nBcc: b@example.org",
    )
    assert result.exit_code == 2


def test_edit_adds_recipient(sqlite_url: str) -> None:
    run(sqlite_url, "groups", "add", "lyon", "--departement", "69", "--recipient", "a@example.org")
    run(
        sqlite_url,
        "groups",
        "edit",
        "lyon",
        "--recipient",
        "b@example.org",
        "--remove-recipient",
        "a@example.org",
    )
    with session_scope(sqlite_url) as s:
        g = q.get_group(s, "lyon")
        assert g is not None and g.recipients == ["b@example.org"]


def test_remove_group(sqlite_url: str) -> None:
    run(sqlite_url, "groups", "add", "lyon", "--departement", "69", "--recipient", "a@example.org")
    run(sqlite_url, "groups", "remove", "lyon", "--yes")
    assert "no groups" in run(sqlite_url, "groups", "list").output


def test_dry_run_prints_without_sending(sqlite_url: str, smtp: SmtpServer) -> None:
    run(sqlite_url, "groups", "add", "lyon", "--departement", "69", "--recipient", "a@example.org")
    with session_scope(sqlite_url) as s:
        store(s, *digest_notice(digest_record("2018J114600")))
    env = {
        "VEILLEUR_SMTP_HOST": "127.0.0.1",
        "VEILLEUR_SMTP_PORT": str(smtp.port),
        "VEILLEUR_SMTP_SECURITY": "none",
    }
    result = run(sqlite_url, "digest", "--group", "lyon", "--dry-run", env=env)
    assert ("Mermoz Nord" in result.output, smtp.handler.messages) == (True, [])


def test_digest_command_sends(sqlite_url: str, smtp: SmtpServer) -> None:
    run(sqlite_url, "groups", "add", "lyon", "--departement", "69", "--recipient", "a@example.org")
    with session_scope(sqlite_url) as s:
        store(s, *digest_notice(digest_record("2018J114600")))
    env = {
        "VEILLEUR_SMTP_HOST": "127.0.0.1",
        "VEILLEUR_SMTP_PORT": str(smtp.port),
        "VEILLEUR_SMTP_SECURITY": "none",
    }
    run(sqlite_url, "digest", env=env)
    assert smtp.handler.to("a@example.org")


def test_unknown_group_is_usage_error(sqlite_url: str) -> None:
    assert run(sqlite_url, "digest", "--group", "nope", "--dry-run").exit_code == 2


def test_an_unknown_time_zone_is_refused_not_replaced(sqlite_url: str) -> None:
    run(sqlite_url, "groups", "add", "lyon", "--departement", "69", "--recipient", "a@example.org")
    with session_scope(sqlite_url) as s:
        store(s, *digest_notice(digest_record("2018J114600")))
    result = run(
        sqlite_url,
        "digest",
        "--group",
        "lyon",
        "--dry-run",
        env={"VEILLEUR_TIMEZONE": "Mars/Olympus"},
    )
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert (
        result.exit_code == 2 and len(lines) == 1 and "unknown time zone 'Mars/Olympus'" in lines[0]
    )
