"""2 to 5 candidates of a vacancy side by side, each column built from its ReportData."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.responses import Response
from sqlmodel import col, select

from app.auth.deps import StaffAudit
from app.auth.permissions import staff_router, vacancy_for
from app.db import SessionDep
from app.decisions.service import current_decision
from app.models import Candidate, Invitation, Vacancy
from app.reports.build import build_report
from app.web import render, staff_language

router = staff_router()

MIN_PICK, MAX_PICK = 2, 5


@router.get("/vacancies/{vacancy_id}/compare")
def compare(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    vacancy: Annotated[Vacancy, Depends(vacancy_for("candidates.compare"))],
    ids: Annotated[list[int], Query(alias="id")] = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    wanted = list(dict.fromkeys(ids))  # keep the order picked, drop repeats
    # Only invitations of this vacancy: an id from elsewhere is ignored, never shown.
    found = set(
        session.exec(
            select(Invitation.id).where(
                col(Invitation.id).in_(wanted), Invitation.vacancy_id == vacancy.id
            )
        ).all()
    )
    picked = [i for i in wanted if i in found]
    if not MIN_PICK <= len(picked) <= MAX_PICK:
        # Fewer than two (the report's "Compare with…" sends one): offer the vacancy's completed
        # candidates to pick from, the ones already picked ticked. Too many is an error.
        rows = session.exec(
            select(Invitation.id, Candidate.name)
            .join(Candidate, col(Candidate.id) == Invitation.candidate_id)
            .where(Invitation.vacancy_id == vacancy.id, col(Invitation.completed_at).is_not(None))
            .order_by(col(Invitation.completed_at).desc())
        ).all()
        ctx = {
            "vacancy": vacancy,
            "columns": [],
            "count": len(picked),
            "picked": picked,
            "choices": [(i, name) for i, name in rows if name],  # erased people have no name
        }
        return render(
            request, "staff/compare.html", ctx, status_code=422 if picked[MAX_PICK:] else 200
        )
    language = staff_language(request)
    columns = []
    for invitation_id in picked:
        report = build_report(session, invitation_id=invitation_id, language=language)
        columns.append(
            {"report": report, "decision": current_decision(session, invitation_id=invitation_id)}
        )
    audit("candidates.compare", vacancy, details={"invitations": picked})
    ctx = {"vacancy": vacancy, "columns": columns, "count": len(picked)}
    return render(request, "staff/compare.html", ctx)
