"""Assemble the prefecture replays: State-template pages around the corpus's real RAA bundles,
and the Préfecture de police list around its real arrêté titles.

    python -m tools.assemble_raa_fixture tests/fixtures/prefectures [--corpus DIR]
    python -m tools.assemble_raa_fixture veilleur/demo/data/sources/prefecture --demo

Var (``<dest>/var``): the RAA page, a 2025 year page, one page per month and one card per
bundle, in the markup Attrap's Var reader selects (DSFR cards, the publication date after " - "
in the link's title, "Publié le dd/mm/yyyy" in the card detail); bundles are served at the path
of their real URL on var.gouv.fr: the original PDF where the corpus has it, else the extracted
text the corpus holds (served as is: one page of text). ``--demo``: one bundle only.

Préfecture de police (``<dest>/ppparis``): the CHECK rows of the rules split
(``tests/fixtures/rules_labels/split.csv``), 50 per page, as ``<a href=pdf><div
class="node--type--tc13-decree"><span>title</span><div class="field--type-datetime">date``
(the structure Attrap_ppparis.py and scrapepref read), and their labels (``labels.csv``, from
the corpus's ``ppparis_labels.csv``). The PDFs are not in the corpus: their links answer 404.
"""

from __future__ import annotations

import argparse
import csv
import html
import json
import shutil
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from tools.corpus import ROOT, corpus_dir

RAA = "/Publications/Recueil-des-actes-administratifs"
MONTHS = [
    "Janvier", "Février", "Mars", "Avril", "Mai", "Juin",
    "Juillet", "Août", "Septembre", "Octobre", "Novembre", "Décembre",
]  # fmt: skip
PP_LIST = "/actualites-et-presse/arretes/accueil-arretes"
#: the demo's bundle: RAA N°192 of 6 June 2025 (a drone authorisation and a drone-flight ban)
DEMO_BUNDLE = "02db690e8470fb80"


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body><main><h1>{html.escape(title)}</h1>"
        f'<div class="fr-grid-row">{body}</div></main></body></html>'
    )


def _card(href: str, text: str, detail: str = "", title_attr: str = "") -> str:
    attr = f' title="{html.escape(title_attr)}"' if title_attr else ""
    end = (
        f'<div class="fr-card__end"><p class="fr-card__detail">{detail}</p></div>' if detail else ""
    )
    return (
        '<div class="fr-card fr-card--horizontal fr-card--sm fr-enlarge-link"><div '
        'class="fr-card__body"><div class="fr-card__content"><h2 class="fr-card__title">'
        f'<a class="fr-card__link menu-item-link" href="{html.escape(href)}"{attr}>'
        f"{html.escape(text)}</a></h2>{end}</div></div></div>"
    )


def _entry(path: str, file: str, content_type: str, query: dict[str, str] | None = None) -> dict:
    entry = {"method": "GET", "path": path, "status": 200, "file": file}
    entry["headers"] = {"Content-Type": content_type}
    if query:
        entry["query"] = query
    return entry


