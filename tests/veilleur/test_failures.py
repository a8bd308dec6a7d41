"""Every mistake an operator can make on the command line ends in one line naming the fix and
a non-zero exit, never a traceback — driven through the real ``veilleur`` command."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text

from db.migrate import head, upgrade
from db.session import get_engine, session_scope
from tests.conftest import PG_ADMIN_URL
from tests.factories import decision, notice_item, store_all
from veilleur.cli import cli

ROOT = Path(__file__).resolve().parents[2]
PG = PG_ADMIN_URL


def one_line(args: list[str], env: dict[str, str] | None = None, stdin: str = "") -> str:
    """Run ``veilleur ARGS``: it must fail with exactly one line on stderr and no traceback."""
    result: Result = CliRunner().invoke(cli, args, env=env, input=stdin, prog_name="veilleur")
    assert result.exit_code != 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


# --- crawl arguments: refused before anything starts -------------------------------------


@pytest.mark.parametrize(
    ("args", "fix"),
    [
        (["--since", "2024-13-01"], "write it YYYY-MM-DD"),
        (["--until", "31/01/2024"], "write it YYYY-MM-DD"),
        (["-a", "since=2024-02-30"], "write it YYYY-MM-DD"),
        (["--since", "2024-02-01", "--until", "2024-01-01"], "swap them"),
        (["--sample", "-5"], "x>=1"),
        (["--sample", "0"], "x>=1"),
        (["-a", "sample=-5"], "at least 1"),
        (["-s", "FEEDS={bad"], "is not valid JSON"),
        (["-s", "NOEQUALS"], "is not NAME=VALUE"),
    ],
)
def test_crawl_bad_arguments(args: list[str], fix: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'v.sqlite'}"
    line = one_line(["crawl", "boamp", "--database-url", url, *args])
    assert fix in line
    assert not (tmp_path / "v.sqlite").exists(), "refused before touching the database"


def test_crawl_bad_date_through_a_real_process(tmp_path: Path) -> None:
    """The same through ``python -m veilleur.cli``: exit 2, one line, nothing else."""
    done = subprocess.run(
        [sys.executable, "-m", "veilleur.cli", "crawl", "boamp", "--since", "2024-13-01"],
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(ROOT), DATABASE_URL=f"sqlite:///{tmp_path}/v.sqlite"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "Error: Invalid value for '--since': '2024-13-01' is not a date: write it YYYY-MM-DD "
        "(e.g. 2024-01-31) (see `veilleur crawl --help`)"
    ]


# --- an unusable DATABASE_URL --------------------------------------------------------------


@pytest.fixture
def pg_free_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    yield port  # closed: nothing listens there


def test_unknown_scheme() -> None:
    line = one_line(["db", "upgrade", "--database-url", "mysql://u@localhost/v"])
    assert "unsupported database kind 'mysql'" in line and "postgresql://" in line


def test_unparseable_url() -> None:
    line = one_line(["status", "--database-url", "not a url"])
    assert "cannot read the database URL" in line and "sqlite:///" in line


def test_driver_not_shipped() -> None:
    line = one_line(["db", "upgrade", "--database-url", "postgresql+psycopg2://u@h/v"])
    assert "unsupported database kind 'postgresql+psycopg2'" in line


def test_sqlite_folder_missing_is_refused_not_created(tmp_path: Path) -> None:
    target = tmp_path / "typo" / "v.sqlite"
    line = one_line(["db", "upgrade", "--database-url", f"sqlite:///{target}"])
    assert "does not exist" in line and "mkdir -p" in line
    assert not target.parent.exists()


def test_sqlite_folder_not_usable() -> None:
    line = one_line(["db", "upgrade", "--database-url", "sqlite:////proc/veilleur.sqlite"])
    assert "cannot open the SQLite database" in line and "write access" in line


def test_sqlite_read_only(sqlite_url: str) -> None:
    path = sqlite_url.removeprefix("sqlite:///")
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"
    line = one_line(
        ["users", "--database-url", read_only, "add", "ana", "--password-stdin"],
        stdin="a long enough password\n",
    )
    assert "is read-only" in line and "write access" in line


@pytest.mark.postgres
def test_postgres_refused(pg_free_port: int) -> None:
    line = one_line(
        ["status", "--database-url", f"postgresql://postgres@127.0.0.1:{pg_free_port}/x"]
    )
    assert "refused the connection" in line and "start PostgreSQL" in line


@pytest.mark.postgres
def test_postgres_missing_database() -> None:
    url = PG.rsplit("/", 1)[0] + "/veilleur_no_such_db"
    line = one_line(["db", "upgrade", "--database-url", url])
    assert 'no database "veilleur_no_such_db"' in line and "createdb" in line


@pytest.mark.postgres
def test_postgres_missing_role() -> None:
    url = PG.replace("postgres@", "veilleur_no_such_role@", 1)
    line = one_line(["db", "upgrade", "--database-url", url])
    assert 'no role "veilleur_no_such_role"' in line and "createuser" in line


# --- the schema rule -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["flagged"],
        ["export"],
        ["users", "list"],
        ["show", "1"],
        ["documents"],
        ["rules", "report"],
        ["groups", "list"],
        ["feeds", "--out", "feeds"],
    ],
)
def test_read_only_commands_say_to_upgrade(args: list[str], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'v.sqlite'}"
    env = {"DATABASE_URL": url}
    line = one_line(args, env=env)
    assert "has no schema yet: run `veilleur db upgrade` first" in line
    assert not (tmp_path / "v.sqlite").exists(), "a read-only command creates nothing"


@pytest.fixture
def pg_unmigrated() -> Iterator[str]:
    """A brand-new PostgreSQL database without any table, dropped afterwards."""
    name = f"veilleur_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        get_engine.cache_clear()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_read_only_commands_say_to_upgrade_on_postgres(pg_unmigrated: str) -> None:
    line = one_line(["flagged", "--database-url", pg_unmigrated])
    assert "has no schema yet: run `veilleur db upgrade` first" in line


def test_users_add_creates_the_schema_and_says_so(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'v.sqlite'}"
    result = CliRunner().invoke(
        cli,
        ["users", "--database-url", url, "add", "ana", "--password-stdin"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "veilleur: created the database schema" in result.stderr
    assert "user ana added" in result.stdout


def _one_revision_behind(tmp_path: Path) -> tuple[str, str, str]:
    """A SQLite database at the revision before the newest: (its URL, that revision, head)."""
    url = f"sqlite:///{tmp_path / 'v.sqlite'}"
    newest = head()
    before = f"{int(newest) - 1:04d}"
    upgrade(url, revision=before)
    return url, before, newest


def test_db_upgrade_says_it_is_upgrading_before_it_does(tmp_path: Path) -> None:
    url, before, newest = _one_revision_behind(tmp_path)
    result = CliRunner().invoke(cli, ["db", "upgrade", "--database-url", url])
    assert result.exit_code == 0, result.output
    starting = result.stderr.index(f"upgrading the database schema from {before} to {newest}")
    assert starting < result.stderr.index(f"upgraded the database schema from {before}")


def test_a_writing_command_says_it_is_upgrading_the_schema(tmp_path: Path) -> None:
    url, before, newest = _one_revision_behind(tmp_path)
    result = CliRunner().invoke(
        cli,
        ["users", "--database-url", url, "add", "ana", "--password-stdin"],
        input="a long enough password\n",
    )
    assert f"veilleur: upgrading the database schema from {before} to {newest}" in result.stderr


def test_db_upgrade_of_a_current_schema_only_says_so(tmp_path: Path) -> None:
    url, _, _ = _one_revision_behind(tmp_path)
    CliRunner().invoke(cli, ["db", "upgrade", "--database-url", url])
    again = CliRunner().invoke(cli, ["db", "upgrade", "--database-url", url])
    assert (again.stdout, again.stderr) == ("schema up to date\n", "")


# --- configuration -------------------------------------------------------------------------


def test_bad_time_zone() -> None:
    line = one_line(["schedule", "--print-config"], env={"VEILLEUR_TIMEZONE": "Mars/Olympus"})
    assert "unknown time zone 'Mars/Olympus'" in line and "Europe/Paris" in line


def test_missing_config_file(tmp_path: Path) -> None:
    env = {"VEILLEUR_CONFIG": str(tmp_path / "nope.toml")}
    line = one_line(["run-nightly", "--no-crawl", "--no-digest"], env=env)
    assert "does not exist" in line and "VEILLEUR_CONFIG" in line


def test_malformed_config_file(tmp_path: Path) -> None:
    cfg = tmp_path / "veilleur.toml"
    cfg.write_text('[schedule]\ncrawl_cron = "30 2 * * *\n')
    line = one_line(["schedule", "--config", str(cfg), "--print-config"])
    assert str(cfg) in line and "is not valid TOML" in line


def test_unknown_config_key(tmp_path: Path) -> None:
    cfg = tmp_path / "veilleur.toml"
    cfg.write_text('[schedule]\ncrawl_crom = "30 2 * * *"\n')
    line = one_line(["schedule", "--config", str(cfg), "--print-config"])
    assert "crawl_crom" in line and "known: crawl_cron" in line


# --- serve ---------------------------------------------------------------------------------


def test_serve_port_out_of_range() -> None:
    line = one_line(["serve", "--port", "99999"])
    assert "1<=x<=65535" in line


def test_serve_port_in_use(sqlite_url: str) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = one_line(["serve", "--port", str(port), "--database-url", sqlite_url])
    assert f"cannot listen on 127.0.0.1:{port}" in line and "another --port" in line


# --- filters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "listed"),
    [
        ("--category", "dronez", "drones"),
        ("--source", "bomp", "boamp"),
        ("--departement", "rhone", "Rhône is 69"),
        ("--kind", "tendr", "tender"),
        ("--verdict", "yes", "relevant"),
    ],
)
def test_unknown_filter_values_refused(option: str, value: str, listed: str, db_url: str) -> None:
    with session_scope(db_url) as session:  # the valid sources are the stored ones
        store_all(session, [(notice_item(source="boamp"), decision())])
    for command in ("flagged", "export"):
        line = one_line([command, "--database-url", db_url, option, value])
        assert f"{value!r}" in line and listed in line and "valid:" in line


@pytest.mark.parametrize(
    "variable", ["VEILLEUR_LOOKBACK_DAYS", "VEILLEUR_STORE_BATCH_SIZE", "VEILLEUR_DOWNLOAD_MAXSIZE"]
)
def test_a_number_variable_that_is_not_one(variable: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "veilleur.cli", "crawl", "boamp", "--quiet"],
        cwd=tmp_path,
        env=dict(
            os.environ,
            PYTHONPATH=str(ROOT),
            DATABASE_URL=f"sqlite:///{tmp_path}/v.sqlite",
            **{variable: "a week"},
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines[-1] == f"Error: {variable}='a week' is not a whole number: fix or unset it"
    assert "Traceback" not in done.stderr


def test_smtp_port_that_is_not_a_number() -> None:
    from digest.send import SendError, SmtpSettings

    with pytest.raises(SendError, match="VEILLEUR_SMTP_PORT must be a port number, not 'smtp'"):
        SmtpSettings.from_env({"VEILLEUR_SMTP_HOST": "mail", "VEILLEUR_SMTP_PORT": "smtp"})
