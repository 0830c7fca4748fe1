from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from app.auth.deps import StaffAudit, StaffUser
from app.auth.permissions import require_action, staff_router, vacancy_for
from app.dashboard.service import vacancy_count, vacancy_summaries
from app.db import SessionDep, utcnow
from app.i18n import N_
from app.invitations.duplicates import AlreadyInvited
from app.invitations.routes import notice, vacancy_extras
from app.invitations.service import VacancyClosed, create_invitation
from app.models import Placement, Vacancy
from app.staff.service import (
    DEFAULT_QUESTIONNAIRE_CHOICE,
    QUESTIONNAIRE_CHOICES,
    SEARCH_LIMIT,
    SEARCH_MAX,
    SEARCH_MIN,
    close_vacancy,
    closing_counts,
    create_vacancy,
    reopen_vacancy,
    search_candidates,
    update_vacancy,
    vacancy_candidates,
)
from app.text import search_key
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
def vacancies(
    request: Request,
    session: SessionDep,
    user: StaffUser,
    state: Annotated[str, Query(max_length=16)] = "open",
) -> Response:
    # The dashboard: the vacancies this user may see, with candidate counts by status; the
    # open ones, or (?state=closed) the closed ones.
    closed = state == "closed"
    now = utcnow()
    rows = vacancy_summaries(session, user=user, now=now, closed=closed)
    ctx = {
        "rows": rows,
        "closed": closed,
        "other_count": vacancy_count(session, user=user, closed=not closed),
    }
    return render(request, "staff/dashboard.html", ctx)


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


class VacancyForm(BaseModel):
    title: str = Field("", max_length=1000)
    placement: str = Field("", max_length=64)
    language: str = Field("", max_length=8)


class NewVacancyForm(VacancyForm):
    questionnaires: str = Field("", max_length=32)


@router.post("/vacancies", dependencies=[Depends(require_action("vacancy.create"))])
def add_vacancy(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    user: StaffUser,
    form: Annotated[NewVacancyForm, Form()],
) -> Response:
    try:
        vacancy = create_vacancy(
            session,
            title=form.title,
            placement=form.placement,
            language=form.language,
            created_by=user,
            # A form without the field (older clients) gets the default, like the new form.
            questionnaire_ids=QUESTIONNAIRE_CHOICES.get(
                form.questionnaires or DEFAULT_QUESTIONNAIRE_CHOICE, []
            ),
        )
    except FormErrors as exc:
        return _vacancy_form(request, form.model_dump(), exc.errors, status_code=422)
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


class InvitationForm(BaseModel):
    name: str = Field("", max_length=1000)
    email: str = Field("", max_length=1000)
    language: str = Field("", max_length=8)
    phone: str = Field("", max_length=100)


@router.post("/vacancies/{vacancy_id}/invitations")
def add_invitation(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    user: StaffUser,
    vacancy: Annotated[Vacancy, Depends(vacancy_for("invitation.create"))],
    form: Annotated[InvitationForm, Form()],
) -> Response:
    values = form.model_dump()
    try:
        invitation, link = create_invitation(
            session,
            settings=request.app.state.settings,
            vacancy=vacancy,
            invitee=form,
            created_by=user,
        )
    except FormErrors as exc:
        return _vacancy_page(
            request, session, vacancy, values=values, errors=exc.errors, status_code=422
        )
    except VacancyClosed as exc:
        notice(request, exc.message, error=True)  # shown on this page, where the form was
        return _vacancy_page(request, session, vacancy, values=values, status_code=409)
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
        "name": form.name.strip(),
        "url": link,
        "emailed": bool(form.email.strip()),
    }
    return RedirectResponse(f"/vacancies/{vacancy.id}", status_code=303)


# --- editing, closing and reopening a vacancy -------------------------------------------------

EditableVacancy = Annotated[Vacancy, Depends(vacancy_for("vacancy.edit"))]


