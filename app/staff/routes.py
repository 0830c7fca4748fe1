from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from app.auth.deps import StaffUser, csrf_protect, require_staff
from app.db import SessionDep, utcnow
from app.models import Placement, Vacancy
from app.staff.service import (
    DEFAULT_QUESTIONNAIRE_CHOICE,
    QUESTIONNAIRE_CHOICES,
    FormErrors,
    create_vacancy,
    invite_candidate,
    list_vacancies,
    vacancy_candidates,
)
from app.web import render

# Every route here needs a staff login; every POST a CSRF token.
router = APIRouter(dependencies=[Depends(csrf_protect), Depends(require_staff)])

PLACEMENTS = [p.value for p in Placement]


@router.get("/")
def home() -> Response:
    return RedirectResponse("/vacancies", status_code=303)


@router.get("/vacancies")
def vacancies(request: Request, session: SessionDep) -> Response:
    return render(request, "staff/vacancies.html", {"rows": list_vacancies(session)})


def _vacancy_form(
    request: Request, values: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> Response:
    ctx = {
        "values": values,
        "errors": errors,
        "placements": PLACEMENTS,
        "questionnaire_choices": list(QUESTIONNAIRE_CHOICES),
    }
    return render(request, "staff/vacancy_new.html", ctx, status_code=status_code)


@router.get("/vacancies/new")
def new_vacancy(request: Request) -> Response:
    lang = request.app.state.settings.default_language
    values = {
        "title": "",
        "placement": "undecided",
        "language": lang,
        "questionnaires": DEFAULT_QUESTIONNAIRE_CHOICE,
    }
    return _vacancy_form(request, values, {})


@router.post("/vacancies")
def add_vacancy(
    request: Request,
    session: SessionDep,
    user: StaffUser,
    title: Annotated[str, Form(max_length=1000)] = "",
    placement: Annotated[str, Form(max_length=64)] = "",
    language: Annotated[str, Form(max_length=8)] = "",
    questionnaires: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    try:
        vacancy = create_vacancy(
            session,
            title=title,
            placement=placement,
            language=language,
            created_by=user,
            # A form without the field (older clients) gets the default, like the new form.
            questionnaire_ids=QUESTIONNAIRE_CHOICES.get(
                questionnaires or DEFAULT_QUESTIONNAIRE_CHOICE, []
            ),
        )
    except FormErrors as exc:
        values = {
            "title": title,
            "placement": placement,
            "language": language,
            "questionnaires": questionnaires,
        }
        return _vacancy_form(request, values, exc.errors, status_code=422)
    session.commit()
    return RedirectResponse(f"/vacancies/{vacancy.id}", status_code=303)


def _get_vacancy(session: SessionDep, vacancy_id: int) -> Vacancy:
    vacancy = session.get(Vacancy, vacancy_id)
    if vacancy is None:
        raise HTTPException(status_code=404)
    return vacancy


def _vacancy_page(
    request: Request,
    session: SessionDep,
    vacancy: Vacancy,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    assert vacancy.id is not None
    # The new link is shown once, on the page the invitation form redirects to.
    new_link = request.session.pop("new_link", None)
    ctx = {
        "vacancy": vacancy,
        "rows": vacancy_candidates(session, vacancy_id=vacancy.id, now=utcnow()),
        "new_link": new_link if new_link and new_link.get("vacancy_id") == vacancy.id else None,
        "values": values or {"name": "", "email": "", "language": vacancy.language},
        "errors": errors or {},
    }
    return render(request, "staff/vacancy.html", ctx, status_code=status_code)


@router.get("/vacancies/{vacancy_id}")
def vacancy_detail(request: Request, session: SessionDep, vacancy_id: int) -> Response:
    return _vacancy_page(request, session, _get_vacancy(session, vacancy_id))


@router.post("/vacancies/{vacancy_id}/invitations")
def add_invitation(
    request: Request,
    session: SessionDep,
    user: StaffUser,
    vacancy_id: int,
    name: Annotated[str, Form(max_length=1000)] = "",
    email: Annotated[str, Form(max_length=1000)] = "",
    language: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    vacancy = _get_vacancy(session, vacancy_id)
    try:
        new = invite_candidate(
            session,
            settings=request.app.state.settings,
            vacancy=vacancy,
            name=name,
            email=email,
            language=language,
            created_by=user,
        )
    except FormErrors as exc:
        values = {"name": name, "email": email, "language": language}
        return _vacancy_page(
            request, session, vacancy, values=values, errors=exc.errors, status_code=422
        )
    session.commit()
    request.session["new_link"] = {
        "vacancy_id": vacancy.id,
        "name": new.candidate.name,
        "url": new.link,
    }
    return RedirectResponse(f"/vacancies/{vacancy.id}", status_code=303)
