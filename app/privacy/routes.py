"""Privacy actions for administrators on one candidate: export the data (JSON) and erase it.

The work is in ``app.privacy.service``; these routes only check the role, ask for confirmation
before an erasure, and show what happened. Both actions are audit-logged by the service.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import col, select

from app.auth.deps import StaffUser
from app.auth.permissions import require_action, staff_router
from app.db import SessionDep, get_or_404, utcnow
from app.i18n import N_
from app.models import Candidate, Erasure, Invitation, Vacancy
from app.privacy.service import (
    NoSuchCandidate,
    erase_candidate,
    export_candidate,
    is_employee,
)
from app.web import render

router = staff_router()


def _page(
    request: Request,
    session: SessionDep,
    candidate_id: int,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    candidate = get_or_404(session, Candidate, candidate_id)
    rows = session.exec(
        select(Invitation, Vacancy)
        .join(Vacancy, col(Vacancy.id) == col(Invitation.vacancy_id))
        .where(Invitation.candidate_id == candidate_id)
        .order_by(col(Invitation.created_at))
    ).all()
    erasure = session.exec(
        select(Erasure).where(Erasure.candidate_id == candidate_id).order_by(col(Erasure.id))
    ).first()
    ctx = {
        "candidate": candidate,
        "invitations": [(inv, vac, inv.status(utcnow()).value) for inv, vac in rows],
        "erasure": erasure,
        "just_erased": request.query_params.get("erased") == "1" and erasure is not None,
        "errors": errors or {},
        # An erased employee's row is gone; the erasure's record still says what they were.
        "employee": is_employee(session, candidate_id=candidate_id)
        or (erasure is not None and "employees" in (erasure.removed or {})),
    }
    return render(request, "staff/privacy.html", ctx, status_code=status_code)


@router.get(
    "/candidates/{candidate_id}/privacy", dependencies=[Depends(require_action("data.export"))]
)
def privacy(request: Request, session: SessionDep, candidate_id: int) -> Response:
    return _page(request, session, candidate_id)


@router.get(
    "/candidates/{candidate_id}/export.json",
    dependencies=[Depends(require_action("data.export"))],
)
def export_json(session: SessionDep, user: StaffUser, candidate_id: int) -> Response:
    try:
        data = export_candidate(session, candidate_id=candidate_id, actor=user)
    except NoSuchCandidate:
        raise HTTPException(status_code=404) from None
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return Response(
        body,
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="candidate-{candidate_id}.json"',
            "Cache-Control": "no-store",
        },
    )


@router.post(
    "/candidates/{candidate_id}/erase", dependencies=[Depends(require_action("data.erase"))]
)
def erase(
    request: Request,
    session: SessionDep,
    user: StaffUser,
    candidate_id: int,
    confirm: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    get_or_404(session, Candidate, candidate_id)
    if confirm != "yes":
        errors = {"confirm": N_("Tick the box to confirm: an erasure cannot be undone.")}
        return _page(request, session, candidate_id, errors=errors, status_code=422)
    already = session.exec(select(Erasure.id).where(Erasure.candidate_id == candidate_id)).first()
    if already is None:  # a second click (or a retry) changes nothing
        erase_candidate(session, candidate_id=candidate_id, actor=user, reason="request")
    return RedirectResponse(f"/candidates/{candidate_id}/privacy?erased=1", status_code=303)
