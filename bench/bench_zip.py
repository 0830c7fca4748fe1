"""Benchmark: a ZIP of 100 fit reports as PDFs, as the vacancy export streams it.

Builds a real report (bench/_report_fixture.py), then runs the export's pipeline 100 times:
``build_report`` from the database in this process, ``render_report_pdf`` in the export's pool
of two worker processes (``app.exports.parallel.render_pdfs``, pool start-up included), through
``app.exports.zipstream.zip_chunks``. Checks the archive (100 entries, each a PDF), prints the
wall time, the per-report time and the load average before and after. Target: under 60 s on
2 cores.
"""

from __future__ import annotations

import io
import os
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

from _report_fixture import completed_invitation
from sqlmodel import Session

from app.exports.parallel import render_pdfs
from app.exports.zipstream import zip_chunks
from app.reports.build import build_report
from app.reports.data import ReportData

COUNT = 100
TARGET_S = 60.0


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def main() -> int:
    with completed_invitation() as (engine, invitation_id):

        def reports() -> Iterator[tuple[str, ReportData]]:
            for n in range(COUNT):
                with Session(engine) as session:
                    report = build_report(session, invitation_id=invitation_id, language="ru")
                yield f"report-{n:03d}.pdf", report

        print(f"load average before: {loadavg()} ({os.cpu_count()} cores)")
        t0 = time.perf_counter()
        out = io.BytesIO()
        for chunk in zip_chunks(render_pdfs(reports(), count=COUNT)):
            out.write(chunk)
        seconds = time.perf_counter() - t0
        print(f"load average after:  {loadavg()}")
    archive = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    names = archive.namelist()
    assert len(names) == COUNT and archive.testzip() is None
    assert all(archive.read(n).startswith(b"%PDF") for n in names[:3])
    print(f"ZIP of {COUNT} reports: {seconds:.1f} s ({seconds / COUNT * 1000:.0f} ms per report),")
    print(
        f"{len(out.getvalue()) / 1e6:.1f} MB; target < {TARGET_S:.0f} s:",
        "met" if seconds < TARGET_S else "MISSED",
    )
    return 0 if seconds < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
