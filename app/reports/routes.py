from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from app.auth.deps import csrf_protect, require_staff
from app.db import SessionDep
from app.reports.service import NotFound, extraversion_report
from app.web import render

router = APIRouter(dependencies=[Depends(csrf_protect), Depends(require_staff)])


@router.get("/invitations/{invitation_id}/report")
def report(request: Request, session: SessionDep, invitation_id: int) -> Response:
    try:
        data = extraversion_report(session, invitation_id=invitation_id)
    except NotFound:
        raise HTTPException(status_code=404) from None
    return render(request, "staff/report.html", {"report": data})
