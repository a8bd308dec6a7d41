"""Migrations: one line of history with sequence-number ids, former ids translated, new
revisions written after the head."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from db.migrate import MIGRATIONS_DIR, MigrationError, alembic_config, head, new_revision, upgrade
from db.session import get_engine
from tests.db.conftest import downgrade

ROOT = Path(__file__).resolve().parents[2]


def _scripts() -> list:
    return list(ScriptDirectory.from_config(alembic_config("sqlite://")).walk_revisions())


def test_history_has_one_head() -> None:
    assert ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads() == [head()]


def test_the_head_is_read_from_the_files_without_alembic() -> None:
    """Every writing command asks for the head at its start; Alembic is imported only when a
    migration must run."""
    probe = "import sys; from db.migrate import head; head(); print('alembic' in sys.modules)"
    ran = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert ran.stdout.strip() == "False"


@pytest.mark.parametrize("script", _scripts(), ids=lambda s: s.revision)
def test_revision_id_is_a_sequence_number_named_in_its_file(script) -> None:
    assert re.fullmatch(r"\d{4}", script.revision)
    assert Path(script.path).name.startswith(f"{script.revision}_")


@pytest.mark.parametrize("script", _scripts(), ids=lambda s: s.revision)
def test_each_revision_follows_the_one_before(script) -> None:
    expected = None if script.revision == "0001" else f"{int(script.revision) - 1:04d}"
    assert script.down_revision == expected


def _recorded(url: str) -> set[str]:
    with get_engine(url).connect() as conn:
        return set(conn.scalars(text("SELECT version_num FROM alembic_version")))


def _record(url: str, *ids: str) -> None:
    with get_engine(url).begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
        for rev in ids:
            conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": rev})


@pytest.mark.parametrize(
    "former", [("0002",), ("digest_0001", "review_0001")], ids=["merged", "two-heads"]
)
def test_a_database_at_former_ids_reaches_the_head(db_url: str, former: tuple[str, ...]) -> None:
    # the former ids name the schema of 0003: bring the database back there first, so the
    # revisions written since are applied on top instead of found already there
    downgrade(db_url, "0003")
    _record(db_url, *former)
    upgrade(db_url)  # would fail re-creating tables if the former ids were not understood
    assert _recorded(db_url) == {head()}


def test_an_unreachable_former_state_is_refused_in_words(db_url: str) -> None:
    _record(db_url, "review_0001")
    with pytest.raises(MigrationError, match="review_0001 without digest_0001"):
        upgrade(db_url)


def test_new_revision_takes_the_next_number_after_the_head(tmp_path: Path) -> None:
    path = new_revision("Flags keep the matched term", version_path=tmp_path)
    following = f"{int(head()) + 1:04d}"
    assert path.name == f"{following}_flags_keep_the_matched_term.py"
    assert f"down_revision = {head()!r}" in path.read_text(encoding="utf-8")


def test_new_revision_needs_words(tmp_path: Path) -> None:
    with pytest.raises(MigrationError, match="needs a message"):
        new_revision("  ", version_path=tmp_path)


def test_migrations_dir_holds_only_numbered_files() -> None:
    names = [p.name for p in (MIGRATIONS_DIR / "versions").glob("*.py")]
    assert names and all(re.fullmatch(r"\d{4}_[a-z0-9_]+\.py", n) for n in names)
