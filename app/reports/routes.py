"""Reports for staff: database rows -> ``ReportData`` -> page (and PDF, elsewhere)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import col, func, select

from app.auth.deps import StaffAudit, StaffUser
from app.auth.permissions import invitation_for, staff_router
from app.db import SessionDep, get_or_404
from app.models import Employee, Erasure, Invitation, Vacancy
from app.reports.build import build_report
from app.reports.charts import report_charts
from app.reports.checklist import ChecklistErrors, save_checklist
from app.reports.service import NotFound
from app.web import render, staff_language

router = staff_router()


def _report_page(
    request: Request,
    session: SessionDep,
    invitation: Invitation,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    assert invitation.id is not None
    language = staff_language(request)
    try:
        data = build_report(session, invitation_id=invitation.id, language=language)
    except NotFound:
        raise HTTPException(status_code=404) from None
    candidate_id = invitation.candidate_id
    vacancy = session.get(Vacancy, invitation.vacancy_id)
    employee = vacancy is not None and vacancy.kind == "team"
    ctx = {
        "report": data,
        "employee": employee,
        "neighbours": (None, None) if employee else _neighbours(session, invitation),
        # Privacy (issue 8): the admin's link to export/erase, and whether that happened.
        "candidate_id": candidate_id,
        "erased": session.exec(
            select(Erasure.id).where(Erasure.candidate_id == candidate_id)
        ).first()
        is not None,
        # Already on the sales team (hired, or assessed as an employee): no "add to the team".
        "in_team": session.exec(
            select(Employee.id).where(Employee.candidate_id == candidate_id)
        ).first()
        is not None,
        "charts": report_charts(data, language=language),
        "form": form,
        "errors": errors or {},
        "saved": request.query_params.get("saved") == "1",
    }
    return render(request, "staff/report.html", ctx, status_code=status_code)


def _neighbours(session: SessionDep, invitation: Invitation) -> tuple[int | None, int | None]:
    """The previous and the next completed invitation of the same vacancy, by id."""
    done = (
        Invitation.vacancy_id == invitation.vacancy_id,
        col(Invitation.completed_at).is_not(None),
    )
    before = session.exec(
        select(func.max(Invitation.id)).where(*done, col(Invitation.id) < invitation.id)
    ).one()
    after = session.exec(
        select(func.min(Invitation.id)).where(*done, col(Invitation.id) > invitation.id)
    ).one()
    return before, after


@router.get("/invitations/{invitation_id}/report")
def report(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    invitation: Annotated[Invitation, Depends(invitation_for("report.view"))],
) -> Response:
    # Issue 6: 404 for a vacancy the hiring manager is not assigned to; every view audited.
    audit("report.view", invitation)
    return _report_page(request, session, invitation)


async def form_fields(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


@router.post(
    "/invitations/{invitation_id}/checklist",
    dependencies=[Depends(invitation_for("decision.record"))],
)
def checklist(
    request: Request,
    session: SessionDep,
    user: StaffUser,
    invitation_id: int,
    form: Annotated[dict[str, str], Depends(form_fields)],
) -> Response:
    invitation = get_or_404(session, Invitation, invitation_id)
    try:
        save_checklist(session, invitation_id=invitation_id, form=form, author=user)
    except ChecklistErrors as exc:
        return _report_page(
            request, session, invitation, form=form, errors=exc.errors, status_code=422
        )
    return RedirectResponse(
        f"/invitations/{invitation_id}/report?saved=1#checklist", status_code=303
    )
