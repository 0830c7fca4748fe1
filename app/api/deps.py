"""Bearer authentication for /api/v1: 401 for a missing or unknown key, 403 for its scope."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.api.keys import authenticate
from app.audit.service import Audit
from app.db import SessionDep, utcnow
from app.models import ApiKey, ApiScope
from app.web.problems import ApiProblem, FieldError, invalid

# auto_error=False: a missing header becomes our problem+json 401, not FastAPI's plain 403.
_bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="rolefit API key",
    description="An API key created by an administrator: `Authorization: Bearer rf_...`.",
)
_CHALLENGE = 'Bearer realm="rolefit"'


def _refused(status: int, *, title: str, detail: str, error: str | None = None) -> ApiProblem:
    """A 401 (no key, or a bad one) or a 403 (a key that may not do this), with the Bearer
    challenge of RFC 6750 naming ``error`` when the key was sent."""
    challenge = _CHALLENGE + (f', error="{error}"' if error else "")
    return ApiProblem(
        status,
        title=title,
        detail=detail,
        kind="unauthorized" if status == 401 else "forbidden",
        headers={"WWW-Authenticate": challenge},
    )


def _too_many(retry_after: int, detail: str) -> ApiProblem:
    return ApiProblem(
        429,
        title="Too many requests",
        detail=detail,
        kind="rate-limited",
        headers={"Retry-After": str(retry_after)},
    )


def api_key(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiKey:
    """The request's key. Limits count the right thing: requests per authenticated key (a
    changed header is another failed authentication, not a fresh allowance), and failed
    authentications per client address."""
    from app.security.ratelimit import WINDOW, client_address

    limiter = request.app.state.limiter
    settings = request.app.state.settings
    address = "addr:" + client_address(request.scope)
    failures = limiter.peek(
        bucket="api_auth", key=address, limit=settings.rate_limit_api_auth, window=WINDOW
    )
    if not failures.allowed:
        raise _too_many(
            failures.retry_after,
            f"Too many failed authentications from this address; retry in "
            f"{failures.retry_after} s.",
        )
    if credentials is None:
        raise _refused(
            401,
            title="API key required",
            detail="Send an API key in the Authorization header: 'Bearer <key>'.",
        )
    key = authenticate(session, secret=credentials.credentials, now=utcnow())
    if key is None:
        limiter.hit(
            bucket="api_auth", key=address, limit=settings.rate_limit_api_auth, window=WINDOW
        )
        raise _refused(
            401,
            title="Invalid API key",
            detail="The API key is unknown or has been revoked.",
            error="invalid_token",
        )
    # The one commit outside the unit of work (app/db.py): last_used_at is kept whatever the
    # request's outcome, and the limiter below writes in a transaction of its own, which on
    # SQLite would wait for this request's write lock until the end of the request.
    session.commit()
    used = limiter.hit(
        bucket="api", key=f"key:{key.id}", limit=settings.rate_limit_api, window=WINDOW
    )
    if not used.allowed:
        raise _too_many(
            used.retry_after,
            f"This API key made too many requests; retry in {used.retry_after} s.",
        )
    return key


def write_key(key: Annotated[ApiKey, Depends(api_key)]) -> ApiKey:
    if key.scope != ApiScope.read_write:
        raise _refused(
            403,
            title="Read-only API key",
            detail="This API key may only read; changes need a read_write key.",
            error="insufficient_scope",
        )
    return key


ReadKey = Annotated[ApiKey, Depends(api_key)]
WriteKey = Annotated[ApiKey, Depends(write_key)]


def known_query_only(request: Request) -> None:
    """An unknown query parameter is a 422, as an unknown body field is: ``?stauts=expired``
    would otherwise silently list every candidate."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    known = _query_names(dependant)
    unknown = sorted(name for name in request.query_params if name not in known)
    if unknown:
        raise invalid(
            [FieldError(field=name, message="unknown query parameter") for name in unknown],
            detail="Unknown query parameters: " + ", ".join(unknown) + ".",
        )


def _query_names(dependant: Any) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def key_label(key: ApiKey) -> str:
    """Who did it, for the audit log: the key's visible prefix and the name the admin gave it."""
    return f"API key {key.prefix} ({key.name})"


async def key_audit(request: Request, session: SessionDep, key: WriteKey) -> Audit:
    """The audit log of an API write: the key acts, in the request's session."""
    details = {"api_key_id": key.id, "api_key": key.prefix}
    return Audit(session, None, request, actor_label=key_label(key), details_base=details)


KeyAudit = Annotated[Audit, Depends(key_audit)]
