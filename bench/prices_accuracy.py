"""How many surveillance lines of real price schedules the reader gets right.

Reads every ``*.labels.csv`` beside the schedules in ``tests/fixtures/prices`` (one row per
priced line, hand labelled) and prints, per file and per reading path (the spreadsheet itself,
and its PDF rendering through pdfplumber's tables): precision and recall of the surveillance
lines, then among the lines found, how many have the right designation, equipment, action and
unit price. Quantities and totals are counted only where the labels have them.

    python bench/prices_accuracy.py
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extract.prices import read_price_lines

FIXTURES = ROOT / "tests" / "fixtures" / "prices"


def _close(a: object, b: str) -> bool:
    if not b:
        return a is None
    return a is not None and abs(float(a) - float(b)) < 0.005  # type: ignore[arg-type]


def measure(document: Path, labels: list[dict[str, str]]) -> dict[str, object]:
    kind = document.suffix.lstrip(".").lower()
    result = read_price_lines(document.read_bytes(), kind)
    wanted = {r["price_no"]: r for r in labels if r["surveillance"] == "1"}
    found = {line.row.number: line for line in result.lines}
    hits = [n for n in found if n in wanted]
    fields: dict[str, int] = {
        "designation": sum(found[n].row.designation == wanted[n]["designation"] for n in hits),
        "equipment": sum(found[n].equipment == wanted[n]["equipment"] for n in hits),
        "action": sum(found[n].action == wanted[n]["action"] for n in hits),
        "unit_price": sum(_close(found[n].row.unit_price, wanted[n]["unit_price"]) for n in hits),
    }
    for name in ("quantity", "total"):  # only where the labels have a value
        have = [n for n in hits if wanted[n][name]]
        fields[name] = sum(_close(getattr(found[n].row, name), wanted[n][name]) for n in have)
        fields[f"{name}_labelled"] = len(have)
    return {
        "file": document.name, "status": result.status, "rows": len(result.rows),
        "labelled": len(wanted), "found": len(found), "right": len(hits), **fields,
    }  # fmt: skip


def main() -> None:
    print(f"{'file':44} {'rows':>5} {'lab':>4} {'found':>5} {'prec':>6} {'recall':>6}  fields")
    for labels_path in sorted(FIXTURES.glob("*.labels.csv")):
        stem = labels_path.name.removesuffix(".labels.csv")
        with open(labels_path, encoding="utf-8") as fh:
            labels = list(csv.DictReader(fh))
        for document in sorted(FIXTURES.glob(f"{stem}.*")):
            if document.suffix in (".csv", ".md"):
                continue
            m = measure(document, labels)
            found, right, lab = int(m["found"]), int(m["right"]), int(m["labelled"])  # type: ignore[call-overload]
            prec = right / found if found else 0.0
            fields = " ".join(
                f"{k} {m[k]}/{right}" for k in ("designation", "equipment", "action", "unit_price")
            )
            for k in ("quantity", "total"):
                labelled = m[f"{k}_labelled"]
                fields += f" {k} " + (f"{m[k]}/{labelled}" if labelled else "n/a (not in labels)")
            print(
                f"{m['file']:44} {m['rows']:>5} {lab:>4} {found:>5} {prec:6.1%} "
                f"{right / lab if lab else 0:6.1%}  {fields}"
            )


if __name__ == "__main__":
    main()
