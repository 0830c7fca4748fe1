"""The API's own OpenAPI document: only /api/v1 routes, errors as application/problem+json."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi

from app.web.problems import PROBLEM_TYPE

API_VERSION = "1.0.0"
DESCRIPTION = (
    "The rolefit integration API. Authenticate with an API key an administrator created: "
    "`Authorization: Bearer rf_...`. Errors are RFC 9457 problem details. "
    "See docs/api.md for webhooks and an example client."
)


_built: dict[int, dict[str, Any]] = {}


def api_schema(router: APIRouter) -> dict[str, Any]:
    """Built once: the API's routes alone (the HTML pages are not part of this API)."""
    if id(router) in _built:
        return _built[id(router)]
    only_api = FastAPI()
    only_api.include_router(router)
    schema = get_openapi(
        title="rolefit API",
        version=API_VERSION,
        openapi_version="3.1.0",
        description=DESCRIPTION,
        routes=only_api.routes,
    )
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                # FastAPI documents every model as application/json; errors are problems.
                if status[:1] in ("4", "5") and "application/json" in content:
                    content[PROBLEM_TYPE] = content.pop("application/json")
    _built[id(router)] = schema
    return schema
