"""The candidate's pages. The link's token is the only credential; no staff session involved.

These forms carry no CSRF token: a forged request would have to contain the link's secret token
in its URL, and whoever has that can answer in the candidate's place anyway. The JSON autosave
endpoint also checks that a browser's Origin is this site and that the body is JSON (which a
cross-site form cannot send without a CORS preflight).

The flow: start page with the consent text -> consent -> the pages of every questionnaire of the
invitation, in order (each answer saved as it is given) -> a review of unanswered items ->
finish -> thank you (-> the optional feedback page). The link resumes where the candidate
stopped: the first page with an unanswered item.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlmodel import Session, select
from starlette.datastructures import FormData

from app.candidate.consent import consent_paragraphs
from app.candidate.feedback import feedback_notes
from app.candidate.service import (
    InvalidAnswers,
    PageRef,
    all_answers,
    find_invitation,
    finish,
    flow_pages,
    parse_answers,
    record_consent,
    record_page,
    save_answers,
    save_one,
    switch_language,
    unanswered,
)
from app.candidate.views import item_views
from app.db import SessionDep, utcnow
from app.errors import LinkProblem
from app.i18n import translations
from app.invitations.service import contact_for
from app.models import Candidate, Invitation, Result, User, Vacancy
from app.web import render
from questionnaires.schema import Questionnaire

router = APIRouter(prefix="/a/{token}")

AUTOSAVE_MAX_BYTES = 2000


async def form_data(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(form_data)]


async def raw_body(request: Request) -> bytes:
    # Read on the event loop, so the route itself can be a plain ``def``: FastAPI runs those in
    # its thread pool, where the blocking database session does not stall other requests.
    return await request.body()


Body = Annotated[bytes, Depends(raw_body)]


def _contact(request: Request, session: Session, invitation: Invitation) -> str | None:
    return contact_for(session, settings=request.app.state.settings, invitation=invitation)


def _invitation(request: Request, session: SessionDep, token: str, **kw: bool) -> Invitation:
    settings = request.app.state.settings
    try:
        invitation = find_invitation(
            session, token, now=utcnow(), default_language=settings.default_language, **kw
        )
    except LinkProblem as exc:
        if isinstance(exc.invitation, Invitation):
            exc.contact = _contact(request, session, exc.invitation)
        raise
    if request.method == "GET" and request.query_params.get("lang"):
        switch_language(session, invitation, request.query_params.get("lang"))
        session.commit()
    return invitation


def _lock(session: Session, invitation: Invitation) -> None:
    """Serialise writers of one invitation (two tabs): on PostgreSQL a row lock until commit;
    SQLite allows one writer at a time anyway. A finished invitation takes no more answers."""
    if session.get_bind().dialect.name == "postgresql":
        session.exec(select(Invitation).where(Invitation.id == invitation.id).with_for_update())
    session.refresh(invitation)
    if invitation.completed_at is not None:
        raise LinkProblem("completed", lang=invitation.language)


def _catalog(request: Request) -> dict[str, Questionnaire]:
    catalog: dict[str, Questionnaire] = request.app.state.questionnaires
    return catalog


def _questionnaire(request: Request, invitation: Invitation, qid: str) -> Questionnaire:
    catalog = _catalog(request)
    if qid not in invitation.questionnaire_ids or qid not in catalog:
        raise HTTPException(status_code=404)
    return catalog[qid]


def _render(
    request: Request, template: str, invitation: Invitation, ctx: dict[str, Any], status: int = 200
) -> Response:
    """Candidate pages speak the invitation's language (switched with ?lang=)."""
    return render(request, template, ctx, lang=invitation.language, status_code=status)


def _page_url(token: str, ref: PageRef) -> str:
    return f"/a/{token}/q/{ref.questionnaire_id}/{ref.page}"


@router.get("")
def welcome(request: Request, session: SessionDep, token: str) -> Response:
    invitation = _invitation(request, session, token)
    if invitation.consent_at is not None:
        return RedirectResponse(f"/a/{token}/next", status_code=303)
    return _welcome(request, session, invitation, token, error=False)


