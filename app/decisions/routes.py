"""Recording a decision on a candidate (advance, hold, reject) with a note."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from app.auth.deps import StaffAudit, StaffUser
from app.auth.permissions import invitation_for, staff_router
from app.db import SessionDep
from app.decisions.service import DecisionError, decision_history, record_decision
from app.models import Candidate, DecisionKind, Invitation, Vacancy
from app.web import render

router = staff_router()
DecidedInvitation = Annotated[Invitation, Depends(invitation_for("decision.record"))]


def _page(
    request: Request,
    session: SessionDep,
    invitation: Invitation,
    *,
    error: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    assert invitation.id is not None
    ctx = {
        "invitation": invitation,
        "candidate": session.get(Candidate, invitation.candidate_id),
        "vacancy": session.get(Vacancy, invitation.vacancy_id),
        "history": decision_history(session, invitation_id=invitation.id),
        "choices": [d.value for d in DecisionKind],
        "error": error,
        "values": values or {"decision": "", "note": ""},
    }
    return render(request, "staff/decision.html", ctx, status_code=status_code)


@router.get("/invitations/{invitation_id}/decision")
def decision_form(
    request: Request,
    session: SessionDep,
    invitation: DecidedInvitation,
) -> Response:
    return _page(request, session, invitation)


class DecisionForm(BaseModel):
    decision: str = Field("", max_length=32)
    note: str = Field("", max_length=10_000)


@router.post("/invitations/{invitation_id}/decision")
def decide(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    user: StaffUser,
    invitation: DecidedInvitation,
    form: Annotated[DecisionForm, Form()],
) -> Response:
    try:
        row = record_decision(
            session, invitation=invitation, author=user, decision=form.decision, note=form.note
        )
    except DecisionError as exc:
        values = form.model_dump()
        return _page(request, session, invitation, error=str(exc), values=values, status_code=422)
    audit("decision.record", invitation, details={"decision": row.decision})
    return RedirectResponse(f"/vacancies/{invitation.vacancy_id}/candidates", status_code=303)
