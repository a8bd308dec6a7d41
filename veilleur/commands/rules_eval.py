"""``veilleur rules eval``: precision and recall per category on labelled texts, with confusion.

Labels files are CSV ``file,record_id,title,flag,categories,rationale`` (the corpus's shape); a
row's ``file`` is read relative to ``--data`` (default: the labels file's folder), or to
``--corpus`` when the row says ``base = corpus``. With ``--split`` (``file,record_id,part,…``),
only the rows of ``--part`` (TUNE or CHECK) are scored, so figures on texts the rules were tuned on
and on texts they were not are never mixed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

import click

from extract.corpus import CorpusError, load_record
from extract.evaluation import LabelledRow, confusion, figures
from extract.rules import RuleSet
from vocabulary.terms import CATEGORIES

__all__ = ["eval_cmd", "read_labelled"]


def _split(path: Path | None) -> dict[tuple[str, str], tuple[str, bool]]:
    if path is None:
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {
            (r["file"], r["record_id"]): (r["part"], r.get("event_in_tune", "1") == "0")
            for r in csv.DictReader(fh)
        }


def read_labelled(
    labels: Iterable[Path],
    data: Path | None,
    corpus: Path | None,
    split: Path | None = None,
    part: str | None = None,
) -> list[tuple[LabelledRow, Path]]:
    """Labelled rows with the folder their file is in; only ``part`` when a split is given."""
    parts = _split(split)
    out: list[tuple[LabelledRow, Path]] = []
    for path in labels:
        with path.open(encoding="utf-8", newline="") as fh:
            for raw in csv.DictReader(fh):
                key = (raw["file"], raw["record_id"])
                side, new_event = parts.get(key, ("", False))
                if part and side != part:
                    continue
                base = raw.get("base", "")
                if base == "corpus" and corpus is None:
                    raise click.ClickException(
                        f"{path.name} reads the corpus: give --corpus DIR or set VEILLEUR_CORPUS"
                    )
                folder = corpus if base == "corpus" and corpus else (data or path.parent)
                row = LabelledRow(
                    raw["file"],
                    raw["record_id"],
                    raw.get("title", ""),
                    raw["flag"].strip() == "1",
                    {c for c in raw.get("categories", "").split(";") if c},
                    "BORDERLINE" in raw.get("rationale", "").upper(),
                    part=side,
                    new_event=new_event,
                    source=path.name,
                )
                out.append((row, folder))
    return out


def _describe(row: LabelledRow) -> str:
    assert row.decision is not None
    hits = "; ".join(f"{h.rule}: {h.snippet[:110]}" for h in row.decision.hits[:4]) or "no hits"
    partial = f" [partial: {row.decision.partial_reason}]" if row.decision.partial else ""
    return (
        f"  {row.file} {row.record_id} score={row.decision.score}{partial} | {row.title[:70]}\n"
        f"      {hits}"
    )


def _report(rows: list[LabelledRow], details: bool) -> None:
    scored = [r for r in rows if r.decision is not None]
    strict = [r for r in scored if not r.borderline]
    click.echo(figures(strict).line("overall (strict)"))
    click.echo(figures([r for r in scored if r.borderline]).line("BORDERLINE rows"))
    if any(r.new_event for r in strict):
        click.echo(figures([r for r in strict if r.new_event]).line("strict, events not in TUNE"))
    click.echo("per category (strict):")
    for cat in CATEGORIES:
        f = figures(strict, cat)
        if f.support or f.fp:
            click.echo(f.line(f"  {cat}"))
    table = confusion(strict)
    click.echo("confusion (labelled category -> categories the rules gave; 'none': not flagged):")
    for cat in CATEGORIES:
        if cat in table:
            cells = ", ".join(f"{k} {n}" for k, n in table[cat].most_common())
            click.echo(f"  {cat:<26} {cells}")
    partial = [r for r in scored if r.decision and r.decision.partial]
    if partial:
        click.echo(f"partial decisions (match budget reached): {len(partial)}")
    if not details:
        return
    for title, pick in (
        ("misses", lambda r: r.flag and not r.decision.flagged),
        ("false alarms", lambda r: r.decision.flagged and not r.flag),
        (
            "wrong categories",
            lambda r: r.flag and r.decision.flagged and r.predicted != r.categories,
        ),
    ):
        chosen = [r for r in scored if pick(r)]
        click.echo(f"{title}: {len(chosen)}")
        for r in chosen:
            click.echo(("  [BORDERLINE]" if r.borderline else "") + _describe(r))


@click.command("eval")
@click.option(
    "--labels",
    "labels",
    multiple=True,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV file,record_id,title,flag,categories,rationale (repeatable).",
)
@click.option(
    "--data",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder the labels' files are relative to (default: each labels file's folder).",
)
@click.option(
    "--corpus",
    envvar="VEILLEUR_CORPUS",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The development corpus, for rows whose base is 'corpus' (default: $VEILLEUR_CORPUS).",
)
@click.option(
    "--split",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV file,record_id,part saying which rows are TUNE and which CHECK.",
)
@click.option("--part", type=click.Choice(["TUNE", "CHECK"]), help="Score only this side.")
@click.option("--details/--no-details", default=True, help="List misses and false alarms.")
@click.option("--rules", "rule_files", multiple=True, type=click.Path(exists=True, path_type=Path))
def eval_cmd(
    labels: tuple[Path, ...],
    data: Path | None,
    corpus: Path | None,
    split: Path | None,
    part: str | None,
    details: bool,
    rule_files: tuple[Path, ...],
) -> None:
    """Score the rules against labelled texts: precision and recall overall and per category,
    confusion between categories, then every miss, false alarm and wrong category.

    Rows whose rationale says BORDERLINE are scored apart.

    \b
    Examples:
      veilleur rules eval --labels ../shared/corpus/labels.csv
      veilleur rules eval --labels tests/fixtures/rules_labels/labels_found.csv \\
          --split tests/fixtures/rules_labels/split.csv --part CHECK --no-details
    """
    if part and split is None:
        raise click.ClickException("--part needs --split")
    from veilleur.commands.rules import load_rules

    ruleset: RuleSet = load_rules(rule_files)
    rows: list[LabelledRow] = []
    for row, folder in read_labelled(labels, data, corpus, split, part):
        try:
            record = load_record(folder, row.file, row.record_id, row.title)
            row.decision = ruleset.evaluate(record.fields)
        except CorpusError as exc:
            row.error = str(exc)
        rows.append(row)
    border = sum(r.borderline for r in rows)
    unreadable = [r for r in rows if r.error]
    click.echo(
        f"rules {ruleset.version}: {len(rows)} labelled rows{f' ({part})' if part else ''}, "
        f"{len(unreadable)} unreadable, {border} BORDERLINE"
    )
    _report(rows, details)
    for r in unreadable:
        click.echo(f"unreadable: {r.file} {r.record_id}: {r.error}")
