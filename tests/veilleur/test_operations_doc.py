"""``docs/operations.md``, "When something fails", quotes what the commands print: every line
quoted there is printed by the real CLI for one of the mistakes below, and every mistake's
line is quoted there (``…`` in the doc stands for what varies)."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from db.runs import ensure_source, finish_run, record_error, start_run
from db.session import session_scope
from tests.conftest import PG_ADMIN_URL
from tests.factories import decision, notice_item, store_all
from veilleur.cli import cli
from veilleur.night import NEXT_STEP

ROOT = Path(__file__).resolve().parents[2]


def _quoted() -> list[str]:
    doc = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    section = doc.split("## When something fails", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```text\n(.*?)```", section, re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def _pattern(quoted: str) -> re.Pattern[str]:
    return re.compile("^" + ".+?".join(re.escape(part) for part in quoted.split("…")) + "$")


def _lines(args: list[str], env: dict[str, str] | None = None, stdin: str = "") -> list[str]:
    result = CliRunner().invoke(cli, args, env=env, input=stdin, prog_name="veilleur")
    return [line for line in result.output.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """What the commands print for each mistake the section covers."""
    tmp = tmp_path_factory.mktemp("mistakes")
    url = f"sqlite:///{tmp / 'v.sqlite'}"
    out: list[str] = []
    out += _lines(["db", "upgrade", "--database-url", "mysql://u@localhost/v"])
    out += _lines(["db", "upgrade", "--database-url", "not a url"])
    out += _lines(["db", "upgrade", "--database-url", f"sqlite:///{tmp}/typo/v.sqlite"])
    out += _lines(["db", "upgrade", "--database-url", "sqlite:////proc/v.sqlite"])
    out += _lines(["flagged", "--database-url", url])  # no schema yet
    out += _lines(["db", "upgrade", "--database-url", url])
    read_only = f"sqlite:///file:{tmp / 'v.sqlite'}?mode=ro&uri=true"
    out += _lines(["users", "--database-url", read_only, "add", "ana", "--password-stdin"],
                  stdin="a long enough password\n")  # fmt: skip
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    out += _lines(["db", "upgrade", "--database-url", f"postgresql://u@127.0.0.1:{closed}/v"])
    out += _lines(["db", "upgrade", "--database-url", PG_ADMIN_URL.rsplit("/", 1)[0] + "/nodb"])
    out += _lines(["db", "upgrade", "--database-url", PG_ADMIN_URL.replace("postgres@", "nobody@")])
    config = tmp / "veilleur.toml"
    out += _lines(["schedule", "--print-config"], env={"VEILLEUR_CONFIG": str(config)})
    config.write_text("[schedule\n")
    out += _lines(["schedule", "--print-config", "--config", str(config)])
    config.write_text("[schedule]\ncron = 1\n")
    out += _lines(["schedule", "--print-config", "--config", str(config)])
    out += _lines(["schedule", "--print-config"], env={"VEILLEUR_TIMEZONE": "Mars/Olympus"})
    out += _lines(["crawl", "boamp", "--since", "2024-13-01"])
    out += _lines(["crawl", "boamp", "--since", "2024-02-01", "--until", "2024-01-01"])
    out += _lines(["crawl", "boamp", "--sample", "-5"])
    out += _lines(["crawl", "boamp", "-s", "FEEDS={bad"])
    with session_scope(url) as session:  # the valid sources are the stored ones
        store_all(session, [(notice_item(source="boamp"), decision())])
    out += _lines(["flagged", "--database-url", url, "--category", "dronez"])
    out += _lines(["flagged", "--database-url", url, "--source", "bomp"])
    out += _lines(["flagged", "--database-url", url, "--departement", "rhone"])
    out += _lines(["serve", "--port", "99999"])
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        out += _lines(["serve", "--port", str(busy.getsockname()[1]), "--database-url", url])
    out += _lines(["status", "--database-url", f"sqlite:///{tmp / 'fresh.sqlite'}"])
    with session_scope(url) as session:
        run = start_run(session, ensure_source(session, "boamp"), {})
        session.flush()
        record_error(session, run_id=run.id, source_name="boamp", url="https://x/",
                     error_kind="request_failed", message="DNS lookup failed: no results")  # fmt: skip
        finish_run(session, run.id, status="failing", seen=0, new=0, changed=0, unchanged=0,
                   message="zero notices")  # fmt: skip
    out += _lines(["status", "--database-url", url])
    out.append(
        NEXT_STEP
    )  # run-nightly's last line (its whole run: tests/veilleur/test_operator.py)
    yield out


@pytest.mark.postgres
def test_every_quoted_line_is_printed(printed: list[str]) -> None:
    quoted = _quoted()
    assert len(quoted) >= 25
    missing = [q for q in quoted if not any(_pattern(q).match(line) for line in printed)]
    assert not missing, missing


@pytest.mark.postgres
def test_every_error_printed_is_quoted(printed: list[str]) -> None:
    patterns = [_pattern(q) for q in _quoted()]
    errors = [line for line in printed if line.startswith("Error: ")]
    assert len(errors) >= 20
    unquoted = [line for line in errors if not any(p.match(line) for p in patterns)]
    assert not unquoted, unquoted
