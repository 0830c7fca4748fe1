"""The candidate's pages. The link's token is the only credential; no staff session involved.

These forms carry no CSRF token: a forged request would have to contain the link's secret token
in its URL, and whoever has that can answer in the candidate's place anyway. The JSON autosave
endpoint also checks that a browser's Origin is this site and that the body is JSON (which a
cross-site form cannot send without a CORS preflight).

The flow: start page with the consent text -> consent -> the pages of every questionnaire of the
invitation, in order (each answer saved as it is given) -> a review of unanswered items ->
finish -> thank you (-> the optional feedback page). The link resumes where the candidate
stopped: the first page with an unanswered item.

Each route hands its whole database work to the writer as one job (``jobs.py``) and renders
what comes back here, on the event loop. The routes are plain Starlette endpoints: FastAPI's
dependency injection and parameter validation cost a quarter of an answer's save (bench/load),
and these routes read their few inputs themselves.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from functools import partial, wraps
from typing import Any, TypeVar

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from markupsafe import Markup

from app.candidate import jobs
from app.candidate.feedback import feedback_notes
from app.candidate.jobs import Flow, Go, Link
from app.candidate.service import PageRef, unanswered
from app.candidate.views import item_views, self_description_views
from app.db import utcnow
from app.i18n import template_callables, translations
from app.web import render, templates
from app.web.errors import database_unavailable
from app.writer import WriterStopped
from questionnaires.schema import Questionnaire
from questionnaires.timing import estimated_minutes, questionnaire_minutes

log = logging.getLogger("rolefit")
T = TypeVar("T")

PREFIX = "/a/{token}"
AUTOSAVE_MAX_BYTES = 2000
SAVED = json.dumps({"ok": True}, separators=(",", ":")).encode()


async def _run(request: Request, job: Callable[..., T], *, heavy: bool = False, **kw: Any) -> T:
    """Run ``job`` in the writer with the request's settings, token and time. What the job
    raises (a link problem, a 404) reaches the error handlers; a writer that has stopped
    answers 503 (``_unavailable``)."""
    state = request.app.state
    try:
        return await state.writer.run(
            partial(
                job,
                token=request.path_params["token"],
                settings=state.settings,
                now=utcnow(),
                **kw,
            ),
            heavy=heavy,
        )
    except WriterStopped as exc:
        raise _Unavailable from exc


class _Unavailable(Exception):
    """The writer has stopped (its thread died, or the app is shutting down)."""


def _endpoint(route: Callable[[Request], Awaitable[Response]]) -> Callable[..., Any]:
    """A candidate route that answers 503 with Retry-After, at once, when the writer cannot
    take its job: a dead writer thread must not leave candidates waiting forever."""

    @wraps(route)
    async def endpoint(request: Request) -> Response:
        try:
            return await route(request)
        except _Unavailable:
            log.error("candidate request refused: the writer has stopped")
            return database_unavailable(request)

    return endpoint


def _go(request: Request, go: Go) -> Response:
    return RedirectResponse(f"/a/{request.path_params['token']}{go.path}", status_code=303)


def _lang(request: Request) -> str | None:
    """A GET page's ?lang=, which switches the invitation's language."""
    return request.query_params.get("lang") or None


def _catalog(request: Request) -> dict[str, Questionnaire]:
    catalog: dict[str, Questionnaire] = request.app.state.questionnaires
    return catalog


def _render(
    request: Request, template: str, link: Link, ctx: dict[str, Any], status: int = 200
) -> Response:
    """Candidate pages speak the invitation's language (switched with ?lang=) and show the
    organisation's name: the welcome and thank-you pages read it, the others reuse the last one
    read (no database work on the pages a candidate clicks through)."""
    brand = ctx.pop("brand", None)
    if brand is not None:
        request.app.state.brand = brand
    else:
        brand = getattr(request.app.state, "brand", None)
    ctx = {"token": request.path_params["token"], "brand": brand, **ctx}
    return render(request, template, ctx, lang=link.language, status_code=status)


def _page_url(token: str, ref: PageRef) -> str:
    return f"/a/{token}/q/{ref.questionnaire_id}/{ref.page}"


async def welcome(request: Request) -> Response:
    page = await _run(request, jobs.welcome, lang=_lang(request))
    if isinstance(page, Go):
        return _go(request, page)
    return _welcome(request, page, error=False)


def _welcome(request: Request, page: jobs.Welcome, *, error: bool) -> Response:
    catalog = _catalog(request)
    link = page.link
    questionnaires = [catalog[q] for q in link.questionnaire_ids if q in catalog]
    ctx = {
        "questionnaires": questionnaires,
        "minutes": estimated_minutes(questionnaires),
        "q_minutes": {q.id: questionnaire_minutes(q) for q in questionnaires},
        "items": sum(len(q.items) for q in questionnaires),
        "error": error,
        "company": page.brand.name,
        "brand": page.brand,
        "vacancy_title": page.vacancy_title,
        "inviter": page.inviter,
        "consent": page.consent.paragraphs,
        "consent_version": page.consent.label,
        "employee": page.employee,
    }
    return _render(request, "candidate/welcome.html", link, ctx, 400 if error else 200)


async def consent(request: Request) -> Response:
    form = await request.form()
    shown = form.get("consent_version")
    page = await _run(
        request,
        jobs.give_consent,
        agreed=form.get("consent") == "yes",
        shown_version=shown if isinstance(shown, str) and len(shown) <= 32 else None,
    )
    if isinstance(page, Go):
        return _go(request, page)
    return _welcome(request, page, error=True)


async def go_next(request: Request) -> Response:
    """Resume: the first page with an unanswered item, else the review."""
    flow = await _run(
        request, jobs.flow, catalog=_catalog(request), allow_completed=True, lang=_lang(request)
    )
    if isinstance(flow, Go):
        return _go(request, flow)
    todo = unanswered(flow.pages, flow.answers)
    if not todo:
        return _go(request, Go("/review"))
    return RedirectResponse(_page_url(request.path_params["token"], todo[0]), status_code=303)


def _question_page(
    request: Request, flow: Flow, q: Questionnaire, ref: PageRef, *, check: bool
) -> Response:
    """``check``: sent here from the review, so the page's unanswered items are marked."""
    link, pages, answers = flow.link, flow.pages, flow.answers
    given = answers.get(q.id, {})
    missing = {i for i in ref.item_ids if i not in given} if check else set()
    items = [
        _item_html(
            q, item_id, lang=link.language, value=given.get(item_id), missing=item_id in missing
        )
        for item_id in ref.item_ids
    ]
    # The optional self-descriptions follow the questionnaire's last page of items.
    last = ref.page == len(q.pages())
    describe = (
        self_description_views(
            q, lang=link.language, answers=given, gettext=translations(link.language).gettext
        )
        if last
        else []
    )
    total = sum(len(p.item_ids) for p in pages)
    answered = sum(1 for p in pages for i in p.item_ids if i in answers.get(p.questionnaire_id, {}))
    ctx = {
        "q": q,
        "page": ref.page,
        "index": ref.index,
        "pages": len(pages),
        "is_last": ref.index == len(pages),
        "items": items,
        "self_descriptions": describe,
        "missing_count": len(missing),
        "answered": answered,
        "total": total,
        "percent": round(100 * answered / total) if total else 100,
        "step": link.questionnaire_ids.index(q.id) + 1,
        "steps": len({p.questionnaire_id for p in pages}),
    }
    return _render(request, "candidate/questions.html", link, ctx)


