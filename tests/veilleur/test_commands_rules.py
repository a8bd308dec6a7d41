"""The rules commands, run through click's CliRunner on real corpus extracts and databases."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from db.session import sessionmaker_for
from tests.factories import seed_verdicts
from veilleur.commands.rules import classify, rules

pytestmark = pytest.mark.pg_reuse

DATA = Path(__file__).parents[1] / "fixtures" / "corpus_labels"


def test_classify_jsonl(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": "a", "title": "Extension de la vidéoprotection", "text": ""})
        + "\n"
        + json.dumps({"id": "b", "text": "Fourniture de denrées"})
        + "\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(classify, [str(src)])
    out = [json.loads(line) for line in result.output.splitlines()]
    assert [(o["id"], o["flagged"]) for o in out] == [("a", True), ("b", False)]


def test_classify_hit_shape(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": "a", "text": "caméras de vidéoprotection"}) + "\n", encoding="utf-8"
    )
    hit = json.loads(CliRunner().invoke(classify, [str(src)]).output)["hits"][0]
    assert {"rule", "category", "field", "snippet"} <= set(hit)


def test_classify_bad_json_line_is_reported_not_fatal(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("{broken\n" + json.dumps({"id": "ok", "text": "x"}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(classify, [str(src)])
    lines = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert ("error" in lines[0], lines[1]["id"]) == (True, "ok")


def test_classify_text_file(tmp_path: Path) -> None:
    src = tmp_path / "cctp.txt"
    src.write_text("Lot 3 : lecture automatique de plaques d'immatriculation", encoding="utf-8")
    out = json.loads(CliRunner().invoke(classify, [str(src)]).output)
    assert out["categories"] == ["lapi"]


def test_classify_pdf() -> None:
    pdf = DATA / "boamp_pdf_2020" / "boamp-avis-20-101498.pdf"
    out = json.loads(CliRunner().invoke(classify, [str(pdf)]).output)
    assert (out["id"], out["flagged"]) == ("boamp-avis-20-101498.pdf", False)


def test_classify_broken_pdf_gives_error_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 100)
    out = json.loads(CliRunner().invoke(classify, [str(bad)]).stdout.splitlines()[0])
    assert "error" in out


def test_rules_test_passes() -> None:
    result = CliRunner().invoke(rules, ["test"])
    assert result.exit_code == 0 and "0 failure(s)" in result.output


def test_rules_test_fails_on_bad_example(tmp_path: Path) -> None:
    path = tmp_path / "r.toml"
    path.write_text(
        '[[rule]]\nid = "x"\ncategory = "drones"\nterms = ["drone"]\n'
        'examples_match = ["un avion"]\n',
        encoding="utf-8",
    )
    assert CliRunner().invoke(rules, ["test", "--rules", str(path)]).exit_code == 1


def test_rules_explain_names_rule() -> None:
    result = CliRunner().invoke(rules, ["explain", "logiciel de reconnaissance faciale"])
    assert "facial_recognition.terms" in result.output


def test_rules_eval_figures(tmp_path: Path) -> None:
    data = tmp_path / "corpus"
    shutil.copytree(DATA, data)
    result = CliRunner().invoke(
        rules, ["eval", "--labels", str(data / "labels.csv"), "--data", str(data)]
    )
    overall = next(line for line in result.output.splitlines() if line.startswith("overall"))
    assert "P=1.000 R=1.000" in overall


FOUND = Path(__file__).parents[1] / "fixtures" / "rules_labels"


def test_rules_eval_scores_one_side_of_the_split() -> None:
    args = ["eval", "--labels", str(FOUND / "labels_found.csv")]
    args += ["--split", str(FOUND / "split.csv"), "--part", "TUNE", "--no-details"]
    result = CliRunner().invoke(rules, args)
    assert "55 labelled rows (TUNE)" in result.output


def test_rules_eval_prints_confusion_between_categories() -> None:
    args = ["eval", "--labels", str(FOUND / "labels_found.csv")]
    args += ["--split", str(FOUND / "split.csv"), "--part", "TUNE", "--no-details"]
    out = CliRunner().invoke(rules, args).output.split("confusion (")[1]
    row = next(x for x in out.splitlines() if x.strip().startswith("drones "))
    assert row.split(None, 1)[1].startswith("drones ")


def test_rules_eval_part_needs_a_split() -> None:
    args = ["eval", "--labels", str(FOUND / "labels_found.csv"), "--part", "CHECK"]
    result = CliRunner().invoke(rules, args)
    assert result.exit_code != 0 and "--part needs --split" in result.output


def test_rules_eval_corpus_rows_need_the_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VEILLEUR_CORPUS", raising=False)
    args = ["eval", "--labels", str(FOUND / "labels_corpus_extra.csv")]
    result = CliRunner().invoke(rules, args)
    assert "give --corpus DIR or set VEILLEUR_CORPUS" in result.output


def test_rules_eval_lists_misses_with_a_weaker_rule_file(tmp_path: Path) -> None:
    path = tmp_path / "r.toml"
    path.write_text('[[rule]]\nid = "x"\ncategory = "lapi"\nterms = ["LAPI"]\n', encoding="utf-8")
    result = CliRunner().invoke(
        rules, ["eval", "--labels", str(DATA / "labels.csv"), "--rules", str(path)]
    )
    assert "misses: 24" in result.output


def test_rules_eval_reports_unreadable_rows(tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "file,record_id,title,flag,categories,rationale\nnope.json,1,t,1,lapi,x\n", encoding="utf-8"
    )
    result = CliRunner().invoke(rules, ["eval", "--labels", str(labels)])
    assert "unreadable: nope.json 1" in result.output


def test_rules_report_command(db_url: str) -> None:
    with sessionmaker_for(db_url)() as s:
        seed_verdicts(s)
    result = CliRunner().invoke(rules, ["report", "--database-url", db_url])
    assert "videosurveillance.camera_context" in result.output.splitlines()[1]


@pytest.mark.parametrize(
    "cmd", [["--help"], ["test", "--help"], ["eval", "--help"], ["report", "--help"]]
)
def test_help_has_example(cmd: list[str]) -> None:
    assert "Example" in CliRunner().invoke(rules, cmd).output


def test_classify_help_has_example() -> None:
    assert "Example" in CliRunner().invoke(classify, ["--help"]).output


def _tune_args() -> list[str]:
    return [
        "--labels",
        str(FOUND / "labels_found.csv"),
        "--split",
        str(FOUND / "split.csv"),
        "--part",
        "TUNE",
    ]


def test_train_then_opinions_lists_notices_to_check(db_url: str, tmp_path: Path) -> None:
    from db.notice_list import NoticeFilters, notice_page
    from tests.factories import decision, notice_item, store

    model = tmp_path / "m.json"
    trained = CliRunner().invoke(
        rules, ["train", *_tune_args(), "--no-database", "--out", str(model)]
    )
    assert trained.exit_code == 0, trained.output
    with sessionmaker_for(db_url)() as s:
        texts = {
            "likely": "la ville teste des capteurs sonores couplés aux caméras de vidéosurveillance "
            "pour alerter la police municipale des bruits suspects",
            "unlikely": "Fourniture de denrées alimentaires pour la restauration scolaire",
        }
        ids = {
            k: store(s, notice_item(source_id=k, title=t), decision()).id for k, t in texts.items()
        }
        s.commit()
    args = ["opinions", "--model", str(model), "--database-url", db_url]
    result = CliRunner().invoke(rules, args)
    assert "2 unflagged notices scored" in result.output
    with sessionmaker_for(db_url)() as s:
        listed = [r["id"] for r in notice_page(s, NoticeFilters(to_check=True)).rows]
    assert listed == [ids["likely"]]


def test_opinions_without_a_model_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(rules, ["opinions", "--model", str(tmp_path / "none.json")])
    assert result.exit_code != 0 and "cannot read second-opinion model" in result.output


def test_train_needs_both_kinds_of_text(tmp_path: Path) -> None:
    labels = tmp_path / "l.csv"
    labels.write_text(
        "file,record_id,title,flag,categories,rationale\n"
        "pages_found.jsonl,orleans-fnac-detecteurs-sons-anormaux-2021,t,1,audio_detection,x\n",
        encoding="utf-8",
    )
    shutil.copy(FOUND / "pages_found.jsonl", tmp_path)
    result = CliRunner().invoke(rules, ["train", "--labels", str(labels), "--no-database"])
    assert "training needs relevant and not relevant texts" in result.output


def test_suggest_proposes_words_of_missed_texts(tmp_path: Path) -> None:
    weak = tmp_path / "weak.toml"
    weak.write_text('[[rule]]\nid = "x"\ncategory = "lapi"\nterms = ["LAPI"]\n', encoding="utf-8")
    chosen = {
        "culture-cctp-plateforme-veille-reseaux-sociaux-2015",
        "culture-nextinpact-veille-reseaux-sociaux-2015",
        "sig-trt-surveillance-reseaux-sociaux-ia-2025",
        "bofip-cadastre-photogrammetrie-prise-de-vues",
        "gyneobs-biometrie-foetale",
    }
    with (FOUND / "labels_found.csv").open(encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    kept = [lines[0]] + [x for x in lines[1:] if x.split(",")[1] in chosen]
    (tmp_path / "l.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    shutil.copy(FOUND / "pages_found.jsonl", tmp_path)
    args = ["suggest", "--labels", str(tmp_path / "l.csv"), "--no-database", "--rules", str(weak)]
    result = CliRunner().invoke(rules, args)
    assert "3 relevant texts no rule flagged, 2 not relevant" in result.output
    assert "reseaux sociaux" in result.output