def assemble_var(corpus: Path, dest: Path, only: list[str] | None) -> None:
    source = corpus / "raa" / "var_2025"
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "bundles").mkdir(exist_ok=True)
    bundles = []
    for meta_path in sorted(source.glob("*.json")):
        if only and meta_path.stem not in only:
            continue
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        pdf = source / f"{meta_path.stem}.pdf"
        body = pdf if pdf.exists() else source / f"{meta_path.stem}.txt"
        shutil.copyfile(body, dest / "bundles" / body.name)
        bundles.append((date.fromisoformat(meta["date"]), meta, body.name))
    entries = []
    year_path = f"{RAA}/Recueil-des-actes-administratifs-2025"
    raa_cards = _card(year_path, "Recueil des actes administratifs 2025")
    (dest / "raa.html").write_text(_page("Recueil des actes administratifs", raa_cards), "utf-8")
    entries.append(_entry(RAA, "raa.html", "text/html; charset=utf-8"))
    month_cards = ""
    for month in sorted({d.month for d, _, _ in bundles}, reverse=True):
        name = f"{MONTHS[month - 1]} 2025"
        slug = name.replace(" ", "-").replace("é", "e").replace("û", "u")
        path = f"{year_path}/{slug}"
        month_cards += _card(path, name)
        cards = ""
        for published, meta, file in sorted(bundles, key=lambda b: b[0], reverse=True):
            if published.month != month:
                continue
            shown = published.strftime("%d/%m/%Y")
            url_path = urlsplit(meta["url"]).path
            cards += _card(
                url_path, meta["name"], f"Publié le {shown}", f"{meta['name']} - {shown}"
            )
            kind = "application/pdf"
            entries.append(_entry(url_path, f"bundles/{file}", kind))
        page_file = f"month-{month:02d}.html"
        (dest / page_file).write_text(_page(name, cards), "utf-8")
        entries.append(_entry(path, page_file, "text/html; charset=utf-8"))
    (dest / "year-2025.html").write_text(
        _page("Recueil des actes administratifs 2025", month_cards), "utf-8"
    )
    entries.append(_entry(year_path, "year-2025.html", "text/html; charset=utf-8"))
    (dest / "index.json").write_text(json.dumps(entries, ensure_ascii=False, indent=1), "utf-8")


def assemble_ppparis(corpus: Path, dest: Path) -> None:
    split = ROOT / "tests" / "fixtures" / "rules_labels" / "split.csv"
    with split.open(encoding="utf-8", newline="") as fh:
        check = {
            r["record_id"]
            for r in csv.DictReader(fh)
            if r["file"] == "ppparis_arretes_half.csv" and r["part"] == "CHECK"
        }
    with (corpus / "raa" / "ppparis_arretes_half.csv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["numero_arrete"] in check]
    dest.mkdir(parents=True, exist_ok=True)
    entries = []
    pages = [rows[i : i + 50] for i in range(0, len(rows), 50)]
    for number, chunk in enumerate(pages):
        items = ""
        for row in chunk:
            href = urlsplit(row["pdf_url"]).path
            items += (
                f'<a href="{html.escape(href)}"><div class="node node--type--tc13-decree '
                f'node--view-mode--teaser"><span>{html.escape(row["titre"])}</span>'
                f'<div class="field field--name-field-date field--type-datetime">'
                f"{row['date_publication']}</div></div></a>\n"
            )
        pager = ""
        if number + 1 < len(pages):
            pager = (
                '<nav class="pager"><ul><li class="pager__item pager__item--next">'
                f'<a href="?page={number + 1}" rel="next">Suivant</a></li></ul></nav>'
            )
        body = f'<div id="block-decree-list-block">{items}</div>{pager}'
        file = f"arretes-{number}.html"
        (dest / file).write_text(_page("Arrêtés", body), "utf-8")
        query = {"page": str(number)} if number else None
        entries.append(_entry(PP_LIST, file, "text/html; charset=utf-8", query))
    with (corpus / "raa" / "ppparis_labels.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        labels = [r for r in reader if r["record_id"] in check]
    with (dest / "labels.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        writer.writerows(labels)
    # the first page answers without ?page: put it after the others (first match wins)
    entries.sort(key=lambda e: "query" not in e)
    (dest / "index.json").write_text(json.dumps(entries, ensure_ascii=False, indent=1), "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--corpus")
    parser.add_argument("--demo", action="store_true", help="one Var bundle, no Paris list")
    parser.add_argument("--bundles", nargs="*", help="corpus ids of the Var bundles to take")
    args = parser.parse_args()
    corpus = corpus_dir(args.corpus)
    if args.demo:
        assemble_var(corpus, args.dest, [DEMO_BUNDLE])
        return
    assemble_var(corpus, args.dest / "var", args.bundles)
    assemble_ppparis(corpus, args.dest / "ppparis")


if __name__ == "__main__":
    main()
