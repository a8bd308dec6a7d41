"""``veilleur classify`` on one large plain-text file against the same text as one JSONL line.

The text is the 654 real BOAMP/TED notice texts of ``boamp_ted_html_2020_text.jsonl`` (about
13 MB) joined and repeated up to ``--mb`` megabytes (59 by default, the size of the file that
did not finish in 120 s when plain text was classified as one field). Each input is classified
by a separate ``python -m veilleur.cli classify`` process; the figures are its wall time, CPU
time and peak resident memory (``os.wait4``), the JSONL run being the same-run baseline.

Usage: python bench/classify_speed.py [--corpus DIR] [--mb 59]
(``--corpus`` defaults to ``$VEILLEUR_CORPUS``, else ``../shared/corpus`` beside the project.)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.corpus import ROOT, corpus_dir

TEXTS = "boamp_ted_html_2020_text.jsonl"


def _run(path: Path) -> tuple[float, float, float, dict[str, object]]:
    """(wall s, CPU s, peak MiB, first decision) of one classify process."""
    out = path.with_suffix(".out")
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "veilleur.cli", "classify", str(path), "-o", str(out)], cwd=ROOT
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"classify {path.name} failed with status {status}")
    decision = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, decision


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="default: $VEILLEUR_CORPUS, else ../shared/corpus")
    parser.add_argument("--mb", type=float, default=59.0, help="size of the text, in MB")
    args = parser.parse_args()
    source = corpus_dir(args.corpus) / TEXTS
    with source.open(encoding="utf-8") as fh:
        blob = "\n".join(json.loads(line)["text"] for line in fh if line.strip())
    target = int(args.mb * 1_000_000)
    size = len(blob.encode("utf-8"))
    text = "\n".join([blob] * max(1, round(target / size)))
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "big.txt"
        plain.write_text(text, encoding="utf-8")
        jsonl = Path(tmp) / "big.jsonl"
        jsonl.write_text(json.dumps({"id": "big", "text": text}, ensure_ascii=False) + "\n")
        mb = plain.stat().st_size / 1_000_000
        print(f"{mb:.1f} MB of real notice text ({source.name} x{round(target / size)})")
        print(f"{'input':<22}{'wall s':>8}{'CPU s':>8}{'MB/CPU s':>10}{'peak MiB':>10}  decision")
        for label, path in (("one JSONL line (base)", jsonl), ("plain text, chunked", plain)):
            wall, cpu, peak, decision = _run(path)
            hits = len(decision["hits"])  # type: ignore[arg-type]
            shown = f"flagged={decision['flagged']} hits={hits} {decision['categories']}"
            print(f"{label:<22}{wall:>8.1f}{cpu:>8.1f}{mb / cpu:>10.2f}{peak:>10.0f}  {shown}")


if __name__ == "__main__":
    main()
