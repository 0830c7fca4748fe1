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
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from app.candidate.consent import consent_paragraphs
from app.candidate.feedback import feedback_notes
from app.candidate.jobs import (
    finish_assessment,
    give_consent,
    open_page,
    store_autosave,
    store_page,
)
from app.candidate.service import (
    InvalidAnswers,
    PageRef,
    all_answers,
    find_link,
    find_page,
    flow_pages,
    lock_invitation,
    parse_answers,
    record_consent,
    record_page,
    save_answers,
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


def _contact(request: Request, session: Session, invitation: Invitation) -> str | None:
    return contact_for(session, settings=request.app.state.settings, invitation=invitation)


def _invitation(request: Request, session: SessionDep, token: str, **kw: bool) -> Invitation:
    settings = request.app.state.settings
    invitation = find_link(session, token, settings=settings, now=utcnow(), **kw)
    if request.method == "GET" and request.query_params.get("lang"):
        switch_language(session, invitation, request.query_params.get("lang"))
        session.commit()
    return invitation


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
async def consent(request: Request, token: str, form: Form) -> Response:
    if form.get("consent") == "yes":
        given = await request.app.state.writer.run(
            partial(
                give_consent,
                token=token,
                version=request.app.state.settings.consent_version,
                now=utcnow(),
            )
        )
        if given:
            return RedirectResponse(f"/a/{token}/next", status_code=303)
    return await _in_thread(request, _consent, token, form)


def _consent(request: Request, session: Session, token: str, form: FormData) -> Response:
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
    pages = flow_pages(invitation.questionnaire_ids, _catalog(request))
    todo = unanswered(pages, all_answers(session, invitation_id=invitation.id))
    if not todo:
        return RedirectResponse(f"/a/{token}/review", status_code=303)
    return RedirectResponse(_page_url(token, todo[0]), status_code=303)


def _find_page(pages: list[PageRef], qid: str, page: int) -> PageRef:
    ref = find_page(pages, qid, page)
    if ref is None:
        raise HTTPException(status_code=404)
    return ref


def _question_page(
    request: Request,
    *,
    link: Any,
    token: str,
    q: Questionnaire,
    ref: PageRef,
    pages: list[PageRef],
    answers: dict[str, dict[str, int]],
    check: bool,
) -> Response:
    """``link`` is the invitation (an ORM object or a row); ``check``: sent here from the
    review, so the page's unanswered items are marked."""
    t = translations(link.language)
    given = answers.get(q.id, {})
    missing = {i for i in ref.item_ids if i not in given} if check else set()
    items = item_views(
        q,
        ref.item_ids,
        lang=link.language,
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
        "step": link.questionnaire_ids.index(q.id) + 1,
        "steps": steps,
    }
    return render(request, "candidate/questions.html", ctx, lang=link.language)


def _started(request: Request, session: Session, token: str) -> Invitation | Response:
    invitation = _invitation(request, session, token)
    if invitation.consent_at is None:
        return RedirectResponse(f"/a/{token}", status_code=303)
    return invitation


async def _in_thread(request: Request, page: Callable[..., Response], *args: Any) -> Response:
    """A page's full path: ``page(request, session, *args)`` in a worker thread, with a session
    of its own (the fast paths below take no session and no thread)."""

    def call() -> Response:
        with Session(request.app.state.engine) as session:
            return page(request, session, *args)

    return await run_in_threadpool(call)


# The question page and its form are most of the flow's requests after the autosaves. Their
# fast path is one writer job (reads and writes of the link's row, answers and page times) and
# a render on the event loop: no worker thread, no ORM session (bench/load). The job serves a
# usable, consented link and a page that exists; anything else, and a language switch, takes
# the full path, which says what is wrong.


@router.get("/q/{qid}/{page}")
async def show_page(request: Request, token: str, qid: str, page: int) -> Response:
    if "lang" not in request.query_params:
        opened = await request.app.state.writer.run(
            partial(
                open_page,
                token=token,
                catalog=_catalog(request),
                qid=qid,
                page=page,
                now=utcnow(),
            )
        )
        if opened is not None:
            return _question_page(
                request,
                link=opened.link,
                token=token,
                q=_catalog(request)[qid],
                ref=opened.ref,
                pages=opened.pages,
                answers=opened.answers,
                check=bool(request.query_params.get("check")),
            )
    return await _in_thread(request, _show_page, token, qid, page)


def _show_page(request: Request, session: Session, token: str, qid: str, page: int) -> Response:
    invitation = _started(request, session, token)
    if isinstance(invitation, Response):
        return invitation
    q = _questionnaire(request, invitation, qid)
    pages = flow_pages(invitation.questionnaire_ids, _catalog(request))
    ref = _find_page(pages, qid, page)
    assert invitation.id is not None
    response = _question_page(
        request,
        link=invitation,
        token=token,
        q=q,
        ref=ref,
        pages=pages,
        answers=all_answers(session, invitation_id=invitation.id),
        check=bool(request.query_params.get("check")),
    )
    record_page(
        session,
        invitation_id=invitation.id,
        questionnaire_id=qid,
        page=page - 1,
        kind="view",
        now=utcnow(),
        first=invitation.started_at is None,
    )
    session.commit()
    return response


@router.post("/q/{qid}/{page}")
async def save_page(request: Request, token: str, qid: str, page: int, form: Form) -> Response:
    """The page's form (without JavaScript, the only way answers arrive): save, then move."""
    q = _catalog(request).get(qid)
    try:
        given = parse_answers(q, form) if q is not None else None
    except InvalidAnswers:
        given = None
    if given is not None:
        stored = await request.app.state.writer.run(
            partial(
                store_page,
                token=token,
                catalog=_catalog(request),
                qid=qid,
                page=page,
                answers=given,
                now=utcnow(),
            )
        )
        if stored is not None:
            pages, ref = stored
            return _next_page(token, pages, ref, form.get("go"))
    return await _in_thread(request, _save_page, token, qid, page, form)


def _save_page(
    request: Request, session: Session, token: str, qid: str, page: int, form: FormData
) -> Response:
    invitation = _started(request, session, token)
    if isinstance(invitation, Response):
        return invitation
    q = _questionnaire(request, invitation, qid)
    pages = flow_pages(invitation.questionnaire_ids, _catalog(request))
    ref = _find_page(pages, qid, page)
    try:
        given = parse_answers(q, form)
    except InvalidAnswers:
        raise HTTPException(status_code=422) from None
    if set(given) - set(ref.item_ids):
        raise HTTPException(status_code=422)
    if not lock_invitation(session, invitation):
        raise LinkProblem("completed", lang=invitation.language)
    now = utcnow()
    save_answers(session, invitation=invitation, questionnaire_id=qid, answers=given, now=now)
    assert invitation.id is not None
    record_page(
        session,
        invitation_id=invitation.id,
        questionnaire_id=qid,
        page=page - 1,
        kind="save",
        now=now,
    )
    session.commit()
    return _next_page(token, pages, ref, form.get("go"))


def _next_page(token: str, pages: list[PageRef], ref: PageRef, go: object) -> Response:
    if go == "back":
        previous = pages[ref.index - 2] if ref.index > 1 else ref
        return RedirectResponse(_page_url(token, previous), status_code=303)
    if go == "review" or ref.index == len(pages):
        return RedirectResponse(f"/a/{token}/review", status_code=303)
    return RedirectResponse(_page_url(token, pages[ref.index]), status_code=303)


@router.post("/save")
async def autosave(request: Request, token: str) -> Response:
    """One answer as it is clicked (app/static/app.js). JSON in, JSON out. An optional "ms" is
    the browser's time for this answer (quality flags only; junk is ignored).

    The busiest route of all (every click): async, no ORM session, its writes group-committed
    with other requests' by ``app.writer`` (bench/load/README.md)."""
    settings = request.app.state.settings
    origin = request.headers.get("origin")
    own = {settings.base_url, f"{request.url.scheme}://{request.url.netloc}"}
    if origin is not None and origin not in own:
        return JSONResponse({"ok": False, "error": "origin"}, status_code=403)
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return JSONResponse({"ok": False, "error": "content-type"}, status_code=415)
    body = await request.body()
    if len(body) > AUTOSAVE_MAX_BYTES:
        return JSONResponse({"ok": False, "error": "size"}, status_code=413)
    try:
        data = json.loads(body)
        qid, item, value = data["questionnaire"], data["item"], data["value"]
        ms = data.get("ms")
    except (ValueError, KeyError, TypeError, AttributeError):
        return JSONResponse({"ok": False, "error": "body"}, status_code=400)
    refused = await request.app.state.writer.run(
        partial(
            store_autosave,
            token=token,
            catalog=_catalog(request),
            qid=qid,
            item_id=item,
            value=value,
            ms=ms,
            now=utcnow(),
        )
    )
    if refused is not None:
        return JSONResponse({"ok": False, "error": refused.error}, status_code=refused.status_code)
    return JSONResponse({"ok": True})


@router.get("/review")
def review(request: Request, session: SessionDep, token: str) -> Response:
    invitation = _started(request, session, token)
    if isinstance(invitation, Response):
        return invitation
    assert invitation.id is not None
    catalog = _catalog(request)
    pages = flow_pages(invitation.questionnaire_ids, catalog)
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
async def finish_route(request: Request, token: str) -> Response:
    outcome = await request.app.state.writer.run(
        partial(
            finish_assessment,
            token=token,
            catalog=_catalog(request),
            settings=request.app.state.settings,
            now=utcnow(),
        ),
        heavy=True,
    )
    if isinstance(outcome, LinkProblem):
        raise outcome
    return RedirectResponse(f"/a/{token}" if outcome == "welcome" else f"/a/{token}/done", 303)


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
