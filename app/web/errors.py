"""Error answers. No stack trace reaches a user: HTML pages for people, JSON for /healthz,
problem+json (``app.web.problems``) under /api/. The 503 and the 429 pages are drawn here too,
so the security middleware and the routes answer alike."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.i18n import pick_language
from app.web.pages import render
from app.web.problems import ApiProblem, is_api, problem_response

log = logging.getLogger("rolefit")


class LoginRequired(Exception):
    """A staff page was asked for without a valid staff session."""


class CsrfFailed(Exception):
    """A staff form arrived without the session's CSRF token."""


class LinkProblem(Exception):
    """A candidate link that cannot be used: reason is unknown, replaced (by "New link"),
    expired, revoked, completed, no_organisation or vacancy_closed."""

    def __init__(self, reason: str, *, lang: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.lang = lang
        # Whom the candidate can write to (a known link's inviter or CONTACT_EMAIL), if anyone.
        self.contact: str | None = None
        # The employer's name, where the page names it (a replaced link: "write to ...").
        self.organisation: str | None = None
        self.status_code = {"unknown": 404, "no_organisation": 503}.get(reason, 410)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/healthz")


def error_page(
    request: Request, status_code: int, lang: str | None = None, *, stale_form: bool = False
) -> Response:
    """``stale_form``: a 403 for a form without its CSRF token, not for a lack of permission."""
    if _wants_json(request):
        return JSONResponse({"status": "error", "code": status_code}, status_code=status_code)
    return render(
        request,
        "shared/error.html",
        {"status_code": status_code, "stale_form": stale_form},
        lang=lang,
        status_code=status_code,
    )


# How long a client should wait before trying again while the database cannot be reached.
DATABASE_RETRY_AFTER = 15


def database_unavailable(request: Request) -> Response:
    """503 with Retry-After: the database is unreachable (a restart, a network cut, a failover).
    Nothing acknowledged is lost: writes that failed were never acknowledged."""
    if is_api(request):
        response: Response = problem_response(
            request,
            ApiProblem(
                503,
                title="Service unavailable",
                detail="The database cannot be reached right now; retry shortly.",
                kind="unavailable",
            ),
        )
    else:
        lang = None
        if request.url.path.startswith(("/a/", "/join/")):
            # A candidate's page: their language from the link's ?lang or cookie (the
            # invitation itself cannot be read now), else the site's default.
            settings = request.app.state.settings
            lang = pick_language(
                request.query_params.get("lang") or request.cookies.get("lang"),
                settings.default_language,
            )
        response = error_page(request, 503, lang=lang)
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


def too_many_requests(request: Request, *, retry_after: int, lang: str | None = None) -> Response:
    """The 429 answer of the rate limits (``app.security.ratelimit``); ``lang`` (a candidate's
    invitation language) wins over ?lang/cookie."""
    settings = request.app.state.settings
    lang = pick_language(
        lang or request.query_params.get("lang") or request.cookies.get("lang"),
        settings.default_language,
    )
    if is_api(request):
        # The API's error shape, an RFC 9457 problem (issue 7).
        response: Response = problem_response(
            request,
            ApiProblem(
                429,
                title="Too many requests",
                detail=f"This API key made too many requests; retry in {retry_after} s.",
                kind="rate-limited",
            ),
        )
    else:
        response = render(
            request,
            "shared/too_many_requests.html",
            {"retry_after": retry_after, "staff_page": False},
            lang=lang,
            status_code=429,
        )
    response.headers["Retry-After"] = str(retry_after)
    return response


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(OperationalError)
    @app.exception_handler(DisconnectionError)
    @app.exception_handler(PoolTimeout)
    async def _database(request: Request, exc: Exception) -> Response:
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        return database_unavailable(request)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> Response:
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, _exc: CsrfFailed) -> Response:
        return error_page(request, 403, stale_form=True)

    @app.exception_handler(LinkProblem)
    async def _link(request: Request, exc: LinkProblem) -> Response:
        return render(
            request,
            "candidate/link_problem.html",
            {"reason": exc.reason, "contact": exc.contact, "organisation": exc.organisation},
            lang=exc.lang,
            status_code=exc.status_code,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        response = error_page(request, exc.status_code)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, _exc: RequestValidationError) -> Response:
        return error_page(request, 422)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        if isinstance(exc, OperationalError | DisconnectionError | PoolTimeout):  # in a middleware
            log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
            return database_unavailable(request)
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_page(request, 500)
