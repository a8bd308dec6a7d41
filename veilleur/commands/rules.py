"""``veilleur classify`` and ``veilleur rules {test,explain,eval,report}``: run and measure the rules."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any, TextIO

import click

from extract.rules import RuleError, RuleSet, default_ruleset
from vocabulary.decision import Decision

__all__ = ["classify", "decision_json", "rules"]

log = logging.getLogger(__name__)


def decision_json(record_id: str, decision: Decision) -> dict[str, Any]:
    """The JSON shape ``classify`` writes, one object per input."""
    return {
        "id": record_id,
        "flagged": decision.flagged,
        "score": decision.score,
        "categories": list(decision.categories),
        "rules_version": decision.rules_version,
        "hits": [
            {
                "rule": h.rule,
                "category": h.category,
                "field": h.field,
                "snippet": h.snippet,
                "term": h.term,
                "start": h.start,
                "end": h.end,
                "weight": h.weight,
                **({"page": h.page} if h.page is not None else {}),
            }
            for h in decision.hits
        ],
    }


def load_rules(paths: tuple[Path, ...]) -> RuleSet:
    """The rules of ``paths``, or the shipped ones; a bad file is a one-line error."""
    try:
        return RuleSet.load(list(paths)) if paths else default_ruleset()
    except RuleError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--rules",
    "rule_files",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Rule file(s) to use instead of extract/rules/*.toml.",
)
@click.option(
    "-o",
    "--output",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="Where to write the JSONL decisions (default: stdout).",
)
def classify(files: tuple[Path, ...], rule_files: tuple[Path, ...], output: TextIO) -> None:
    """Classify JSONL ({"id","title"?,"text"} per line), text files or documents.

    Writes one JSON decision per input record; unreadable input gives {"id", "error"}.
    Documents (PDF, ZIP, DOCX, ODT, XLSX …) are read as `veilleur extract` reads them (worker
    processes, caps, OCR) and their status is in the record's "document"; large text files are
    read in chunks of 1 Mi characters, each a page. Exit code 1 when an input was not read in
    full.

    \b
    Example:
      veilleur classify notices.jsonl cctp.pdf > decisions.jsonl
    """
    from veilleur.commands.classify_inputs import Inputs

    ruleset = load_rules(rule_files)
    errors = unread = 0
    inputs = Inputs()
    try:
        for path in files:
            for record in inputs.records(path):
                unread += not record.read_in_full
                if record.fields is None:
                    errors += 1
                    log.warning(
                        "classify_error file=%s id=%s error=%s", path, record.rid, record.error
                    )
                    line: dict[str, Any] = {"id": record.rid, "error": record.error}
                else:
                    line = decision_json(record.rid, ruleset.evaluate(record.fields))
                if record.document is not None:
                    line["document"] = record.document
                output.write(json.dumps(line, ensure_ascii=False) + "\n")
    finally:
        inputs.close()
    if errors:
        click.echo(f"{errors} input(s) could not be read", err=True)
    if unread:
        click.echo(f'{unread} input(s) not read in full: see their "document" status', err=True)
        sys.exit(1)


@click.group()
def rules() -> None:
    """Test, explain, evaluate and report on the surveillance rules.

    \b
    Examples:
      veilleur rules test
      veilleur rules explain "installation de caméras de vidéoprotection"
      veilleur rules eval --labels ../shared/corpus/labels.csv
      veilleur rules report --database-url sqlite:///var/veilleur.sqlite
    """


@rules.command("test")
@click.option("--rules", "rule_files", multiple=True, type=click.Path(exists=True, path_type=Path))
def test_cmd(rule_files: tuple[Path, ...]) -> None:
    """Run every rule's examples_match / examples_no_match (exit 1 on any failure).

    \b
    Example:
      veilleur rules test --rules my-rules.toml
    """
    ruleset = load_rules(rule_files)
    failures = ruleset.check_examples()
    count = sum(len(r.examples_match) + len(r.examples_no_match) for r in ruleset.rules)
    for failure in failures:
        click.echo(f"FAIL {failure}")
    click.echo(
        f"{len(ruleset.rules)} rules, {len(ruleset.exclusions)} exclusions, "
        f"{count} examples, {len(failures)} failure(s) [{ruleset.version}]"
    )
    if failures:
        sys.exit(1)


@rules.command()
@click.argument("text")
@click.option("--rules", "rule_files", multiple=True, type=click.Path(exists=True, path_type=Path))
def explain(text: str, rule_files: tuple[Path, ...]) -> None:
    """Show which rules fire on TEXT and why.

    \b
    Example:
      veilleur rules explain "caméras sur la voie publique"
    """
    decision = load_rules(rule_files).explain(text)
    click.echo(
        f"flagged={decision.flagged} score={decision.score} "
        f"categories={','.join(decision.categories) or '-'} rules={decision.rules_version}"
    )
    from veilleur.commands.show import quote
    from vocabulary.cpv import cpv_with_label

    for h in decision.hits:
        term = cpv_with_label(h.term) if h.field == "cpv" or h.rule.endswith(".cpv") else h.term
        shown = quote(h.term, h.snippet, h.snippet_start, h.snippet_end)
        click.echo(f"  {h.rule} [{h.category}, weight {h.weight}] «{term}» in {h.field}: {shown}")
    if not decision.hits:
        click.echo("  no rule fired")


@rules.command()
@click.option(
    "--database-url",
    envvar="DATABASE_URL",
    default=None,
    help="Database to read (default: $DATABASE_URL, else the SQLite file).",
)
@click.option("--limit", default=30, show_default=True, help="Rules to list.")
def report(database_url: str | None, limit: int) -> None:
    """Rank rules by analysts' not-relevant verdicts; list relevant notices no rule flagged
    (the desk's rules page, same query).

    \b
    Example:
      veilleur rules report --database-url postgresql://veilleur@localhost/veilleur
    """
    from db.migrate import require_schema
    from db.rule_feedback import rule_feedback
    from db.session import database_url as resolve
    from db.session import session_scope

    require_schema(resolve(database_url))
    with session_scope(resolve(database_url)) as session:
        result = rule_feedback(session)
    click.echo(f"{'rule':<45} {'flagged':>8} {'not rel.':>8} {'ratio':>6} {'confirmed':>9}")
    for r in result.rules[:limit]:
        click.echo(
            f"{r.rule_id:<45} {r.flagged:>8} {r.not_relevant:>8} {r.noise_ratio:>6.2f} "
            f"{r.confirmed:>9}"
        )
    click.echo(f"relevant notices with no flag (found by hand): {len(result.by_hand)}")
    for m in result.by_hand:
        click.echo(f"  #{m.id} {m.source_id} {m.title[:80]} {m.url}")


def _attach() -> None:
    # eval lives in its own module (it grew a split, confusion and several labels files);
    # attaching it here keeps `veilleur rules eval` where users know it
    from veilleur.commands.rules_eval import eval_cmd

    rules.add_command(eval_cmd, "eval")


_attach()


def _attach_model_commands() -> None:
    from veilleur.commands.rules_model import opinions_cmd, suggest_cmd, train_cmd

    rules.add_command(train_cmd, "train")
    rules.add_command(opinions_cmd, "opinions")
    rules.add_command(suggest_cmd, "suggest")


_attach_model_commands()