def _welcome(
    request: Request, session: Session, invitation: Invitation, token: str, *, error: bool
) -> Response:
    settings = request.app.state.settings
    catalog = _catalog(request)
    questionnaires = [catalog[q] for q in invitation.questionnaire_ids if q in catalog]
    vacancy = session.get(Vacancy, invitation.vacancy_id)
    inviter = session.get(User, invitation.created_by_id) if invitation.created_by_id else None
    contact = _contact(request, session, invitation)
    ctx = {
        "token": token,
        "questionnaires": questionnaires,
        "minutes": sum(q.minutes or 0 for q in questionnaires),
        "items": sum(len(q.items) for q in questionnaires),
        "error": error,
        "company": settings.company_name,
        "vacancy": vacancy,
        "inviter": (inviter.full_name or inviter.email) if inviter else None,
        "consent": consent_paragraphs(settings, lang=invitation.language, contact=contact),
        "consent_version": settings.consent_version,
    }
    return _render(request, "candidate/welcome.html", invitation, ctx, 400 if error else 200)


@router.post("/consent")
def consent(request: Request, session: SessionDep, token: str, form: Form) -> Response:
    invitation = _invitation(request, session, token)
    if form.get("consent") != "yes":
        return _welcome(request, session, invitation, token, error=True)
    record_consent(
        session,
        invitation=invitation,
        now=utcnow(),
        version=request.app.state.settings.consent_version,
    )
    session.commit()
    return RedirectResponse(f"/a/{token}/next", status_code=303)


@router.get("/next")
def go_next(request: Request, session: SessionDep, token: str) -> Response:
    """Resume: the first page with an unanswered item, else the review."""
    invitation = _invitation(request, session, token, allow_completed=True)
    if invitation.completed_at is not None:
        return RedirectResponse(f"/a/{token}/done", status_code=303)
    if invitation.consent_at is None:
        return RedirectResponse(f"/a/{token}", status_code=303)
    assert invitation.id is not None
    pages = flow_pages(invitation, _catalog(request))
    todo = unanswered(pages, all_answers(session, invitation_id=invitation.id))
    if not todo:
        return RedirectResponse(f"/a/{token}/review", status_code=303)
    return RedirectResponse(_page_url(token, todo[0]), status_code=303)


def _find_page(pages: list[PageRef], qid: str, page: int) -> PageRef:
    for ref in pages:
        if ref.questionnaire_id == qid and ref.page == page:
            return ref
    raise HTTPException(status_code=404)


def _question_page(
    request: Request,
    session: Session,
    invitation: Invitation,
    token: str,
    q: Questionnaire,
    ref: PageRef,
    pages: list[PageRef],
    *,
    check: bool,
) -> Response:
    """``check``: sent here from the review, so the page's unanswered items are marked."""
    assert invitation.id is not None
    t = translations(invitation.language)
    answers = all_answers(session, invitation_id=invitation.id)
    given = answers.get(q.id, {})
    missing = {i for i in ref.item_ids if i not in given} if check else set()
    items = item_views(
        q,
        ref.item_ids,
        lang=invitation.language,
        answers=given,
        missing=missing,
        gettext=t.gettext,
    )
    total = sum(len(p.item_ids) for p in pages)
    answered = sum(1 for p in pages for i in p.item_ids if i in answers.get(p.questionnaire_id, {}))
    steps = len({p.questionnaire_id for p in pages})
    ctx = {
        "token": token,
        "q": q,
        "page": ref.page,
        "index": ref.index,
        "pages": len(pages),
        "is_last": ref.index == len(pages),
        "items": items,
        "missing_count": sum(1 for i in items if i.missing),
        "answered": answered,
        "total": total,
        "percent": round(100 * answered / total) if total else 100,
        "step": invitation.questionnaire_ids.index(q.id) + 1,
        "steps": steps,
    }
    return _render(request, "candidate/questions.html", invitation, ctx)


