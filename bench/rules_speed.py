"""How fast the rules engine scans real French text, and whether it slows as rules grow.

Reads the notice texts of ``boamp_ted_html_2020_text.jsonl`` (654 real BOAMP/TED notices, about
13 MB) and times ``RuleSet.evaluate`` (accent folding + Aho-Corasick + boundaries + exclusions +
snippets): the shipped rules, then 30 real terms padded to 30, 300 and 3 000 terms, with two
kinds of padding: random letter strings, and pairs of real words from the corpus ("marché
lapin") which look like French, rarely match, but walk deep into the automaton (worst case).

Then dense text, where near words and exclusions used to cost the square of the text: the real
Var prefectoral act "164 arrêtés préfectoraux issus de la commission départementale des systèmes
de vidéoprotection" (1.28 MB, ``raa/var_2025/40d6cd00c9a0f137.txt``), real corpus lines naming
cameras or drones near police words repeated, and a price schedule (a real DECP title naming
cameras and vidéoprotection, one row per item), each at 100 KB, 400 KB and full size: MB/s stays
flat when the cost is linear. A field denser than the match budget is read up to the budget and
its decision is marked partial (printed).

Figures are MB of UTF-8 input per CPU second of this process (best of ``--repeat``), so that other
jobs on a shared machine do not distort them; "folding only" is the same-run baseline.

Usage: python bench/rules_speed.py [--corpus DIR] [--repeat 3]
(``--corpus`` defaults to ``$VEILLEUR_CORPUS``, else ``../shared/corpus`` beside the project.)
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extract.rules import RULES_DIR, RuleSet
from extract.text import fold
from tools.corpus import corpus_dir
from vocabulary.decision import TextField

TEXTS = "boamp_ted_html_2020_text.jsonl"
DENSE_ACT = "raa/var_2025/40d6cd00c9a0f137.txt"
CAMERA_RE = re.compile(r"(?i)cam[ée]ra|drone")
POLICE_RE = re.compile(r"(?i)police|vid[ée]o|surveillance|s[ûu]ret[ée]|s[ée]curit[ée]")


def dense_texts(corpus: Path, size: int) -> dict[str, str]:
    """Three dense texts of about ``size`` characters, all made of real material."""
    lines = []
    for name in ("marches-publics.info_2019-03-07.json", "e-marchespublics_2019-04-03.json"):
        for m in json.loads((corpus / "decp_2019" / name).read_text(encoding="utf-8"))["marches"]:
            objet = str(m.get("objet") or "").replace("<br />", " ")
            if CAMERA_RE.search(objet) and POLICE_RE.search(objet):
                lines.append(objet)
    for line in (corpus / "pages_more.jsonl").read_text(encoding="utf-8").splitlines():
        for sentence in re.split(r"(?<=[.!?])\s+", json.loads(line)["text"]):
            if CAMERA_RE.search(sentence) and POLICE_RE.search(sentence):
                lines.append(sentence)
    row = "FOURNITURE, LIVRAISON ET INSTALLATION DE CAMERAS DE VIDEOPROTECTION"
    schedule = "\n".join(f"{n:05d} | {row} | U | {100 + n % 900},00" for n in range(size // 90 + 1))
    act = (corpus / DENSE_ACT).read_text(encoding="utf-8")
    repeated = "\n".join(lines * (size // max(1, sum(map(len, lines))) + 1))
    return {
        "Var act, 164 CCTV authorisations": act[:size],
        "corpus lines, cameras near police": repeated[:size],
        "price schedule, a camera per row": schedule[:size],
    }


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(i, ensure_ascii=False) for i in items) + "]"


def _random_word(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(6, 12)))


def build_rules(tmp: Path, n_terms: int, vocabulary: list[str] | None, shipped: Path) -> RuleSet:
    """A rule file of ``n_terms`` terms: up to 30 real terms of the shipped rules, then padding."""
    data = tomllib.loads(shipped.read_text(encoding="utf-8"))
    real = [
        t
        for r in data.get("rule", [])
        if not r.get("near") and not r.get("requires")
        for t in r.get("terms", [])
    ][: min(30, n_terms)]
    rng = random.Random(n_terms)
    if vocabulary:  # pairs of real French words: many partial matches (worst case)
        extra = [
            f"{rng.choice(vocabulary)} {rng.choice(vocabulary)}" for _ in range(n_terms - len(real))
        ]
    else:  # random letter strings: the automaton leaves them at the first letters
        extra = [_random_word(rng) for _ in range(n_terms - len(real))]
    path = tmp / f"scale_{n_terms}.toml"
    path.write_text(
        f'[ruleset]\nname = "scale"\nversion = "{n_terms}"\n'
        f'[[rule]]\nid = "scale.real"\ncategory = "videosurveillance"\nterms = {_toml_list(real)}\n'
        + (
            # a category of the vocabulary (rule files may name no other); at weight 0.1 a
            # padding term alone never flags
            f'[[rule]]\nid = "scale.synthetic"\ncategory = "videosurveillance"\nweight = 0.1\n'
            f"terms = {_toml_list(extra)}\n"
            if extra
            else ""
        ),
        encoding="utf-8",
    )
    return RuleSet.load([path])


def _speed(ruleset: RuleSet, texts: list[str], megabytes: float, repeat: int) -> tuple[float, int]:
    fields = [[TextField("description", t)] for t in texts]
    flagged = sum(ruleset.evaluate(f).flagged for f in fields)
    best = min(_timed(lambda: [ruleset.evaluate(f) for f in fields]) for _ in range(repeat))
    return megabytes / best, flagged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="default: $VEILLEUR_CORPUS, else ../shared/corpus")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    path = corpus_dir(args.corpus) / TEXTS
    texts = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()]
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    vocabulary = sorted({w for t in texts[:200] for w in re.findall(r"[a-zéèàç]{5,}", t.lower())})
    print(
        f"corpus: {len(texts)} notices, {megabytes:.1f} MB UTF-8, vocabulary {len(vocabulary)} words"
    )

    best = min(_timed(lambda: [fold(t) for t in texts]) for _ in range(args.repeat))
    print(f"folding only:             {megabytes / best:6.1f} MB/s")

    import tempfile

    shipped = RULES_DIR / "surveillance.toml"
    ruleset = RuleSet.load([shipped])
    speed, flagged = _speed(ruleset, texts, megabytes, args.repeat)
    print(
        f"shipped rules ({sum(len(r.terms) for r in ruleset.rules)} terms, {ruleset.pattern_count} patterns, "
        f"near/exclusions/snippets): {speed:6.1f} MB/s ({flagged} flagged)"
    )
    print("dense text (MB/s should stay flat as the size grows):")
    for size in (100_000, 400_000, 1_300_000):
        for label, text in dense_texts(corpus_dir(args.corpus), size).items():
            field = [TextField("document", text, document="bench", page=1)]
            best = min(_timed(lambda f=field: ruleset.evaluate(f)) for _ in range(args.repeat))
            decision = ruleset.evaluate(field)
            mb = len(text.encode("utf-8")) / 1e6
            note = f"  [partial: {decision.partial_reason}]" if decision.partial else ""
            print(f"  {label:36s} {mb:5.2f} MB {mb / best:7.1f} MB/s{note}")
    with tempfile.TemporaryDirectory() as tmp:
        for label, vocab in (
            ("random-letter padding", None),
            ("real-word-pair padding", vocabulary),
        ):
            print(f"scaling, {label}:")
            for n_terms in (30, 300, 3000):
                ruleset = build_rules(Path(tmp), n_terms, vocab, shipped)
                speed, flagged = _speed(ruleset, texts, megabytes, args.repeat)
                print(
                    f"  {n_terms:5d} terms ({ruleset.pattern_count:5d} patterns): "
                    f"{speed:6.1f} MB/s ({flagged} flagged)"
                )


def _timed(fn: object) -> float:
    """CPU seconds of this process: on a shared machine wall time mostly measures the others."""
    start = time.process_time()
    fn()
    return time.process_time() - start


if __name__ == "__main__":
    main()
