"""Exports: one report as PDF, a vacancy's reports as a ZIP of PDFs, its results as CSV or XLSX.

Every export is streamed: the ZIP hands each PDF on as soon as it is rendered, CSV rows go out
in chunks, the XLSX is written to a temporary file and streamed from there. The generators open
their own database session: the request's one is closed by the time a long stream runs.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Annotated
from urllib.parse import quote

import anyio.to_thread
from fastapi import Depends, Request
from fastapi.responses import Response, StreamingResponse
from sqlmodel import Session, col, select

from app.auth.deps import StaffAudit
from app.auth.permissions import invitation_for, staff_router, vacancy_for
from app.dashboard.service import all_rows
from app.db import SessionDep, utcnow
from app.exports.parallel import render_pdfs
from app.exports.pdf import render_report_pdf
from app.exports.tabular import csv_chunks, xlsx_chunks
from app.exports.zipstream import zip_chunks
from app.models import Candidate, Invitation, Vacancy
from app.reports.build import build_report
from app.reports.data import ReportData
from app.web import staff_language

router = staff_router()
# Every export of a whole vacancy needs the right to export its reports.
ExportedVacancy = Annotated[Vacancy, Depends(vacancy_for("report.export"))]


def safe_filename(text: str, fallback: str) -> str:
    """Letters (Cyrillic too), digits, dash and underscore; the rest becomes '_'."""
    cleaned = re.sub(r"[^\w\-]+", "_", text, flags=re.UNICODE).strip("_")[:80]
    return cleaned or fallback


def _vacancy_file(vacancy: Vacancy, ending: str) -> str:
    return f"{safe_filename(vacancy.title, 'vacancy')}-{vacancy.id}{ending}"


def _attachment(filename: str) -> dict[str, str]:
    # RFC 6266: an ASCII fallback plus the UTF-8 name for browsers that read it.
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    return {
        "Content-Disposition": (
            f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
        ),
        "Cache-Control": "no-store",
    }


@router.get("/invitations/{invitation_id}/report.pdf")
def report_pdf(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    invitation: Annotated[Invitation, Depends(invitation_for("report.export"))],
) -> Response:
    assert invitation.id is not None
    report = build_report(session, invitation_id=invitation.id, language=staff_language(request))
    pdf = render_report_pdf(report)
    audit("report.export_pdf", invitation)
    name = f"{safe_filename(report.candidate.name, 'report')}-{invitation.id}.pdf"
    return Response(pdf, media_type="application/pdf", headers=_attachment(name))


def vacancy_pdfs(engine: object, *, vacancy_id: int, language: str) -> Iterator[tuple[str, bytes]]:
    """(file name, PDF) for each completed invitation of the vacancy, one at a time."""
    with Session(engine) as session:  # type: ignore[arg-type]
        rows = session.exec(
            select(Invitation.id, Candidate.name)
            .join(Candidate, col(Candidate.id) == col(Invitation.candidate_id))
            .where(Invitation.vacancy_id == vacancy_id, col(Invitation.completed_at).is_not(None))
            .order_by(col(Invitation.id))
        ).all()

    def reports() -> Iterator[tuple[str, ReportData]]:
        # The database work stays in this process; only the drawing goes to the workers.
        for invitation_id, name in rows:
            assert invitation_id is not None
            with Session(engine) as session:  # type: ignore[arg-type]
                report = build_report(session, invitation_id=invitation_id, language=language)
            yield f"{safe_filename(name, 'report')}-{invitation_id}.pdf", report

    yield from render_pdfs(reports(), count=len(rows))


@router.get("/vacancies/{vacancy_id}/export.zip")
def vacancy_zip(
    request: Request,
    audit: StaffAudit,
    vacancy: ExportedVacancy,
) -> Response:
    assert vacancy.id is not None
    audit("vacancy.export_zip", vacancy)
    files = vacancy_pdfs(
        request.app.state.engine, vacancy_id=vacancy.id, language=staff_language(request)
    )
    name = _vacancy_file(vacancy, "-reports.zip")
    return StreamingResponse(
        in_export_threads(request, zip_chunks(files)),
        media_type="application/zip",
        headers=_attachment(name),
    )


async def in_export_threads(request: Request, chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    """Pull ``chunks`` in the export threads, not the request threads: between two chunks the
    ZIP waits for the next PDF (about half a second), and a few downloads waiting in the
    request threads (REQUEST_THREADS, 4) would stall every candidate's page meanwhile."""
    limiter = request.app.state.export_limiter
    while True:
        chunk: bytes | None = await anyio.to_thread.run_sync(next, chunks, None, limiter=limiter)
        if chunk is None:
            return
        yield chunk


def _rows(engine: object, vacancy_id: int) -> Iterator[object]:
    with Session(engine) as session:  # type: ignore[arg-type]
        yield from all_rows(session, vacancy_id=vacancy_id, now=utcnow())


@router.get("/vacancies/{vacancy_id}/export.csv")
def vacancy_csv(
    request: Request,
    audit: StaffAudit,
    vacancy: ExportedVacancy,
    sep: str = "comma",
) -> Response:
    assert vacancy.id is not None
    audit("vacancy.export_csv", vacancy)
    rows = _rows(request.app.state.engine, vacancy.id)
    name = _vacancy_file(vacancy, ".csv")
    chunks = csv_chunks(
        rows,  # type: ignore[arg-type]
        language=staff_language(request),
        excel=sep == "semicolon",
    )
    return StreamingResponse(
        chunks,
        media_type="text/csv; charset=utf-8",
        headers=_attachment(name),
    )


@router.get("/vacancies/{vacancy_id}/export.xlsx")
def vacancy_xlsx(
    request: Request,
    audit: StaffAudit,
    vacancy: ExportedVacancy,
) -> Response:
    assert vacancy.id is not None
    audit("vacancy.export_xlsx", vacancy)
    rows = _rows(request.app.state.engine, vacancy.id)
    name = _vacancy_file(vacancy, ".xlsx")
    return StreamingResponse(
        xlsx_chunks(rows, title=vacancy.title, language=staff_language(request)),  # type: ignore[arg-type]
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=_attachment(name),
    )
