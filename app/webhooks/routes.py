"""Staff pages for webhooks: endpoints (create, enable/disable, test) and the delivery log."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from app.auth.deps import StaffAudit
from app.auth.permissions import IntegrationsAdmin, staff_router
from app.db import RowId, SessionDep, get_or_404, utcnow
from app.models import WebhookDelivery, WebhookEndpoint
from app.web import render
from app.web.forms import FormErrors
from app.webhooks.service import (
    BACKOFF,
    EVENTS,
    create_endpoint,
    delivery_log,
    list_endpoints,
    retry_now,
    send_test,
    set_active,
)

router = staff_router("integrations.manage", prefix="/admin/webhooks")


def _page(
    request: Request,
    session: SessionDep,
    *,
    new_endpoint: dict[str, str] | None = None,
    values: dict[str, object] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    ctx = {
        "endpoints": list_endpoints(session),
        "deliveries": delivery_log(session),
        "events": EVENTS,
        "max_attempts": len(BACKOFF) + 1,
        "new_endpoint": new_endpoint,
        "values": values or {"url": "", "description": "", "events": list(EVENTS)},
        "errors": errors or {},
        "notice": request.query_params.get("done"),
    }
    return render(request, "staff/webhooks.html", ctx, status_code=status_code)


@router.get("")
def webhooks(request: Request, session: SessionDep) -> Response:
    return _page(request, session)


@router.post("")
async def add_endpoint(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    user: IntegrationsAdmin,
    url: Annotated[str, Form(max_length=4000)] = "",
    description: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    form = await request.form()
    events = [str(e) for e in form.getlist("events")][:10]
    try:
        new = create_endpoint(
            session, url=url, events=events, description=description, created_by=user
        )
    except FormErrors as exc:
        values: dict[str, object] = {"url": url, "description": description, "events": events}
        return _page(request, session, values=values, errors=exc.errors, status_code=422)
    # The URL stays out of the log: it may carry the receiver's own token.
    audit("webhook.create", new.endpoint, details={"events": list(new.endpoint.events)})
    # Shown on this response only: the secret never travels in a cookie or a URL.
    shown = {"url": new.endpoint.url, "secret": new.secret}
    return _page(request, session, new_endpoint=shown, status_code=201)


@router.post("/{endpoint_id}/active")
def toggle(
    session: SessionDep,
    audit: StaffAudit,
    user: IntegrationsAdmin,
    endpoint_id: RowId,
    active: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    endpoint = get_or_404(session, WebhookEndpoint, endpoint_id)
    wanted = active == "yes"
    if endpoint.active != wanted:  # a repeated click changes nothing and logs nothing
        set_active(session, endpoint=endpoint, active=wanted)
        audit("webhook.enable" if wanted else "webhook.disable", endpoint)
    return RedirectResponse("/admin/webhooks", status_code=303)


@router.post("/{endpoint_id}/test")
def test_event(
    session: SessionDep,
    audit: StaffAudit,
    user: IntegrationsAdmin,
    endpoint_id: RowId,
) -> Response:
    endpoint = get_or_404(session, WebhookEndpoint, endpoint_id)
    event_id = send_test(session, endpoint=endpoint, now=utcnow())
    audit("webhook.test", endpoint, details={"event_id": event_id})
    return RedirectResponse("/admin/webhooks?done=test#deliveries-title", status_code=303)


@router.post("/deliveries/{delivery_id}/retry")
def retry(session: SessionDep, delivery_id: RowId) -> Response:
    delivery = get_or_404(session, WebhookDelivery, delivery_id)
    retry_now(session, delivery=delivery, now=utcnow())
    return RedirectResponse("/admin/webhooks?done=retry#deliveries-title", status_code=303)
