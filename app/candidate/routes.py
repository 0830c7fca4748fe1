"""The candidate's pages. The link's token is the only credential; no staff session involved.

These forms carry no CSRF token: a forged request would have to contain the link's secret token
in its URL, and whoever has that can answer in the candidate's place anyway.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from app.candidate.service import (
    InvalidAnswers,
    find_invitation,
    finished_questionnaires,
    next_questionnaire,
    parse_answers,
    record_consent,
    record_page,
    save_answers,
    stored_answers,
    submit,
    switch_language,
)
from app.candidate.views import item_views
from app.db import SessionDep, utcnow
from app.i18n import translations
from app.models import Invitation
from app.web import render
from questionnaires.schema import Questionnaire

router = APIRouter(prefix="/a/{token}")


async def form_data(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(form_data)]


def _invitation(request: Request, session: SessionDep, token: str, **kw: bool) -> Invitation:
    settings = request.app.state.settings
    invitation = find_invitation(
        session, token, now=utcnow(), default_language=settings.default_language, **kw
    )
    if request.method == "GET" and request.query_params.get("lang"):
        switch_language(session, invitation, request.query_params.get("lang"))
        session.commit()
    return invitation


def _questionnaire(request: Request, invitation: Invitation, qid: str) -> Questionnaire:
    catalog: dict[str, Questionnaire] = request.app.state.questionnaires
    if qid not in invitation.questionnaire_ids or qid not in catalog:
        raise HTTPException(status_code=404)
    return catalog[qid]


def _render(
    request: Request, template: str, invitation: Invitation, ctx: dict[str, Any], status: int = 200
) -> Response:
    """Candidate pages speak the invitation's language (switched with ?lang=)."""
    return render(request, template, ctx, lang=invitation.language, status_code=status)


@router.get("")
def welcome(request: Request, session: SessionDep, token: str) -> Response:
    invitation = _invitation(request, session, token)
    if invitation.consent_at is not None:
        return RedirectResponse(f"/a/{token}/next", status_code=303)
    return _welcome(request, invitation, token, error=False)


def _welcome(request: Request, invitation: Invitation, token: str, *, error: bool) -> Response:
    catalog = request.app.state.questionnaires
    questionnaires = [catalog[q] for q in invitation.questionnaire_ids if q in catalog]
    minutes = sum(q.minutes or 0 for q in questionnaires)
    ctx = {"token": token, "questionnaires": questionnaires, "minutes": minutes, "error": error}
    return _render(request, "candidate/welcome.html", invitation, ctx, 400 if error else 200)


@router.post("/consent")
def consent(request: Request, session: SessionDep, token: str, form: Form) -> Response:
    invitation = _invitation(request, session, token)
    if form.get("consent") != "yes":
        return _welcome(request, invitation, token, error=True)
    record_consent(session, invitation=invitation, now=utcnow())
    session.commit()
    return RedirectResponse(f"/a/{token}/next", status_code=303)


@router.get("/next")
def go_next(request: Request, session: SessionDep, token: str) -> Response:
    invitation = _invitation(request, session, token, allow_completed=True)
    if invitation.completed_at is not None:
        return RedirectResponse(f"/a/{token}/done", status_code=303)
    if invitation.consent_at is None:
        return RedirectResponse(f"/a/{token}", status_code=303)
    qid = next_questionnaire(session, invitation)
    if qid is None:  # every result stored but not marked: cannot normally happen
        return RedirectResponse(f"/a/{token}/done", status_code=303)
    return RedirectResponse(f"/a/{token}/q/{qid}/1", status_code=303)


def _page_or_404(q: Questionnaire, page: int) -> list[str]:
    pages = q.pages()
    if not 1 <= page <= len(pages):
        raise HTTPException(status_code=404)
    return pages[page - 1]