def _started(request: Request, session: Session, token: str) -> Invitation | Response:
    invitation = _invitation(request, session, token)
    if invitation.consent_at is None:
        return RedirectResponse(f"/a/{token}", status_code=303)
    return invitation


@router.get("/q/{qid}/{page}")
def show_page(request: Request, session: SessionDep, token: str, qid: str, page: int) -> Response:
    invitation = _started(request, session, token)
    if isinstance(invitation, Response):
        return invitation
    q = _questionnaire(request, invitation, qid)
    pages = flow_pages(invitation, _catalog(request))
    ref = _find_page(pages, qid, page)
    check = bool(request.query_params.get("check"))
    response = _question_page(request, session, invitation, token, q, ref, pages, check=check)
    # Recorded after rendering: the write transaction (on SQLite, the database's write lock)
    # stays as short as one insert.
    record_page(
        session,
        invitation=invitation,
        questionnaire_id=qid,
        page=page - 1,
        kind="view",
        now=utcnow(),
    )
    session.commit()
    return response


@router.post("/q/{qid}/{page}")
def save_page(
    request: Request, session: SessionDep, token: str, qid: str, page: int, form: Form
) -> Response:
    """The page's form (without JavaScript, the only way answers arrive): save, then move."""
    invitation = _started(request, session, token)
    if isinstance(invitation, Response):
        return invitation
    q = _questionnaire(request, invitation, qid)
    pages = flow_pages(invitation, _catalog(request))
    ref = _find_page(pages, qid, page)
    try:
        given = parse_answers(q, form)
    except InvalidAnswers:
        raise HTTPException(status_code=422) from None
    if set(given) - set(ref.item_ids):
        raise HTTPException(status_code=422)
    _lock(session, invitation)
    now = utcnow()
    save_answers(session, invitation=invitation, questionnaire_id=qid, answers=given, now=now)
    record_page(
        session, invitation=invitation, questionnaire_id=qid, page=page - 1, kind="save", now=now
    )
    session.commit()
    go = form.get("go")
    if go == "back":
        previous = pages[ref.index - 2] if ref.index > 1 else ref
        return RedirectResponse(_page_url(token, previous), status_code=303)
    if go == "review" or ref.index == len(pages):
        return RedirectResponse(f"/a/{token}/review", status_code=303)
    return RedirectResponse(_page_url(token, pages[ref.index]), status_code=303)


@router.post("/save")
def autosave(request: Request, session: SessionDep, token: str, body: Body) -> Response:
    """One answer as it is clicked (app/static/app.js). JSON in, JSON out. An optional "ms" is
    the browser's time for this answer (quality flags only; junk is ignored)."""
    settings = request.app.state.settings
    origin = request.headers.get("origin")
    own = {settings.base_url, f"{request.url.scheme}://{request.url.netloc}"}
    if origin is not None and origin not in own:
        return JSONResponse({"ok": False, "error": "origin"}, status_code=403)
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return JSONResponse({"ok": False, "error": "content-type"}, status_code=415)
    if len(body) > AUTOSAVE_MAX_BYTES:
        return JSONResponse({"ok": False, "error": "size"}, status_code=413)
    try:
        data = json.loads(body)
        qid, item, value = data["questionnaire"], data["item"], data["value"]
    except (ValueError, KeyError, TypeError):
        return JSONResponse({"ok": False, "error": "body"}, status_code=400)
    try:
        invitation = find_invitation(
            session, token, now=utcnow(), default_language=settings.default_language
        )
    except LinkProblem as exc:
        return JSONResponse({"ok": False, "error": exc.reason}, status_code=exc.status_code)
    if invitation.consent_at is None:
        return JSONResponse({"ok": False, "error": "consent"}, status_code=409)
    if not isinstance(qid, str) or not isinstance(item, str):
        return JSONResponse({"ok": False, "error": "body"}, status_code=400)
    catalog = _catalog(request)
    if qid not in invitation.questionnaire_ids or qid not in catalog:
        return JSONResponse({"ok": False, "error": "questionnaire"}, status_code=404)
    try:
        save_one(
            session,
            invitation=invitation,
            q=catalog[qid],
            item_id=item,
            value=value,
            now=utcnow(),
            ms=data.get("ms"),  # data is a JSON object here: the lookups above passed
        )
    except InvalidAnswers:
        return JSONResponse({"ok": False, "error": "answer"}, status_code=422)
    except LinkProblem as exc:  # finished meanwhile (another tab)
        return JSONResponse({"ok": False, "error": exc.reason}, status_code=exc.status_code)
    session.commit()
    return JSONResponse({"ok": True})


