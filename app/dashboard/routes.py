"""A vacancy's candidate table, and who of the hiring managers sees the vacancy."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import col, select

from app.auth.deps import StaffAudit
from app.auth.permissions import MANAGER, staff_router, vacancy_for
from app.dashboard.service import (
    DECISIONS,
    PLACEMENTS,
    QUALITIES,
    STATUSES,
    TableQuery,
    candidate_table,
)
from app.db import SessionDep, utcnow
from app.models import User, Vacancy, VacancyAssignment
from app.web import gettext_for, render

router = staff_router()
# Choosing a vacancy's hiring managers.
AssignedVacancy = Annotated[Vacancy, Depends(vacancy_for("vacancy.assign"))]


@router.get("/vacancies/{vacancy_id}/candidates")
def candidates(
    request: Request,
    session: SessionDep,
    vacancy: Annotated[Vacancy, Depends(vacancy_for("vacancy.view"))],
) -> Response:
    assert vacancy.id is not None
    query = TableQuery.parse(dict(request.query_params))
    table = candidate_table(session, vacancy_id=vacancy.id, query=query, now=utcnow())
    _ = gettext_for(request)
    sort_labels = [
        ("date", _("Invited on")),
        ("name", _("Name")),
        ("status", _("Status")),
        ("placement", _("Recommended placement")),
        ("fit", _("Fit for the target role")),
        ("quality", _("Answer quality")),
        ("decision", _("Decision")),
    ]
    ctx = {
        "vacancy": vacancy,
        "table": table,
        "q": table.query,
        "link": lambda **changes: urlencode(table.query.params(**changes)),
        "sort_labels": sort_labels,
        "statuses": STATUSES,
        "placements": PLACEMENTS,
        "qualities": QUALITIES,
        "decisions": DECISIONS,
    }
    return render(request, "staff/candidates.html", ctx)


def _team_page(
    request: Request, session: SessionDep, vacancy: Vacancy, status_code: int = 200
) -> Response:
    managers = session.exec(
        select(User).where(User.role == MANAGER, col(User.is_active)).order_by(col(User.email))
    ).all()
    assigned = set(
        session.exec(
            select(VacancyAssignment.user_id).where(VacancyAssignment.vacancy_id == vacancy.id)
        ).all()
    )
    ctx = {"vacancy": vacancy, "managers": managers, "assigned": assigned}
    return render(request, "staff/vacancy_team.html", ctx, status_code=status_code)


@router.get("/vacancies/{vacancy_id}/team")
def team(
    request: Request,
    session: SessionDep,
    vacancy: AssignedVacancy,
) -> Response:
    return _team_page(request, session, vacancy)


@router.post("/vacancies/{vacancy_id}/team")
def set_team(
    session: SessionDep,
    audit: StaffAudit,
    vacancy: AssignedVacancy,
    manager: Annotated[list[int], Form()] = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    """Replace the vacancy's hiring managers with the ticked ones."""
    found = session.exec(
        select(User.id).where(col(User.id).in_(manager), User.role == MANAGER, col(User.is_active))
    ).all()
    wanted = {uid for uid in found if uid is not None}
    rows = session.exec(
        select(VacancyAssignment).where(VacancyAssignment.vacancy_id == vacancy.id)
    ).all()
    have: dict[int, VacancyAssignment] = {r.user_id: r for r in rows}
    assert vacancy.id is not None
    for uid in sorted(wanted - have.keys()):
        session.add(VacancyAssignment(vacancy_id=vacancy.id, user_id=uid))
        audit("vacancy.assign", object_type="user", object_id=uid, vacancy_id=vacancy.id)
    for uid in sorted(have.keys() - wanted):
        session.delete(have[uid])
        audit("vacancy.unassign", object_type="user", object_id=uid, vacancy_id=vacancy.id)
    return RedirectResponse(f"/vacancies/{vacancy.id}/team?saved=1", status_code=303)
