"""``veilleur rules train | opinions | suggest``: the second opinion and rule-term suggestions.

``train`` fits the second-opinion model on labelled texts (a labels file, optionally one side
of a split) and on the verdicts analysts gave in the database; ``opinions`` scores the notices
the rules did not flag; ``suggest`` proposes words that the notices analysts found relevant by
hand share and that no rule has yet.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from extract.corpus import CorpusError, load_record
from extract.second_opinion import ModelError, load_model
from extract.term_mining import candidate_terms
from veilleur.commands.rules_eval import read_labelled
from veilleur.opinions import model_path, score_unflagged

__all__ = ["opinions_cmd", "suggest_cmd", "train_cmd"]

_LABELS = click.option(
    "--labels",
    "labels",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Labelled texts (CSV file,record_id,…,flag,…), repeatable.",
)
_SPLIT = click.option(
    "--split", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="TUNE/CHECK file."
)
_PART = click.option(
    "--part", type=click.Choice(["TUNE", "CHECK"]), help="Use only this side of the split."
)
_CORPUS = click.option(
    "--corpus",
    envvar="VEILLEUR_CORPUS",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The development corpus, for rows whose base is 'corpus'.",
)
_DB = click.option(
    "--database-url",
    envvar="DATABASE_URL",
    default=None,
    help="Database whose verdicts are used (default: $DATABASE_URL, else the SQLite file).",
)


def _labelled_texts(
    labels: tuple[Path, ...], corpus: Path | None, split: Path | None, part: str | None
) -> list[tuple[str, int]]:
    """(text, 1 or 0) of every readable, non-BORDERLINE labelled row."""
    out = []
    for row, folder in read_labelled(labels, None, corpus, split, part):
        if row.borderline:
            continue
        try:
            record = load_record(folder, row.file, row.record_id, row.title)
        except CorpusError as exc:
            click.echo(f"unreadable: {row.file} {row.record_id}: {exc}", err=True)
            continue
        out.append((" \n".join(f.text for f in record.fields if f.text), int(row.flag)))
    return out


@click.command("train")
@_LABELS
@_SPLIT
@_PART
@_CORPUS
@_DB
@click.option("--no-database", is_flag=True, help="Train on the labels files only.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Model file to write (default: $VEILLEUR_SECOND_OPINION_MODEL, else var/second_opinion.json).",
)
def train_cmd(
    labels: tuple[Path, ...],
    split: Path | None,
    part: str | None,
    corpus: Path | None,
    database_url: str | None,
    no_database: bool,
    out: Path | None,
) -> None:
    """Train the second-opinion model on labelled texts and analysts' verdicts.

    \b
    Example:
      veilleur rules train --labels tests/fixtures/rules_labels/labels_found.csv \\
          --split tests/fixtures/rules_labels/split.csv --part TUNE --no-database
    """
    from extract.second_opinion_train import TrainingSet, train

    pairs = _labelled_texts(labels, corpus, split, part)
    sources = {"labels": len(pairs)}
    if not no_database:
        from db.opinions import judged_texts
        from db.session import database_url as resolve
        from db.session import session_scope

        with session_scope(resolve(database_url)) as session:
            judged = [(j.text, int(j.relevant)) for j in judged_texts(session)]
        pairs += judged
        sources["verdicts"] = len(judged)
    labels_seen = {y for _, y in pairs}
    if labels_seen != {0, 1}:
        raise click.ClickException(
            f"training needs relevant and not relevant texts; got {len(pairs)} texts"
        )
    model = train(TrainingSet([t for t, _ in pairs], [y for _, y in pairs], sources))
    path = model_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(model.to_json(), ensure_ascii=False), encoding="utf-8")
    click.echo(
        f"wrote {path}: {model.version}, {len(pairs)} texts "
        f"({sum(y for _, y in pairs)} relevant; {sources})"
    )


@click.command("opinions")
@_DB
@click.option(
    "--model",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Model file (default: $VEILLEUR_SECOND_OPINION_MODEL, else var/second_opinion.json).",
)
def opinions_cmd(database_url: str | None, model: Path | None) -> None:
    """Score the notices the rules did not flag; the likeliest show as "à vérifier".

    \b
    Example:
      veilleur rules opinions --model var/second_opinion.json
    """
    from db.session import database_url as resolve

    try:
        loaded = load_model(model_path(model))
    except ModelError as exc:
        raise click.ClickException(str(exc)) from exc
    result = score_unflagged(resolve(database_url), loaded)
    click.echo(
        f"{loaded.version}: {result.scored} unflagged notices scored, "
        f"{result.to_check} to check (threshold {loaded.threshold})"
    )


@click.command("suggest")
@_LABELS
@_SPLIT
@_PART
@_CORPUS
@_DB
@click.option("--no-database", is_flag=True, help="Use the labels files only.")
@click.option("--top", default=30, show_default=True, help="Candidates to print.")
@click.option("--rules", "rule_files", multiple=True, type=click.Path(exists=True, path_type=Path))
def suggest_cmd(
    labels: tuple[Path, ...],
    split: Path | None,
    part: str | None,
    corpus: Path | None,
    database_url: str | None,
    no_database: bool,
    top: int,
    rule_files: tuple[Path, ...],
) -> None:
    """Propose rule terms: words the relevant notices no rule flagged share, and the others
    lack. It proposes; a person writes the rule, with real examples.

    \b
    Examples:
      veilleur rules suggest --database-url postgresql://veilleur@localhost/veilleur
      veilleur rules suggest --labels tests/fixtures/rules_labels/labels_found.csv \\
          --split tests/fixtures/rules_labels/split.csv --part TUNE --no-database
    """
    from veilleur.commands.rules import load_rules

    ruleset = load_rules(rule_files)
    missed: list[str] = []
    background: list[str] = []
    for text, relevant in _labelled_texts(labels, corpus, split, part):
        if not relevant:
            background.append(text)
        elif not ruleset.explain(text).flagged:
            missed.append(text)
    if not no_database:
        from db.opinions import judged_texts
        from db.session import database_url as resolve
        from db.session import session_scope

        with session_scope(resolve(database_url)) as session:
            for j in judged_texts(session):
                if j.relevant and not j.flagged:
                    missed.append(j.text)
                elif not j.relevant:
                    background.append(j.text)
    click.echo(f"{len(missed)} relevant texts no rule flagged, {len(background)} not relevant")
    if not missed:
        return

    def covered(phrase: str) -> bool:
        return bool(ruleset.explain(phrase).hits)

    for c in candidate_terms(missed, background, covered=covered, top=top):
        click.echo(f"  {c.phrase:<40} z={c.z:5.2f}  in {c.documents} texts | {c.example[:90]}")