@router.get("/review")
def review(request: Request, session: SessionDep, token: str) -> Response:
    invitation = _started(request, session, token)
    if isinstance(invitation, Response):
        return invitation
    assert invitation.id is not None
    catalog = _catalog(request)
    pages = flow_pages(invitation, catalog)
    todo = unanswered(pages, all_answers(session, invitation_id=invitation.id))
    t = translations(invitation.language)
    groups = []
    for ref in todo:
        q = catalog[ref.questionnaire_id]
        views = item_views(
            q, ref.item_ids, lang=invitation.language, answers={}, missing=(), gettext=t.gettext
        )
        groups.append({"ref": ref, "q": q, "items": views, "url": _page_url(token, ref)})
    ctx = {
        "token": token,
        "groups": groups,
        "missing": sum(len(r.item_ids) for r in todo),
        "pages": len(pages),
        "last_page": _page_url(token, pages[-1]) if pages else f"/a/{token}",
    }
    return _render(request, "candidate/review.html", invitation, ctx)


@router.post("/finish")
def finish_route(request: Request, session: SessionDep, token: str) -> Response:
    invitation = _invitation(request, session, token, allow_completed=True)
    if invitation.completed_at is None:
        if invitation.consent_at is None:
            return RedirectResponse(f"/a/{token}", status_code=303)
        try:
            _lock(session, invitation)
        except LinkProblem:
            return RedirectResponse(f"/a/{token}/done", status_code=303)
        finish(session, invitation=invitation, catalog=_catalog(request), now=utcnow())
        session.commit()
    return RedirectResponse(f"/a/{token}/done", status_code=303)


def _vacancy(session: Session, invitation: Invitation) -> Vacancy:
    vacancy = session.get(Vacancy, invitation.vacancy_id)
    assert vacancy is not None
    return vacancy


@router.get("/done")
def done(request: Request, session: SessionDep, token: str) -> Response:
    invitation = _invitation(request, session, token, allow_completed=True)
    if invitation.completed_at is None:
        return RedirectResponse(f"/a/{token}/next", status_code=303)
    ctx = {
        "token": token,
        "feedback": _vacancy(session, invitation).feedback_enabled,
        "company": request.app.state.settings.company_name,
    }
    return _render(request, "candidate/done.html", invitation, ctx)


@router.get("/feedback")
def feedback(request: Request, session: SessionDep, token: str) -> Response:
    invitation = _invitation(request, session, token, allow_completed=True)
    if invitation.completed_at is None:
        return RedirectResponse(f"/a/{token}/next", status_code=303)
    if not _vacancy(session, invitation).feedback_enabled:
        raise HTTPException(status_code=404)
    results = session.exec(select(Result).where(Result.invitation_id == invitation.id)).all()
    ordered = sorted(
        results,
        key=lambda r: (
            invitation.questionnaire_ids.index(r.questionnaire_id)
            if r.questionnaire_id in invitation.questionnaire_ids
            else 99
        ),
    )
    candidate = session.get(Candidate, invitation.candidate_id)
    notes = feedback_notes(
        [r.data for r in ordered], gettext=translations(invitation.language).gettext
    )
    ctx = {"token": token, "notes": notes, "name": candidate.name if candidate else ""}
    return _render(request, "candidate/feedback.html", invitation, ctx)
