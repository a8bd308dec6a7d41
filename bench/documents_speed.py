"""Document extraction speed and memory, next to poppler's ``pdftotext`` on the same files.

    python bench/documents_speed.py            # everything (a few minutes)
    python bench/documents_speed.py --quick    # skip the pdfplumber memory curve
    python bench/documents_speed.py --corpus DIR   # default: $VEILLEUR_CORPUS, ../shared/corpus

Prints: pages/s and peak RSS per worker on the corpus PDFs (pdfium engine through the worker
pool, OCR off so the text layers are compared like for like) against ``pdftotext``; the share of
files where pdfium and pdfplumber give the rules the same words; peak memory against page count
for a several-hundred-page document built with qpdf from real pages; OCR seconds per page with
``OMP_THREAD_LIMIT=1`` and with tesseract's default threading.
"""

from __future__ import annotations

import argparse
import glob
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pypdfium2 as pdfium

from extract.documents import extract_document
from extract.ocr import ocr_image, render_page_png
from extract.result import Limits
from extract.textclean import rule_words
from extract.worker import WorkerPool
from tools.corpus import corpus_dir

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "documents"


def corpus_pdfs(corpus: Path) -> list[Path]:
    files = sorted(glob.glob(str(corpus / "boamp_pdf_2020" / "*.pdf")))
    files += sorted(glob.glob(str(corpus / "pdfplumber_tests" / "*.pdf")))
    files += sorted(glob.glob(str(corpus / "raa_scans_ocr" / "*.pdf")))
    return [Path(f) for f in files if Path(f).stat().st_size > 0]


def proc_status(pid: int, key: str) -> int:
    """A /proc/<pid>/status field in KiB (VmHWM = peak resident set)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_pdftotext(files: list[Path]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of pdftotext over ``files``, one process at a time."""
    before = os.times()
    started = time.perf_counter()
    for path in files:
        subprocess.run(["pdftotext", "-q", str(path), "-"], capture_output=True, check=False)
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return time.perf_counter() - started, cpu