# A question's HTML depends only on the questionnaire, the item, the language, the answer given
# and whether it is marked missing, so each combination is rendered once: rendering every item
# of a page through Jinja took half of a question page's time on the event loop (bench/load).
# Keyed by the questionnaire object (kept in the value, so a reloaded catalog misses), bounded.
_ITEM_HTML: dict[tuple[int, str, str, int | None, bool], tuple[Questionnaire, Markup]] = {}
ITEM_HTML_MAX = 20_000


def _item_html(
    q: Questionnaire, item_id: str, *, lang: str, value: int | None, missing: bool
) -> Markup:
    key = (id(q), item_id, lang, value, missing)
    hit = _ITEM_HTML.get(key)
    if hit is not None and hit[0] is q:
        return hit[1]
    (view,) = item_views(
        q,
        [item_id],
        lang=lang,
        answers={item_id: value} if value is not None else {},
        missing={item_id} if missing else set(),
        gettext=translations(lang).gettext,
    )
    template = templates.get_template("candidate/_item.html")
    html = Markup(template.render(item=view, lang=lang, **template_callables(lang)))  # noqa: S704 (autoescaped)
    if len(_ITEM_HTML) >= ITEM_HTML_MAX:
        _ITEM_HTML.clear()
    _ITEM_HTML[key] = (q, html)
    return html


async def show_page(request: Request) -> Response:
    qid, page = request.path_params["qid"], request.path_params["page"]
    opened = await _run(
        request, jobs.open_page, catalog=_catalog(request), qid=qid, page=page, lang=_lang(request)
    )
    if isinstance(opened, Go):
        return _go(request, opened)
    check = bool(request.query_params.get("check"))
    return _question_page(request, opened.flow, _catalog(request)[qid], opened.ref, check=check)


async def save_page(request: Request) -> Response:
    """The page's form (without JavaScript, the only way answers arrive): save, then move."""
    form = await request.form()
    stored = await _run(
        request,
        jobs.store_page,
        catalog=_catalog(request),
        qid=request.path_params["qid"],
        page=request.path_params["page"],
        form=form,
    )
    if isinstance(stored, Go):
        return _go(request, stored)
    pages, ref = stored
    token, go = request.path_params["token"], form.get("go")
    if go == "back":
        previous = pages[ref.index - 2] if ref.index > 1 else ref
        return RedirectResponse(_page_url(token, previous), status_code=303)
    if go == "review" or ref.index == len(pages):
        return _go(request, Go("/review"))
    return RedirectResponse(_page_url(token, pages[ref.index]), status_code=303)


