"""The vacancy's candidate-experience page: its funnel, where candidates stopped, ratings."""

from __future__ import annotations

from typing import Annotated

from babel.numbers import format_decimal
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.auth.deps import StaffAudit, require_staff
from app.auth.permissions import vacancy_for
from app.db import SessionDep, UnitOfWork
from app.experience.service import vacancy_funnel
from app.models import Vacancy
from app.web import render, staff_language

router = APIRouter(route_class=UnitOfWork, dependencies=[Depends(require_staff)])


@router.get("/vacancies/{vacancy_id}/experience")
def experience(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    vacancy: Annotated[Vacancy, Depends(vacancy_for("vacancy.view"))],
) -> Response:
    assert vacancy.id is not None
    lang = staff_language(request)
    catalog = request.app.state.questionnaires
    titles = {qid: q.title.get(lang) if q.title else qid for qid, q in catalog.items()}
    funnel = vacancy_funnel(session, vacancy_id=vacancy.id)
    if funnel.comments:
        # The comments are candidates' own words (personal data): reading them is recorded.
        audit("experience.view", vacancy, details={"comments": len(funnel.comments)})
    # One decimal: ratings are whole points, and a tenth already says more than a few of them.
    average = (
        format_decimal(round(funnel.average_rating, 1), format="0.0", locale=lang)
        if funnel.average_rating is not None
        else ""
    )
    ctx = {"vacancy": vacancy, "funnel": funnel, "titles": titles, "average": average}
    return render(request, "staff/funnel.html", ctx)
