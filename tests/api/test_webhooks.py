"""Webhooks: the outbox, signatures, retries with backoff, restarts, the expiry sweep, pages."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.config import Settings
from app.db import utcnow
from app.main import create_app
from app.models import ApiKey, Invitation, User, Vacancy, WebhookDelivery, WebhookEvent
from app.webhooks.service import (
    BACKOFF,
    create_endpoint,
    deliver_due,
    emit,
    sweep_expired,
)
from tests.api.helpers import complete
from tests.factories import make_invitation, make_user
from tests.htmlq import csrf_of, parse
from tests.webflow import STAFF_PASSWORD, login


def verify(secret: str, headers: httpx.Headers, body: bytes, *, now: int) -> bool:
    """An independent receiver-side check, as docs/api.md tells integrators to write it."""
    timestamp = headers["Rolefit-Timestamp"]
    if abs(now - int(timestamp)) > 300:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    sent = headers["Rolefit-Signature"].removeprefix("v1=")
    return hmac.compare_digest(expected.hexdigest(), sent)


class Recorder:
    """A MockTransport receiver answering from a script of status codes."""

    def __init__(self, *codes: int) -> None:
        self.codes = list(codes)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.codes.pop(0) if self.codes else 200)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self), follow_redirects=False)


@pytest.fixture
def endpoint(db: Session):
    new = create_endpoint(
        db, url="http://ats.local/hooks", events=["assessment.completed", "invitation.expired"]
    )
    db.commit()
    return new


def test_a_completed_assessment_queues_a_signed_event(
    db: Session, settings: Settings, endpoint
) -> None:
    new = make_invitation(db, settings)
    complete(db, new.invitation)
    receiver = Recorder(200)
    now = utcnow()
    assert deliver_due(db, now=now, client=receiver.client()) == 1
    (request,) = receiver.requests
    assert str(request.url) == "http://ats.local/hooks"
    assert request.headers["Rolefit-Event"] == "assessment.completed"
    assert verify(endpoint.secret, request.headers, request.content, now=int(now.timestamp()))
    body = json.loads(request.content)
    assert body["type"] == "assessment.completed"
    assert body["data"]["candidate_id"] == new.invitation.id
    assert body["data"]["results_url"] == f"/api/v1/candidates/{new.invitation.id}/results"
    # Who and for which vacancy, so the tracking system can match its own records.
    assert body["data"]["vacancy_id"] == new.invitation.vacancy_id
    assert body["data"]["vacancy_title"] == db.get(Vacancy, new.invitation.vacancy_id).title
    assert (body["data"]["name"], body["data"]["email"]) == ("Anna Petrova", "anna@example.com")
    delivery = db.exec(select(WebhookDelivery)).one()
    assert request.headers["Rolefit-Delivery"] == str(delivery.id)
    assert delivery.status == "delivered" and delivery.attempts == 1
    # Delivered once: nothing more is due.
    assert deliver_due(db, now=now + timedelta(days=3), client=receiver.client()) == 0


def test_a_tampered_body_or_an_old_timestamp_fails_verification(
    db: Session, settings: Settings, endpoint
) -> None:
    complete(db, make_invitation(db, settings).invitation)
    receiver = Recorder(200)
    now = utcnow()
    deliver_due(db, now=now, client=receiver.client())
    (request,) = receiver.requests
    ts = int(request.headers["Rolefit-Timestamp"])
    assert abs(ts - now.timestamp()) < 60
    assert verify(endpoint.secret, request.headers, request.content, now=ts)
    assert not verify(endpoint.secret, request.headers, request.content + b" ", now=ts)
    assert not verify("whsec_other", request.headers, request.content, now=ts)
    assert not verify(endpoint.secret, request.headers, request.content, now=ts + 301)


def test_failures_are_retried_on_the_backoff_schedule_then_given_up(
    db: Session, settings: Settings, endpoint
) -> None:
    complete(db, make_invitation(db, settings).invitation)
    receiver = Recorder(*([500] * 10))
    now = utcnow()
    bodies = set()
    for n, wait in enumerate(BACKOFF, start=1):
        assert deliver_due(db, now=now, client=receiver.client()) == 1
        delivery = db.exec(select(WebhookDelivery)).one()
        assert delivery.status == "pending" and delivery.attempts == n
        assert delivery.last_status_code == 500 and delivery.last_error == "HTTP 500"
        assert delivery.next_attempt_at == now + wait
        # Not before its time.
        assert deliver_due(db, now=now + wait - timedelta(seconds=1), client=receiver.client()) == 0
        now += wait
        bodies.add(receiver.requests[-1].content)
    assert deliver_due(db, now=now, client=receiver.client()) == 1
    delivery = db.exec(select(WebhookDelivery)).one()
    assert delivery.status == "failed" and delivery.attempts == len(BACKOFF) + 1
    assert len(bodies) == 1  # every retry sends the same body (receivers dedupe by it)


def test_a_retry_after_failure_succeeds(db: Session, settings: Settings, endpoint) -> None:
    complete(db, make_invitation(db, settings).invitation)
    receiver = Recorder(503, 200)
    now = utcnow()
    deliver_due(db, now=now, client=receiver.client())
    deliver_due(db, now=now + BACKOFF[0], client=receiver.client())
    delivery = db.exec(select(WebhookDelivery)).one()
    assert delivery.status == "delivered" and delivery.attempts == 2


def test_unreachable_receivers_and_redirects_count_as_failures(db: Session, endpoint) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    emit(db, event="assessment.completed", key="k1", payload={}, occurred_at=utcnow())
    db.commit()
    with httpx.Client(transport=httpx.MockTransport(refuse)) as client:
        deliver_due(db, now=utcnow(), client=client)
    delivery = db.exec(select(WebhookDelivery)).one()
    assert delivery.status == "pending" and "ConnectError" in (delivery.last_error or "")
    receiver = Recorder(302)
    deliver_due(db, now=utcnow() + BACKOFF[0], client=receiver.client())
    db.refresh(delivery)
    assert delivery.status == "pending" and "redirects are not followed" in (
        delivery.last_error or ""
    )


def test_an_event_is_emitted_once_and_only_to_subscribers(db: Session, endpoint) -> None:
    other = create_endpoint(db, url="https://b.example/x", events=["invitation.expired"])
    db.commit()
    now = utcnow()
    assert emit(db, event="assessment.completed", key="same", payload={}, occurred_at=now)
    assert emit(db, event="assessment.completed", key="same", payload={}, occurred_at=now) is None
    db.commit()
    rows = db.exec(select(WebhookDelivery)).all()
    assert [r.endpoint_id for r in rows] == [endpoint.endpoint.id]
    assert other.endpoint.id not in [r.endpoint_id for r in rows]


def test_the_expiry_sweep_emits_each_expired_invitation_once(
    db: Session, settings: Settings, endpoint
) -> None:
    expired = make_invitation(db, settings, name="Late", expired=True).invitation
    make_invitation(db, settings, name="Still fine")
    done = make_invitation(db, settings, name="Done").invitation
    complete(db, done)
    now = utcnow()
    assert sweep_expired(db, now=now) == 1
    db.commit()
    assert sweep_expired(db, now=now + timedelta(minutes=1)) == 0
    events = db.exec(select(WebhookEvent).where(WebhookEvent.event == "invitation.expired")).all()
    assert [e.subject_id for e in events] == [expired.id]
    # Extended and expired again: a new expiry, announced again.
    inv = db.get(Invitation, expired.id)
    assert inv is not None
    inv.expires_at = now + timedelta(hours=1)
    db.add(inv)
    db.commit()
    assert sweep_expired(db, now=now + timedelta(hours=2)) == 1


def test_pending_deliveries_survive_a_restart(db: Session, settings: Settings, endpoint) -> None:
    """The outbox is in the database: a new app instance delivers what the old one queued."""
    with TestClient(create_app(settings)):
        complete(db, make_invitation(db, settings).invitation)
    # The first app is gone; a new one (worker on, polling fast) sends the stored event.
    received: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        ep = endpoint.endpoint
        ep.url = f"http://127.0.0.1:{server.server_port}/hook"
        db.add(ep)
        db.commit()
        restarted = settings.model_copy(
            update={
                "webhook_worker": True,
                "webhook_poll_seconds": 0.05,
                "webhook_allow_private": True,  # the receiver is on this machine
            }
        )
        with TestClient(create_app(restarted)):
            for _ in range(200):
                db.expire_all()
                if db.exec(select(WebhookDelivery)).one().status == "delivered":
                    break
                threading.Event().wait(0.05)
    finally:
        server.shutdown()
        server.server_close()
    assert db.exec(select(WebhookDelivery)).one().status == "delivered"
    assert json.loads(received[0])["type"] == "assessment.completed"


# --- staff pages ---------------------------------------------------------------------------


@pytest.fixture
def admin_client(client: TestClient, db: Session) -> TestClient:
    make_user(db, email="root@example.com", password=STAFF_PASSWORD, role="admin")
    login(client, "root@example.com", STAFF_PASSWORD)
    return client


def test_an_admin_adds_a_webhook_and_sees_its_secret_once(
    admin_client: TestClient, db: Session
) -> None:
    page = admin_client.get("/admin/webhooks")
    assert page.status_code == 200
    r = admin_client.post(
        "/admin/webhooks",
        data={
            "csrf_token": csrf_of(page.text),
            "url": "http://ats.local/hook",
            "events": ["assessment.completed"],
        },
    )
    assert r.status_code == 201
    secret = parse(r.text).one("input", id="new-secret").get("value")
    assert secret is not None and secret.startswith("whsec_")
    assert secret not in admin_client.get("/admin/webhooks").text


def test_a_bad_webhook_form_names_its_fields(admin_client: TestClient) -> None:
    page = admin_client.get("/admin/webhooks")
    r = admin_client.post(
        "/admin/webhooks", data={"csrf_token": csrf_of(page.text), "url": "ftp://x"}
    )
    assert r.status_code == 422
    assert "url-error" in r.text and "events-error" in r.text


def test_test_event_and_retry_now_from_the_page(
    admin_client: TestClient, db: Session, endpoint
) -> None:
    csrf = csrf_of(admin_client.get("/admin/webhooks").text)
    r = admin_client.post(
        f"/admin/webhooks/{endpoint.endpoint.id}/test",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    delivery = db.exec(select(WebhookDelivery)).one()
    receiver = Recorder(500)
    deliver_due(db, now=utcnow(), client=receiver.client())
    assert receiver.requests[0].headers["Rolefit-Event"] == "ping"
    log = admin_client.get("/admin/webhooks").text
    assert "HTTP 500" in log
    admin_client.post(f"/admin/webhooks/deliveries/{delivery.id}/retry", data={"csrf_token": csrf})
    db.refresh(delivery)
    assert delivery.next_attempt_at is not None and delivery.next_attempt_at <= utcnow()


def test_a_disabled_endpoint_gets_nothing_until_enabled(
    admin_client: TestClient, db: Session, settings: Settings, endpoint
) -> None:
    """Queued deliveries wait while it is disabled; events meanwhile are not queued for it."""
    csrf = csrf_of(admin_client.get("/admin/webhooks").text)
    eid = endpoint.endpoint.id
    emit(db, event="invitation.expired", key="before", payload={}, occurred_at=utcnow())
    db.commit()
    admin_client.post(f"/admin/webhooks/{eid}/active", data={"csrf_token": csrf, "active": "no"})
    emit(db, event="invitation.expired", key="during", payload={}, occurred_at=utcnow())
    db.commit()
    receiver = Recorder()
    assert deliver_due(db, now=utcnow(), client=receiver.client()) == 0
    admin_client.post(f"/admin/webhooks/{eid}/active", data={"csrf_token": csrf, "active": "yes"})
    assert deliver_due(db, now=utcnow(), client=receiver.client()) == 1
    assert len(db.exec(select(WebhookDelivery)).all()) == 1


def test_integration_pages_are_for_admins_only(staff: TestClient, db: Session) -> None:
    assert staff.get("/admin/webhooks").status_code == 403
    assert staff.get("/admin/api-keys").status_code == 403


def test_an_admin_creates_and_revokes_an_api_key(admin_client: TestClient, db: Session) -> None:
    page = admin_client.get("/admin/api-keys")
    r = admin_client.post(
        "/admin/api-keys",
        data={"csrf_token": csrf_of(page.text), "name": "ATS", "scope": "read"},
    )
    assert r.status_code == 201
    secret = parse(r.text).one("input", id="new-key").get("value")
    assert secret is not None and secret.startswith("rf_")
    # Not entered as a context: a second lifespan on the same app would orphan its engine.
    ats = TestClient(admin_client.app, headers={"Authorization": f"Bearer {secret}"})
    assert ats.get("/api/v1/vacancies").status_code == 200
    csrf = csrf_of(admin_client.get("/admin/api-keys").text)
    assert db.exec(select(User)).one().role == "admin"
    key = db.exec(select(ApiKey)).one()
    admin_client.post(f"/admin/api-keys/{key.id}/revoke", data={"csrf_token": csrf})
    assert ats.get("/api/v1/vacancies").status_code == 401
