"""The price-schedule reader on a real BPU (XLSX as published, and its PDF rendering through
pdfplumber's tables), its rules' own examples, and French number formats."""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

import pytest

from extract.prices import PricesResult, classify, parse_number, read_price_lines

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "prices"
BPU = FIXTURES / "ratp-courants-faibles-bpu.xlsx"
RENDERED = FIXTURES / "ratp-courants-faibles-bpu.rendered.pdf"
RULES = tomllib.loads(
    (Path(__file__).resolve().parents[2] / "extract" / "prices_rules.toml").read_text("utf-8")
)


@pytest.fixture(scope="module")
def rendered() -> PricesResult:
    """The PDF rendering read once for the module (pdfplumber takes seconds on 8 pages)."""
    return read_price_lines(RENDERED.read_bytes(), "pdf")


def _labels() -> dict[str, dict[str, str]]:
    with open(FIXTURES / "ratp-courants-faibles-bpu.labels.csv", encoding="utf-8") as fh:
        return {r["price_no"]: r for r in csv.DictReader(fh)}


@pytest.mark.parametrize(
    ("text", "value"),
    [("1 234,56 €", 1234.56), ("1.234,56", 1234.56), ("266.12", 266.12), ("12 000", 12000.0),
     ("1,234.5", 1234.5), ("PM", None), ("-", None), ("", None), (7, 7.0)],
)  # fmt: skip
def test_numbers_are_read_as_schedules_print_them(text: object, value: float | None) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(
    ("equipment", "example"),
    [(e["name"], ex) for e in RULES["equipment"] for ex in e.get("must", [])],
)
def test_each_rule_matches_its_examples(equipment: str, example: str) -> None:
    found = classify(example)
    assert found is not None and found[0] == equipment


@pytest.mark.parametrize(
    "example", [ex for e in RULES["equipment"] for ex in e.get("must_not", [])]
)
def test_each_rule_refuses_its_counter_examples(example: str) -> None:
    assert classify(example) is None


def test_a_bay_is_surveillance_equipment_only_in_a_video_section() -> None:
    assert classify("Installation d'une baie", "VIDEO SURVEILLANCE (INSTALLATION)") is not None
    assert classify("Installation d'une baie", "RESEAUX LOCAUX D'ETABLISSEMENT") is None


def test_the_real_bpu_yields_exactly_its_labelled_surveillance_lines() -> None:
    result = read_price_lines(BPU.read_bytes(), "xlsx")
    wanted = {n for n, r in _labels().items() if r["surveillance"] == "1"}
    assert {line.row.number for line in result.lines} == wanted


def test_the_real_bpu_lines_carry_the_supply_unit_price() -> None:
    labels = _labels()
    result = read_price_lines(BPU.read_bytes(), "xlsx")
    assert all(
        line.row.unit_price == pytest.approx(float(labels[str(line.row.number)]["unit_price"]))
        for line in result.lines
    )


def test_intercoms_and_passenger_screens_are_not_surveillance() -> None:
    result = read_price_lines(BPU.read_bytes(), "xlsx")
    designations = " ".join(line.row.designation for line in result.lines)
    assert "portier" not in designations and "SIEL" not in designations


def test_the_pdf_rendering_finds_the_same_lines_through_pdfplumber_tables(
    rendered: PricesResult,
) -> None:
    result = rendered
    wanted = {n for n, r in _labels().items() if r["surveillance"] == "1"}
    assert {line.row.number for line in result.lines} == wanted


def test_overflowing_rows_of_the_rendering_are_reported_as_printed(rendered: PricesResult) -> None:
    """Rows 3.4.303/3.4.304 overflow their height in the PDF: the reader keeps what pdfplumber
    sees (interleaved characters) instead of guessing the designation."""
    lines = {line.row.number: line for line in rendered.lines}
    assert lines["3.4.304"].row.designation != "Déplacement d'une baie"


def test_a_file_that_is_not_a_schedule_is_a_status() -> None:
    assert read_price_lines(b"%PDF-1.4 broken", "pdf").status == "unreadable"
    assert read_price_lines(b"", "docx").status == "unreadable"
