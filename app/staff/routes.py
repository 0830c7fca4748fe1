from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.auth.deps import StaffAudit, StaffUser
from app.auth.permissions import require_action, staff_router, vacancy_for
from app.dashboard.service import vacancy_summaries
from app.db import SessionDep, utcnow
from app.invitations.duplicates import AlreadyInvited
from app.invitations.routes import vacancy_extras
from app.invitations.service import create_invitation
from app.models import Placement, Vacancy
from app.staff.service import (
    DEFAULT_QUESTIONNAIRE_CHOICE,
    QUESTIONNAIRE_CHOICES,
    create_vacancy,
    vacancy_candidates,
)
from app.web import render
from app.web.forms import FormErrors
from questionnaires.timing import estimated_minutes

# Every route here needs a staff login; every POST a CSRF token.
router = staff_router()

PLACEMENTS = [p.value for p in Placement]


@router.get("/")
def home() -> Response:
    return RedirectResponse("/vacancies", status_code=303)


@router.get("/vacancies")
def vacancies(request: Request, session: SessionDep, user: StaffUser) -> Response:
    # The dashboard: the vacancies this user may see, with candidate counts by status.
    rows = vacancy_summaries(session, user=user, now=utcnow())
    return render(request, "staff/dashboard.html", {"rows": rows})


def _vacancy_form(
    request: Request, values: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> Response:
    ctx = {
        "values": values,
        "errors": errors,
        "placements": PLACEMENTS,
        "questionnaire_choices": list(QUESTIONNAIRE_CHOICES),
        "choice_minutes": {
            code: estimated_minutes(request.app.state.questionnaires[q] for q in ids)
            for code, ids in QUESTIONNAIRE_CHOICES.items()
        },
    }
    return render(request, "staff/vacancy_new.html", ctx, status_code=status_code)


@router.get("/vacancies/new", dependencies=[Depends(require_action("vacancy.create"))])
def new_vacancy(request: Request) -> Response:
    lang = request.app.state.settings.default_language
    values = {
        "title": "",
        "placement": "undecided",
        "language": lang,
        "questionnaires": DEFAULT_QUESTIONNAIRE_CHOICE,
    }
    return _vacancy_form(request, values, {})


@router.post("/vacancies", dependencies=[Depends(require_action("vacancy.create"))])
def add_vacancy(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
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
    audit("vacancy.create", vacancy)
    return RedirectResponse(f"/vacancies/{vacancy.id}", status_code=303)


def _vacancy_page(
    request: Request,
    session: SessionDep,
    vacancy: Vacancy,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    duplicate: dict[str, object] | None = None,
    status_code: int = 200,
) -> Response:
    assert vacancy.id is not None
    # The new link is shown once, on the page the invitation form redirects to.
    new_link = request.session.pop("new_link", None)
    ctx = {
        "vacancy": vacancy,
        "rows": vacancy_candidates(session, vacancy_id=vacancy.id, now=utcnow()),
        "new_link": new_link if new_link and new_link.get("vacancy_id") == vacancy.id else None,
        "values": values or {"name": "", "email": "", "language": vacancy.language, "phone": ""},
        "errors": errors or {},
        "duplicate": duplicate,
    }
    ctx.update(vacancy_extras(request, session, vacancy))
    return render(request, "staff/vacancy.html", ctx, status_code=status_code)


@router.get("/vacancies/{vacancy_id}")
def vacancy_detail(
    request: Request,
    session: SessionDep,
    vacancy: Annotated[Vacancy, Depends(vacancy_for("vacancy.view"))],
) -> Response:
    return _vacancy_page(request, session, vacancy)


@router.post("/vacancies/{vacancy_id}/invitations")
def add_invitation(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    user: StaffUser,
    vacancy: Annotated[Vacancy, Depends(vacancy_for("invitation.create"))],
    name: Annotated[str, Form(max_length=1000)] = "",
    email: Annotated[str, Form(max_length=1000)] = "",
    language: Annotated[str, Form(max_length=8)] = "",
    phone: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    values = {"name": name, "email": email, "language": language, "phone": phone}
    try:
        invitation, link = create_invitation(
            session,
            settings=request.app.state.settings,
            vacancy=vacancy,
            name=name,
            email=email,
            language=language,
            created_by=user,
            phone=phone,
        )
    except FormErrors as exc:
        return _vacancy_page(
            request, session, vacancy, values=values, errors=exc.errors, status_code=422
        )
    except AlreadyInvited as exc:
        # Nothing created, nothing sent: the recruiter sees who it is and what they can do.
        return _vacancy_page(
            request,
            session,
            vacancy,
            values=values,
            duplicate={
                "invitation": exc.invitation,
                "candidate": exc.candidate,
                "status": exc.invitation.status(utcnow()).value,
            },
            status_code=409,
        )
    audit("invitation.create", invitation, vacancy_id=vacancy.id)
    request.session["new_link"] = {
        "vacancy_id": vacancy.id,
        "name": name.strip(),
        "url": link,
        "emailed": bool(email.strip()),
    }
    return RedirectResponse(f"/vacancies/{vacancy.id}", status_code=303)
