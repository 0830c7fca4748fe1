"""Bearer authentication for /api/v1: 401 for a missing or unknown key, 403 for its scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.api.keys import authenticate
from app.api.problems import ApiProblem
from app.db import SessionDep, utcnow
from app.models import ApiKey, ApiScope

# auto_error=False: a missing header becomes our problem+json 401, not FastAPI's plain 403.
_bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="rolefit API key",
    description="An API key created by an administrator: `Authorization: Bearer rf_...`.",
)
_CHALLENGE = 'Bearer realm="rolefit"'


def api_key(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiKey:
    if credentials is None:
        raise ApiProblem(
            401,
            title="API key required",
            detail="Send an API key in the Authorization header: 'Bearer <key>'.",
            kind="unauthorized",
            headers={"WWW-Authenticate": _CHALLENGE},
        )
    key = authenticate(session, secret=credentials.credentials, now=utcnow())
    if key is None:
        raise ApiProblem(
            401,
            title="Invalid API key",
            detail="The API key is unknown or has been revoked.",
            kind="unauthorized",
            headers={"WWW-Authenticate": _CHALLENGE + ', error="invalid_token"'},
        )
    # last_used_at is kept even when the request itself changes nothing.
    session.commit()
    return key


def write_key(key: Annotated[ApiKey, Depends(api_key)]) -> ApiKey:
    if key.scope != ApiScope.read_write:
        raise ApiProblem(
            403,
            title="Read-only API key",
            detail="This API key may only read; changes need a read_write key.",
            kind="forbidden",
            headers={"WWW-Authenticate": _CHALLENGE + ', error="insufficient_scope"'},
        )
    return key


ReadKey = Annotated[ApiKey, Depends(api_key)]
WriteKey = Annotated[ApiKey, Depends(write_key)]