async def autosave(request: Request) -> Response:
    """One answer as it is clicked (app/static/app.js). JSON in, JSON out. An optional "ms" is
    the browser's time for this answer (quality flags only; junk is ignored)."""
    headers = request.headers
    origin = headers.get("origin")
    if origin is not None and origin not in (
        request.app.state.settings.base_url,
        f"{request.url.scheme}://{request.url.netloc}",
    ):
        return JSONResponse({"ok": False, "error": "origin"}, status_code=403)
    if headers.get("content-type", "").split(";")[0].strip() != "application/json":
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
    try:
        await _run(
            request,
            jobs.store_autosave,
            catalog=_catalog(request),
            qid=qid,
            item_id=item,
            value=value,
            ms=ms,
        )
    except jobs.Refused as refused:
        return JSONResponse({"ok": False, "error": refused.error}, status_code=refused.status_code)
    return Response(SAVED, media_type="application/json")


async def review(request: Request) -> Response:
    flow = await _run(request, jobs.flow, catalog=_catalog(request), lang=_lang(request))
    if isinstance(flow, Go):
        return _go(request, flow)
    token, link, pages = request.path_params["token"], flow.link, flow.pages
    catalog = _catalog(request)
    todo = unanswered(pages, flow.answers)
    t = translations(link.language)
    groups = []
    for ref in todo:
        q = catalog[ref.questionnaire_id]
        views = item_views(
            q, ref.item_ids, lang=link.language, answers={}, missing=(), gettext=t.gettext
        )
        groups.append({"ref": ref, "q": q, "items": views, "url": _page_url(token, ref)})
    ctx = {
        "groups": groups,
        "missing": sum(len(r.item_ids) for r in todo),
        "pages": len(pages),
        "last_page": _page_url(token, pages[-1]) if pages else f"/a/{token}",
    }
    return _render(request, "candidate/review.html", link, ctx)


async def finish(request: Request) -> Response:
    # Heavy: scoring takes milliseconds; it never shares a batch with another one.
    done = await _run(request, jobs.finish_assessment, catalog=_catalog(request), heavy=True)
    return _go(request, done)


async def done(request: Request) -> Response:
    page = await _run(request, jobs.done, lang=_lang(request))
    if isinstance(page, Go):
        return _go(request, page)
    ctx = {
        "feedback": page.feedback,
        "company": page.brand.name if page.brand else "",
        "rated": page.rated,
        "employee": page.employee,
        "confirm_withdrawal": page.employee and request.query_params.get("confirm") == "1",
    }
    if page.brand is not None:
        ctx["brand"] = page.brand
    return _render(request, "candidate/done.html", page.link, ctx)


async def feedback(request: Request) -> Response:
    page = await _run(request, jobs.done, lang=_lang(request), with_results=True)
    if isinstance(page, Go):
        return _go(request, page)
    if not page.feedback:
        raise HTTPException(status_code=404)
    gettext = translations(page.link.language).gettext
    ctx = {"notes": feedback_notes(page.results, gettext=gettext), "name": page.name}
    return _render(request, "candidate/feedback.html", page.link, ctx)


async def rating(request: Request) -> Response:
    form = await request.form()
    done = await _run(request, jobs.rate, rating=form.get("rating"), comment=form.get("comment"))
    return _go(request, done)


async def withdraw(request: Request) -> Response:
    """An employee withdraws consent; the link stops working, so the answer is a page."""
    form = await request.form()
    done = await _run(request, jobs.withdraw, confirmed=form.get("confirm") == "yes")
    if isinstance(done, Go):
        return _go(request, done)
    ctx: dict[str, Any] = {
        "contact": done.contact,
        "company": done.brand.name if done.brand else "",
    }
    if done.brand is not None:
        ctx["brand"] = done.brand
    return render(request, "candidate/withdrawn.html", ctx, lang=done.language)


# Tried in this order: the answers' saves are most of the requests, then the pages.
ROUTES = (
    ("/save", autosave, "POST"),
    ("/q/{qid}/{page:int}", show_page, "GET"),
    ("/q/{qid}/{page:int}", save_page, "POST"),
    ("", welcome, "GET"),
    ("/consent", consent, "POST"),
    ("/next", go_next, "GET"),
    ("/review", review, "GET"),
    ("/finish", finish, "POST"),
    ("/done", done, "GET"),
    ("/feedback", feedback, "GET"),
    ("/rating", rating, "POST"),
    ("/withdraw", withdraw, "POST"),
)


def add_routes(app: FastAPI) -> None:
    """Register the candidate's routes on the app itself, before any included router: FastAPI
    matches an included router's routes through two more layers on every request, which cost
    an autosave about a tenth of its time on the event loop (bench/load)."""
    for path, endpoint, method in ROUTES:
        app.add_route(PREFIX + path, _endpoint(endpoint), methods=[method])
