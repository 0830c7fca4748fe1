"""Re-scoring, asked for on the matrix page (admins only): every recommendation not made with
the matrix in force is computed again, after a confirmation page that says, from a dry run of
the same computation, how many results would change."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from app.auth.deps import StaffAudit
from app.auth.permissions import require_action, staff_router
from app.db import SessionDep
from app.matrix.service import current
from app.models import Candidate, Invitation, User, Vacancy
from app.scoring.service import RescorePlan, rescore_all, rescore_plan
from app.web import render

MatrixEditor = Annotated[User, Depends(require_action("matrix.edit"))]
router = staff_router("matrix.edit", prefix="/admin")

# The confirmation lists the changing results by name up to this many; the counts cover all.
LISTED = 50


def _confirm_page(
    request: Request, session: Session, plan: RescorePlan, *, moved: bool = False
) -> Response:
    listed = plan.changes[:LISTED]
    rows = session.exec(
        select(Invitation, Candidate, Vacancy)
        .join(Candidate, col(Candidate.id) == col(Invitation.candidate_id))
        .join(Vacancy, col(Vacancy.id) == col(Invitation.vacancy_id))
        .where(col(Invitation.id).in_([c.invitation_id for c in listed]))
    ).all()
    who = {inv.id: (cand.name, vac.title) for inv, cand, vac in rows}
    ctx = {
        "plan": plan,
        "listed": [(c, *who.get(c.invitation_id, ("", ""))) for c in listed],
        "more": len(plan.changes) - len(listed),
        "moved": moved,
    }
    return render(request, "staff/matrix_rescore.html", ctx)


@router.get("/matrix/rescore")
def matrix_rescore_confirm(request: Request, session: SessionDep) -> Response:
    return _confirm_page(request, session, rescore_plan(session))


@router.post("/matrix/rescore")
def matrix_rescore(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    user: MatrixEditor,
    version: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    in_force = current(session).version
    if version != str(in_force.id):
        # No confirmation, or one given for another matrix (saved since): the counts shown
        # were not these, so they are shown again, and nothing is re-scored.
        return _confirm_page(request, session, rescore_plan(session), moved=bool(version))
    count = rescore_all(session)
    if count:  # a second click finds nothing left to do: neither written nor audited
        audit("matrix.rescore", in_force, details={"label": in_force.label, "rescored": count})
    return RedirectResponse(f"/admin/matrix?rescored={count}", status_code=303)