def bench_pool(files: list[Path], engine: str) -> tuple[float, int, list[int], float, float]:
    limits = Limits(ocr=False, pdf_engine=engine, time_budget_s=600)
    with WorkerPool(2, limits=limits, max_tasks_per_child=10_000) as pool:
        pool.extract(b"warm up")
        pool.extract(b"warm up")
        pids = pool.pids()
        cpu0 = sum(cpu_seconds(p) for p in pids)
        started = time.perf_counter()
        futures = [pool.submit(p.read_bytes(), name=p.name) for p in files]
        pages = sum(len(f.result().pages) for f in futures)
        wall = time.perf_counter() - started
        peaks = [proc_status(p, "VmHWM") // 1024 for p in pids]
        cpu = sum(cpu_seconds(p) for p in pids) - cpu0
    return wall, pages, peaks, cpu / wall, cpu


def agreement(files: list[Path]) -> tuple[int, int, list[str]]:
    same, differ = 0, []
    for path in files:
        data = path.read_bytes()
        a = rule_words(extract_document(data, limits=Limits(ocr=False)).text)
        b = rule_words(
            extract_document(data, limits=Limits(ocr=False, pdf_engine="pdfplumber")).text
        )
        if a == b:
            same += 1
        else:
            differ.append(path.name)
    return same, len(files), differ


def build_long_pdf(tmp: Path, corpus: Path, pages_wanted: int) -> Path:
    """Concatenate the real BOAMP notices with qpdf until the document has ``pages_wanted`` pages."""
    sources = sorted(glob.glob(str(corpus / "boamp_pdf_2020" / "*.pdf")))
    per_round = sum(len(pdfium.PdfDocument(s)) for s in sources)
    rounds = -(-pages_wanted // per_round)
    out = tmp / "long.pdf"
    subprocess.run(
        ["qpdf", "--empty", "--pages", *(sources * rounds), "--", str(out)],
        check=False,
        capture_output=True,
    )
    return out


def memory_curve(path: Path, engine: str, counts: list[int]) -> list[tuple[int, int, float]]:
    rows = []
    data = path.read_bytes()
    for count in counts:
        limits = Limits(ocr=False, pdf_engine=engine, max_pages=count, time_budget_s=3600)
        with WorkerPool(1, limits=limits) as pool:
            started = time.perf_counter()
            result = pool.extract(data)
            seconds = time.perf_counter() - started
            rows.append((len(result.pages), proc_status(pool.pids()[0], "VmHWM") // 1024, seconds))
    return rows


def bench_ocr(corpus: Path, pages: int) -> tuple[float, float]:
    scan = pdfium.PdfDocument(
        str(corpus / "raa_scans_ocr" / "RAA03_03-2025-01-02-00001_ddfip-delegation.pdf")
    )
    pngs = [render_page_png(scan[i], 300) for i in range(min(pages, len(scan)))]
    timings = []
    for threads in ("1", None):
        env_before = os.environ.get("OMP_THREAD_LIMIT")
        started = time.perf_counter()
        for png in pngs:
            if threads is None:
                subprocess.run(
                    ["tesseract", "stdin", "stdout", "-l", "fra+eng", "--dpi", "300"],
                    input=png,
                    capture_output=True,
                    check=False,
                    env={k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"},
                )
            else:
                ocr_image(png, languages="fra+eng", dpi=300, timeout_s=300)
        timings.append((time.perf_counter() - started) / len(pngs))
        if env_before is not None:
            os.environ["OMP_THREAD_LIMIT"] = env_before
    return timings[0], timings[1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="skip the pdfplumber memory curve")
    parser.add_argument("--long-pages", type=int, default=520)
    parser.add_argument(
        "--agreement-all",
        action="store_true",
        help="also compare engines on every small corpus PDF (slow: pdfplumber)",
    )
    parser.add_argument("--corpus", help="default: $VEILLEUR_CORPUS, else ../shared/corpus")
    args = parser.parse_args()
    corpus = corpus_dir(args.corpus)
    files = corpus_pdfs(corpus)
    total_bytes = sum(p.stat().st_size for p in files)
    print(
        f"corpus: {len(files)} PDFs, {total_bytes / 1e6:.1f} MB, load average {os.getloadavg()[0]:.1f}"
    )

    floor, floor_cpu = bench_pdftotext(files)
    wall, pages, peaks, busy, cpu = bench_pool(files, "pdfium")
    print(
        f"pdftotext (1 process):        {floor:6.2f} s wall {floor_cpu:6.2f} s CPU  {pages / floor:7.0f} pages/s"
    )
    print(
        f"veilleur pdfium, 2 workers:   {wall:6.2f} s wall {cpu:6.2f} s CPU  {pages / wall:7.0f} pages/s  "
        f"{wall / floor:.2f}x pdftotext wall, {cpu / floor_cpu:.2f}x its CPU; "
        f"peak RSS per worker {peaks} MiB; cores busy {busy:.2f}"
    )
    boamp = sorted((corpus / "boamp_pdf_2020").glob("*.pdf"))
    wall_p, pages_p, peaks_p, _, _ = bench_pool(boamp, "pdfplumber")
    wall_f, pages_f, _, _, _ = bench_pool(boamp, "pdfium")
    print(
        f"BOAMP notices ({pages_p} pages): pdfplumber {pages_p / wall_p:.1f} pages/s, "
        f"pdfium {pages_f / wall_f:.0f} pages/s (2 workers each); pdfplumber peak RSS {peaks_p} MiB"
    )
    same, count, differ = agreement(boamp)
    print(
        f"same words for the rules (pdfium vs pdfplumber): {same}/{count} BOAMP notices {differ or ''}"
    )
    if args.agreement_all:
        small = [p for p in files if p.stat().st_size < 400_000 and "raa_" not in str(p)]
        same_all, count_all, differ_all = agreement(small)
        print(
            f"same words for the rules, small corpus PDFs: {same_all}/{count_all} "
            f"(differences: {', '.join(differ_all)})"
        )

    with tempfile.TemporaryDirectory() as tmp:
        long_pdf = build_long_pdf(Path(tmp), corpus, args.long_pages)
        total = len(pdfium.PdfDocument(str(long_pdf)))
        counts = sorted({max(1, total // 8), total // 4, total // 2, total})
        print(
            f"memory vs pages ({long_pdf.stat().st_size / 1e6:.1f} MB, {total} real BOAMP pages):"
        )
        for n, peak, seconds in memory_curve(long_pdf, "pdfium", counts):
            print(f"  pdfium      {n:5d} pages  peak RSS {peak:5d} MiB  {seconds:6.2f} s")
        if not args.quick:
            for n, peak, seconds in memory_curve(long_pdf, "pdfplumber", [counts[0], counts[-1]]):
                print(f"  pdfplumber  {n:5d} pages  peak RSS {peak:5d} MiB  {seconds:6.2f} s")

    single, default = bench_ocr(corpus, 2)
    print(
        f"OCR 300 dpi fra+eng: {single:.1f} s/page with OMP_THREAD_LIMIT=1, "
        f"{default:.1f} s/page with tesseract's default threading"
    )


if __name__ == "__main__":
    main()