def _edit_page(
    request: Request,
    vacancy: Vacancy,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    ctx = {"vacancy": vacancy, "values": values, "errors": errors, "placements": PLACEMENTS}
    return render(request, "staff/vacancy_edit.html", ctx, status_code=status_code)


@router.get("/vacancies/{vacancy_id}/edit")
def edit_vacancy(request: Request, vacancy: EditableVacancy) -> Response:
    values = {"title": vacancy.title, "placement": vacancy.placement, "language": vacancy.language}
    return _edit_page(request, vacancy, values, {})


@router.post("/vacancies/{vacancy_id}/edit")
def save_vacancy(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    vacancy: EditableVacancy,
    form: Annotated[VacancyForm, Form()],
) -> Response:
    try:
        changed = update_vacancy(
            session,
            vacancy=vacancy,
            title=form.title,
            placement=form.placement,
            language=form.language,
        )
    except FormErrors as exc:
        return _edit_page(request, vacancy, form.model_dump(), exc.errors, status_code=422)
    if changed:
        audit("vacancy.update", vacancy, details={"fields": changed})
        notice(request, N_("The vacancy was saved."))
    else:
        notice(request, N_("Nothing was changed."))
    return RedirectResponse(f"/vacancies/{vacancy.id}", status_code=303)


def _state_page(request: Request, session: SessionDep, vacancy: Vacancy, action: str) -> Response:
    assert vacancy.id is not None
    counts = closing_counts(session, vacancy_id=vacancy.id, now=utcnow())
    ctx = {"vacancy": vacancy, "action": action, "counts": counts}
    return render(request, "staff/vacancy_state.html", ctx)


@router.get("/vacancies/{vacancy_id}/close")
def confirm_close(request: Request, session: SessionDep, vacancy: EditableVacancy) -> Response:
    if vacancy.is_closed:
        return RedirectResponse(f"/vacancies/{vacancy.id}", status_code=303)
    return _state_page(request, session, vacancy, "close")


@router.post("/vacancies/{vacancy_id}/close")
def close(
    request: Request, session: SessionDep, audit: StaffAudit, vacancy: EditableVacancy
) -> Response:
    if close_vacancy(session, vacancy=vacancy, now=utcnow()):
        audit("vacancy.close", vacancy)
        notice(request, N_("The vacancy is closed."))
    return RedirectResponse(f"/vacancies/{vacancy.id}", status_code=303)


@router.get("/vacancies/{vacancy_id}/reopen")
def confirm_reopen(request: Request, session: SessionDep, vacancy: EditableVacancy) -> Response:
    if not vacancy.is_closed:
        return RedirectResponse(f"/vacancies/{vacancy.id}", status_code=303)
    return _state_page(request, session, vacancy, "reopen")


@router.post("/vacancies/{vacancy_id}/reopen")
def reopen(
    request: Request, session: SessionDep, audit: StaffAudit, vacancy: EditableVacancy
) -> Response:
    if reopen_vacancy(session, vacancy=vacancy):
        audit("vacancy.reopen", vacancy)
        notice(request, N_("The vacancy is open again."))
    return RedirectResponse(f"/vacancies/{vacancy.id}", status_code=303)


# --- candidate search ------------------------------------------------------------------------


@router.get("/search", dependencies=[Depends(require_action("vacancy.view"))])
def search(
    request: Request,
    session: SessionDep,
    user: StaffUser,
    q: Annotated[str, Query(max_length=SEARCH_MAX)] = "",
) -> Response:
    query = q.strip()
    result = search_candidates(session, user=user, query=query, now=utcnow())
    ctx = {
        "q": query,
        "result": result,
        "too_short": bool(query) and len(search_key(query).strip()) < SEARCH_MIN,
        "min": SEARCH_MIN,
        "limit": SEARCH_LIMIT,
    }
    return render(request, "staff/search.html", ctx)
