"""RFC 9457 problem details for every error under /api/v1 (``application/problem+json``).

The HTML error pages of app/web/errors.py stay for everything else: ``install_problem_handlers``
wraps those handlers and answers with a problem only when the path is an API path.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("rolefit.api")

API_PREFIX = "/api/"
PROBLEM_TYPE = "application/problem+json"
# Each kind of problem gets a stable type URI that clients can match on (listed in
# docs/api.md). A URN: it identifies the kind and does not pretend to be a page to fetch.
TYPE_BASE = "urn:rolefit:problem:"

Handler = Callable[[Request, Any], Awaitable[Response]]


class FieldError(BaseModel):
    field: str = Field(description="Where the bad value is, e.g. candidates[0].email")
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem: ``type``, ``title``, ``status``, ``detail``; ``errors`` on 422."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None
    existing_candidate_id: int | None = Field(
        default=None, description="On already-invited: the candidate already there"
    )


class ApiProblem(Exception):
    """Raised by API routes; rendered as problem+json by the handler."""

    def __init__(
        self,
        status: int,
        *,
        title: str,
        detail: str,
        kind: str | None = None,
        errors: Sequence[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        existing_candidate_id: int | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.kind = kind or HTTPStatus(status).phrase.lower().replace(" ", "-")
        self.errors = list(errors) if errors is not None else None
        self.headers = headers or {}
        self.existing_candidate_id = existing_candidate_id


def not_found(what: str, ident: object) -> ApiProblem:
    return ApiProblem(
        404, title=f"{what} not found", detail=f"There is no {what.lower()} with id {ident}."
    )


def invalid(errors: Sequence[FieldError], detail: str | None = None) -> ApiProblem:
    fields = ", ".join(e.field for e in errors)
    return ApiProblem(
        422,
        title="Invalid request",
        detail=detail or f"Some values are not valid: {fields}.",
        kind="validation",
        errors=errors,
    )


def problem_response(request: Request, exc: ApiProblem) -> JSONResponse:
    body = Problem(
        type=TYPE_BASE + exc.kind,
        title=exc.title,
        status=exc.status,
        detail=exc.detail,
        instance=request.url.path,
        errors=exc.errors,
        existing_candidate_id=exc.existing_candidate_id,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=exc.status,
        media_type=PROBLEM_TYPE,
        headers=exc.headers,
    )


def field_path(loc: Sequence[int | str]) -> str:
    """("body", "candidates", 0, "email") -> "candidates[0].email"; query/path/header params
    by their name."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out or "body"


def _validation_problem(exc: RequestValidationError) -> ApiProblem:
    errors = []
    for err in exc.errors():
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        errors.append(FieldError(field=field_path(err.get("loc", ())), message=msg))
    return invalid(errors)


_HTTP_DETAIL = {
    404: ("Not found", "There is no such resource in this API."),
    405: ("Method not allowed", "This resource does not accept that method."),
    413: ("Request too large", "The request body is too large."),
    429: ("Too many requests", "Slow down and retry after the time in Retry-After."),
}


def _http_problem(exc: StarletteHTTPException) -> ApiProblem:
    if exc.status_code == 400:
        # FastAPI's answer to a body it cannot decode at all: for a client that is one more
        # invalid value, so it gets the same 422 shape, naming the body.
        return invalid(
            [FieldError(field="body", message="not readable as UTF-8 JSON")],
            detail="The request body is not valid JSON.",
        )
    title, detail = _HTTP_DETAIL.get(
        exc.status_code, (HTTPStatus(exc.status_code).phrase, HTTPStatus(exc.status_code).phrase)
    )
    headers = dict(exc.headers) if exc.headers else None
    return ApiProblem(exc.status_code, title=title, detail=detail, headers=headers)


def is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def _crash_problem(request: Request, _exc: Exception) -> ApiProblem:
    log.exception("unhandled API error on %s %s", request.method, request.url.path)
    return ApiProblem(
        500,
        title="Internal error",
        detail="The server could not complete the request; it has been logged.",
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Problems for API paths; the existing (HTML) handlers for every other path.

    Call after ``install_error_handlers``: this wraps the handlers it registered.
    """
    previous: dict[Any, Handler] = dict(app.exception_handlers)

    async def reraise(_request: Request, exc: Exception) -> Response:
        raise exc

    def api_first(kind: Any, problem: Callable[[Request, Any], ApiProblem]) -> None:
        """``kind`` answers ``problem`` on an API path, and as it did before elsewhere."""
        page = previous.get(kind, reraise)

        async def handler(request: Request, exc: Any) -> Response:
            if is_api(request):
                return problem_response(request, problem(request, exc))
            return await page(request, exc)

        app.add_exception_handler(kind, handler)

    @app.exception_handler(ApiProblem)
    async def _problem(request: Request, exc: ApiProblem) -> Response:
        return problem_response(request, exc)

    api_first(StarletteHTTPException, lambda _request, exc: _http_problem(exc))
    api_first(RequestValidationError, lambda _request, exc: _validation_problem(exc))
    api_first(Exception, _crash_problem)