def _question_page(
    request: Request,
    session: SessionDep,
    invitation: Invitation,
    token: str,
    q: Questionnaire,
    page: int,
    *,
    answers: dict[str, int],
    missing: set[str],
    status: int = 200,
) -> Response:
    assert invitation.id is not None
    ids = _page_or_404(q, page)
    t = translations(invitation.language)
    items = item_views(
        q, ids, lang=invitation.language, answers=answers, missing=missing, gettext=t.gettext
    )
    done = finished_questionnaires(session, invitation.id)
    ctx = {
        "token": token,
        "q": q,
        "page": page,
        "pages": len(q.pages()),
        "items": items,
        "missing_count": sum(1 for i in items if i.missing),
        "answered": sum(1 for i in q.items if i.id in answers),
        "total": len(q.items),
        "step": len(done) + 1,
        "steps": len(invitation.questionnaire_ids),
    }
    return _render(request, "candidate/questions.html", invitation, ctx, status)


@router.get("/q/{qid}/{page}")
def show_page(request: Request, session: SessionDep, token: str, qid: str, page: int) -> Response:
    invitation = _invitation(request, session, token)
    if invitation.consent_at is None:
        return RedirectResponse(f"/a/{token}", status_code=303)
    q = _questionnaire(request, invitation, qid)
    assert invitation.id is not None
    if qid in finished_questionnaires(session, invitation.id):
        return RedirectResponse(f"/a/{token}/next", status_code=303)
    ids = _page_or_404(q, page)
    record_page(
        session,
        invitation=invitation,
        questionnaire_id=qid,
        page=page - 1,
        kind="view",
        now=utcnow(),
    )
    session.commit()
    answers = stored_answers(session, invitation_id=invitation.id, questionnaire_id=qid)
    # ?check=1: sent back here from the last page because items on this page are unanswered.
    missing = {i for i in ids if i not in answers} if request.query_params.get("check") else set()
    return _question_page(
        request, session, invitation, token, q, page, answers=answers, missing=missing
    )


@router.post("/q/{qid}/{page}")
def save_page(
    request: Request, session: SessionDep, token: str, qid: str, page: int, form: Form
) -> Response:
    invitation = _invitation(request, session, token)
    if invitation.consent_at is None:
        return RedirectResponse(f"/a/{token}", status_code=303)
    q = _questionnaire(request, invitation, qid)
    assert invitation.id is not None
    if qid in finished_questionnaires(session, invitation.id):
        # A second submission of a finished questionnaire changes nothing.
        return RedirectResponse(f"/a/{token}/next", status_code=303)
    ids = _page_or_404(q, page)
    try:
        given = parse_answers(q, form)
    except InvalidAnswers:
        raise HTTPException(status_code=422) from None
    now = utcnow()
    save_answers(session, invitation=invitation, questionnaire_id=qid, answers=given, now=now)
    record_page(
        session, invitation=invitation, questionnaire_id=qid, page=page - 1, kind="save", now=now
    )
    session.commit()
    go = form.get("go")
    if go == "back" and page > 1:
        return RedirectResponse(f"/a/{token}/q/{qid}/{page - 1}", status_code=303)
    answers = stored_answers(session, invitation_id=invitation.id, questionnaire_id=qid)
    missing_here = {i for i in ids if i not in answers}
    if missing_here:
        return _question_page(
            request,
            session,
            invitation,
            token,
            q,
            page,
            answers=answers,
            missing=missing_here,
            status=400,
        )
    if page < len(q.pages()):
        return RedirectResponse(f"/a/{token}/q/{qid}/{page + 1}", status_code=303)
    outcome = submit(session, invitation=invitation, q=q, now=utcnow())
    if outcome.missing:
        first = next(n for n, p in enumerate(q.pages(), 1) if set(p) & set(outcome.missing))
        return RedirectResponse(f"/a/{token}/q/{qid}/{first}?check=1", status_code=303)
    session.commit()
    return RedirectResponse(f"/a/{token}/next", status_code=303)


@router.get("/done")
def done(request: Request, session: SessionDep, token: str) -> Response:
    invitation = _invitation(request, session, token, allow_completed=True)
    if invitation.completed_at is None:
        return RedirectResponse(f"/a/{token}/next", status_code=303)
    return _render(request, "candidate/done.html", invitation, {"token": token})
