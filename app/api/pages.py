"""Staff pages for API keys: an administrator creates (the key is shown once), lists, revokes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from app.api.keys import create_api_key, list_api_keys, revoke_api_key
from app.auth.deps import StaffAudit
from app.auth.permissions import IntegrationsAdmin, staff_router
from app.db import RowId, SessionDep
from app.models import ApiScope
from app.web import render
from app.web.forms import FormErrors

router = staff_router("integrations.manage", prefix="/admin/api-keys")


def _page(
    request: Request,
    session: SessionDep,
    *,
    new_key: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    ctx = {
        "keys": list_api_keys(session),
        "new_key": new_key,
        "values": values or {"name": "", "scope": ApiScope.read.value},
        "errors": errors or {},
        "scopes": [s.value for s in ApiScope],
    }
    return render(request, "staff/api_keys.html", ctx, status_code=status_code)


@router.get("")
def api_keys(request: Request, session: SessionDep) -> Response:
    return _page(request, session)


@router.post("")
def add_api_key(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    user: IntegrationsAdmin,
    name: Annotated[str, Form(max_length=1000)] = "",
    scope: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    try:
        new = create_api_key(session, name=name, scope=scope, created_by=user)
    except FormErrors as exc:
        values = {"name": name, "scope": scope}
        return _page(request, session, values=values, errors=exc.errors, status_code=422)
    audit("api_key.create", new.key, details={"prefix": new.key.prefix, "scope": new.key.scope})
    # Rendered here rather than after a redirect: the key never travels in a cookie.
    shown = {"name": new.key.name, "secret": new.secret}
    return _page(request, session, new_key=shown, status_code=201)


@router.post("/{key_id}/revoke")
def revoke(
    session: SessionDep, audit: StaffAudit, user: IntegrationsAdmin, key_id: RowId
) -> Response:
    key = revoke_api_key(session, key_id=key_id)
    if key is None:
        raise HTTPException(status_code=404)
    audit("api_key.revoke", key, details={"prefix": key.prefix})
    return RedirectResponse("/admin/api-keys", status_code=303)
