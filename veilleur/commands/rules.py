"""``veilleur classify`` and ``veilleur rules {test,explain,eval,report}``: run and measure the rules."""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import click

from extract.corpus import pdf_pages
from extract.rules import RuleError, RuleSet, default_ruleset
from vocabulary.decision import Decision, TextField

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


def _inputs(path: Path) -> Iterator[tuple[str, list[TextField] | None, str]]:
    """Yield ``(id, fields or None, error)`` for each record of one input file."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            pages = [TextField("document", t, document=digest, page=n) for n, t in pdf_pages(path)]
        except Exception as exc:  # pdfminer raises many types on broken files
            yield path.name, None, f"unreadable PDF: {type(exc).__name__}: {exc}"
            return
        yield path.name, pages, ""
    elif suffix in (".jsonl", ".ndjson"):
        with path.open(encoding="utf-8", errors="replace") as fh:
            for n, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                    if not isinstance(obj, dict):
                        raise ValueError("not a JSON object")
                except ValueError as exc:
                    yield f"{path.name}:{n}", None, f"bad JSON line {n}: {exc}"
                    continue
                rid = str(obj.get("id", f"{path.name}:{n}"))
                fields = [
                    TextField("title", str(obj.get("title") or "")),
                    TextField("description", str(obj.get("text") or "")),
                ]
                yield rid, fields, ""
    else:
        try:
            text = path.read_bytes().decode("utf-8", errors="replace")
        except OSError as exc:
            yield path.name, None, str(exc)
            return
        yield path.name, [TextField("description", text)], ""


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
    """Classify JSONL ({"id","title"?,"text"} per line), text files or PDFs.

    Writes one JSON decision per input record; unreadable input gives {"id", "error"}.

    \b
    Example:
      veilleur classify notices.jsonl cctp.pdf > decisions.jsonl
    """
    ruleset = load_rules(rule_files)
    errors = 0
    for path in files:
        for rid, fields, error in _inputs(path):
            if fields is None:
                errors += 1
                log.warning("classify_error file=%s id=%s error=%s", path, rid, error)
                output.write(json.dumps({"id": rid, "error": error}, ensure_ascii=False) + "\n")
                continue
            decision = ruleset.evaluate(fields)
            output.write(json.dumps(decision_json(rid, decision), ensure_ascii=False) + "\n")
    if errors:
        click.echo(f"{errors} input(s) could not be read", err=True)


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
    from db.rule_feedback import rule_feedback
    from db.session import database_url as resolve
    from db.session import session_scope

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
