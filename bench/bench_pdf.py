"""Benchmark: one full fit report as a PDF against a one-page WeasyPrint document.

Builds a real report (bench/_report_fixture.py), checks its PDF's text first (the candidate's
Cyrillic name and "page 1 of N"), then renders it 20 times with
``app.exports.pdf.render_report_pdf`` and, in the same run, 20 times a one-page document (a
heading and a paragraph in DejaVu Sans). Prints the medians and their ratio.
Target: ratio <= 3.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _report_fixture import completed_invitation
from sqlmodel import Session
from weasyprint import HTML

from app.exports.pdf import render_report_pdf
from app.reports.build import build_report

RUNS = 20
TARGET_RATIO = 3.0
ONE_PAGE = (
    "<html><body style='font-family: DejaVu Sans'><h1>Отчёт</h1>"
    "<p>Одна страница текста для сравнения. One page of text.</p></body></html>"
)


def median_ms(fn: object) -> float:
    fn()  # type: ignore[operator]  # warm-up: fonts and caches
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> int:
    with completed_invitation() as (engine, invitation_id), Session(engine) as session:
        report = build_report(session, invitation_id=invitation_id, language="ru")
    pdf = render_report_pdf(report)
    if shutil.which("pdftotext"):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
            Path(fh.name).write_bytes(pdf)
            out = subprocess.run(
                ["pdftotext", fh.name, "-"], capture_output=True, text=True, check=True
            ).stdout
        pages = out.count("\f")
        flat = " ".join(out.split())
        assert "Анна Петрова-Щукина" in flat and f"стр. 1 из {pages}" in flat, flat[:300]
        print(f"report: {pages} pages, {len(pdf) / 1024:.0f} KB")
    full = median_ms(lambda: render_report_pdf(report))
    one = median_ms(lambda: HTML(string=ONE_PAGE).write_pdf())
    ratio = full / one
    print(f"full report PDF: median {full:.0f} ms over {RUNS}")
    print(f"one-page PDF:    median {one:.0f} ms over {RUNS}")
    print(f"ratio {ratio:.2f}x (target <= {TARGET_RATIO:.0f}x):", "met" if ratio <= 3 else "MISSED")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
