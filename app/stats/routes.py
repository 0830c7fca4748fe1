"""The admin statistics page: reliability, item-total correlations and norms."""

from __future__ import annotations

import math

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.auth.deps import csrf_protect, require_staff
from app.auth.permissions import require_action
from app.db import SessionDep, UnitOfWork
from app.stats.service import questionnaire_statistics
from app.web import render


def fmt(x: float | None, digits: int) -> str:
    """A statistic for the page: a dash where it cannot be computed (too few responses)."""
    if x is None or math.isnan(x):
        return "–"
    return f"{x:.{digits}f}"


router = APIRouter(
    route_class=UnitOfWork,
    prefix="/admin",
    dependencies=[
        Depends(csrf_protect),
        Depends(require_staff),
        Depends(require_action("stats.view")),
    ],
)


@router.get("/stats")
def stats_page(request: Request, session: SessionDep) -> Response:
    catalog = request.app.state.questionnaires
    ctx = {"stats": questionnaire_statistics(session, catalog=catalog), "fmt": fmt}
    return render(request, "staff/stats.html", ctx)
