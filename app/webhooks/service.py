"""Webhook endpoints, events and the delivery outbox.

``emit`` records an event and one pending delivery per subscribed endpoint, in the caller's
transaction: the event is stored exactly when the fact it reports is, so a crash loses neither.
``deliver_due`` sends what is due; a failed attempt is retried on ``BACKOFF``.

Signature (docs/api.md): ``Rolefit-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>``
with ``Rolefit-Timestamp: <unix seconds>``; receivers reject timestamps older than 5 minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Insert, bindparam, exists
from sqlmodel import Session, col, select

from app.db import upsert_insert, utcnow
from app.i18n import N_
from app.models import (
    Candidate,
    FitRecord,
    Invitation,
    User,
    Vacancy,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from questionnaires.shown import shown_probability
from socionics.recommend import verdict_of_code

log = logging.getLogger("rolefit.webhooks")

ASSESSMENT_COMPLETED = "assessment.completed"
INVITATION_EXPIRED = "invitation.expired"
PING = "ping"  # the staff page's test event; sent to one endpoint whatever it subscribed to
EVENTS = (ASSESSMENT_COMPLETED, INVITATION_EXPIRED)

# Waits after the 1st, 2nd, ... failed attempt; after the last one the delivery is "failed".
BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
    timedelta(hours=24),
)
TIMEOUT_SECONDS = 10.0
# The sweep looks this far back, so a long downtime still emits every expiry once, while
# invitations that expired before webhooks existed are not announced in a flood.
EXPIRY_LOOKBACK = timedelta(days=7)
SECRET_PREFIX = "whsec_"  # noqa: S105  (a prefix, not a secret)


class EndpointErrors(Exception):
    """Field name -> message id, for the staff form."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class NewEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # shown once on the page; stored because signing needs it


# --- endpoints -----------------------------------------------------------------------------


def valid_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and len(url) <= 2000


def create_endpoint(
    session: Session,
    *,
    url: str,
    events: list[str],
    description: str = "",
    created_by: User | None = None,
) -> NewEndpoint:
    """Any http(s) URL is allowed, the local network included: rolefit is self-hosted and the
    ATS that receives the events often runs next to it."""
    url = url.strip()
    description = description.strip()
    errors = {}
    if not valid_url(url):
        errors["url"] = N_("Enter an http:// or https:// address of up to 2000 characters.")
    chosen = [e for e in EVENTS if e in events]
    if not chosen or len(chosen) != len(set(events)):
        errors["events"] = N_("Choose at least one event from the list.")
    if len(description) > 200:
        errors["description"] = N_("Keep the description under 200 characters.")
    if errors:
        raise EndpointErrors(errors)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(
        url=url,
        events=chosen,
        description=description,
        secret=secret,
        created_by_id=created_by.id if created_by else None,
    )
    session.add(endpoint)
    session.flush()
    return NewEndpoint(endpoint=endpoint, secret=secret)


def list_endpoints(session: Session) -> list[WebhookEndpoint]:
    return list(session.exec(select(WebhookEndpoint).order_by(col(WebhookEndpoint.id))).all())


def set_active(session: Session, *, endpoint: WebhookEndpoint, active: bool) -> None:
    """A disabled endpoint keeps its pending deliveries; they go out when it is enabled again."""
    endpoint.active = active
    session.add(endpoint)
    session.flush()


# --- events --------------------------------------------------------------------------------


@cache
def _event_insert(dialect: str) -> Insert:
    """Built once per dialect: every finished assessment emits an event, inside the writer's
    batch (app/candidate/jobs.py)."""
    return (
        upsert_insert(dialect, WebhookEvent)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(col(WebhookEvent.id))
    )


# Built once: every finished assessment reads these, in the candidates' writer.
_PAYLOAD_NAMES = (
    select(Vacancy.title, Candidate.name, Candidate.email)
    .select_from(Invitation)
    .outerjoin(Vacancy, col(Vacancy.id) == col(Invitation.vacancy_id))
    .outerjoin(Candidate, col(Candidate.id) == col(Invitation.candidate_id))
    .where(col(Invitation.id) == bindparam("iid"))
)


def emit(
    session: Session,
    *,
    event: str,
    key: str,
    payload: dict[str, Any],
    occurred_at: datetime,
    subject_id: int | None = None,
    endpoint: WebhookEndpoint | None = None,
) -> int | None:
    """Record an event and queue it for every active endpoint subscribed to it (or for the one
    ``endpoint`` given). Returns the event id, or None when ``key`` was emitted before."""
    row = {
        "event": event,
        "key": key,
        "subject_id": subject_id,
        "occurred_at": occurred_at,
        "payload": payload,
        "created_at": utcnow(),
    }
    event_id = session.execute(_event_insert(session.get_bind().dialect.name), row).scalar()
    if event_id is None:
        return None
    targets = [endpoint] if endpoint is not None else subscribed(session, event)
    for target in targets:
        assert target.id is not None
        session.add(
            WebhookDelivery(event_id=event_id, endpoint_id=target.id, next_attempt_at=occurred_at)
        )
    session.flush()
    return int(event_id)


def subscribed(session: Session, event: str) -> list[WebhookEndpoint]:
    # Few endpoints: filtering the JSON list in Python works the same on both databases.
    rows = session.exec(select(WebhookEndpoint).where(col(WebhookEndpoint.active))).all()
    return [e for e in rows if event in e.events]


def _candidate_payload(session: Session, invitation: Invitation) -> dict[str, Any]:
    row = session.execute(_PAYLOAD_NAMES, {"iid": invitation.id}).first()
    title, name, email = row if row is not None else (None, None, None)
    return {
        "candidate_id": invitation.id,
        "vacancy_id": invitation.vacancy_id,
        "vacancy_title": title,
        "name": name,
        "email": email,
        "candidate_url": f"/api/v1/candidates/{invitation.id}",
    }


def recommendation_payload(fit: FitRecord | None) -> dict[str, Any] | None:
    """The stored decision (socionics.recommend.decide), as the API's role_fit says it:
    no placement without a suitable role, and no type when the answers are unusable."""
    verdict = verdict_of_code(fit.placement, too_close=fit.too_close) if fit else None
    if fit is None or verdict is None:
        return None
    return {
        "outcome": verdict.outcome,
        "placement": verdict.placement,
        "type_code": fit.type_code if verdict.shows_type else None,
        "type_probability": shown_probability(fit.type_probability) if verdict.shows_type else None,
    }


def emit_assessment_completed(
    session: Session, *, invitation: Invitation, fit: FitRecord | None = None
) -> int | None:
    """Call in the transaction that stores the invitation's last result, with its fit record
    (app.scoring.service.update_fit) when there is one."""
    assert invitation.id is not None and invitation.completed_at is not None
    payload = _candidate_payload(session, invitation) | {
        "completed_at": invitation.completed_at.isoformat(),
        "results_url": f"/api/v1/candidates/{invitation.id}/results",
        "recommendation": recommendation_payload(fit),
    }
    return emit(
        session,
        event=ASSESSMENT_COMPLETED,
        key=f"{ASSESSMENT_COMPLETED}:{invitation.id}",
        payload=payload,
        occurred_at=invitation.completed_at,
        subject_id=invitation.id,
    )


def sweep_expired(session: Session, *, now: datetime) -> int:
    """Emit ``invitation.expired`` once for each invitation that expired unanswered.

    An invitation whose link is extended and then expires again is announced again: the key
    includes the expiry time.
    """
    already = exists().where(
        col(WebhookEvent.event) == INVITATION_EXPIRED,
        col(WebhookEvent.subject_id) == col(Invitation.id),
        col(WebhookEvent.occurred_at) == col(Invitation.expires_at),
    )
    rows = session.exec(
        select(Invitation)
        .where(
            col(Invitation.completed_at).is_(None),
            col(Invitation.revoked_at).is_(None),
            col(Invitation.expires_at) <= now,
            col(Invitation.expires_at) > now - EXPIRY_LOOKBACK,
            ~already,
        )
        .order_by(col(Invitation.id))
        .limit(500)
    ).all()
    emitted = 0
    for invitation in rows:
        assert invitation.id is not None
        payload = _candidate_payload(session, invitation) | {
            "expired_at": invitation.expires_at.isoformat(),
            "started": invitation.started_at is not None,
        }
        done = emit(
            session,
            event=INVITATION_EXPIRED,
            key=f"{INVITATION_EXPIRED}:{invitation.id}:{invitation.expires_at.isoformat()}",
            payload=payload,
            occurred_at=invitation.expires_at,
            subject_id=invitation.id,
        )
        emitted += done is not None
    return emitted


def send_test(session: Session, *, endpoint: WebhookEndpoint, now: datetime) -> int | None:
    assert endpoint.id is not None
    return emit(
        session,
        event=PING,
        key=f"{PING}:{endpoint.id}:{secrets.token_hex(8)}",
        payload={"message": "A test event from rolefit's webhook settings."},
        occurred_at=now,
        endpoint=endpoint,
    )


# --- delivery ------------------------------------------------------------------------------


def body_of(event: WebhookEvent) -> bytes:
    """The exact bytes that are signed and sent; every retry sends the same."""
    envelope = {
        "id": event.id,
        "type": event.event,
        "occurred_at": event.occurred_at.isoformat(),
        "data": event.payload,
    }
    return json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode("utf-8")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def make_client() -> httpx.Client:
    # Redirects are not followed: a receiver that moved must be re-registered by an admin.
    return httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False)


def attempt(
    session: Session, *, delivery: WebhookDelivery, now: datetime, client: httpx.Client
) -> bool:
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
    event = session.get(WebhookEvent, delivery.event_id)
    assert endpoint is not None and event is not None
    body = body_of(event)
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "rolefit-webhooks/1",
        "Rolefit-Event": event.event,
        "Rolefit-Delivery": str(delivery.id),
        "Rolefit-Timestamp": str(timestamp),
        "Rolefit-Signature": sign(endpoint.secret, timestamp, body),
    }
    delivery.attempts += 1
    code: int | None = None
    try:
        response = client.post(endpoint.url, content=body, headers=headers)
        code = response.status_code
        error = None if 200 <= code < 300 else f"HTTP {code}"
        if 300 <= code < 400:
            error += " (redirects are not followed)"  # type: ignore[operator]
    except Exception as exc:  # any failure to reach the receiver is retried, never raised
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    delivery.last_status_code = code
    delivery.last_error = error[:500] if error else None
    if error is None:
        delivery.status = "delivered"
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif delivery.attempts <= len(BACKOFF):
        delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
    else:
        delivery.status = "failed"
        delivery.next_attempt_at = None
        log.warning("webhook delivery %s failed for good: %s", delivery.id, error)
    session.add(delivery)
    session.flush()
    return error is None


def deliver_due(session: Session, *, now: datetime, client: httpx.Client, limit: int = 100) -> int:
    """Send due deliveries one by one, committing each, so a crash repeats at most one.

    ``FOR UPDATE SKIP LOCKED`` lets several instances share the outbox on PostgreSQL: a row
    one of them is sending is invisible to the others. Returns how many were attempted.
    """
    done = 0
    while done < limit:
        row = session.exec(
            select(WebhookDelivery)
            .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id))
            .where(
                WebhookDelivery.status == "pending",
                col(WebhookDelivery.next_attempt_at) <= now,
                col(WebhookEndpoint.active),
            )
            .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
            .limit(1)
            .with_for_update(skip_locked=True, of=WebhookDelivery)
        ).first()
        if row is None:
            break
        attempt(session, delivery=row, now=now, client=client)
        session.commit()
        done += 1
    session.commit()
    return done


def retry_now(session: Session, *, delivery: WebhookDelivery, now: datetime) -> None:
    """Due at once; a delivery that had failed for good gets one more attempt."""
    if delivery.status == "delivered":
        return
    if delivery.status == "failed":
        delivery.attempts = len(BACKOFF)
    delivery.status = "pending"
    delivery.next_attempt_at = now
    session.add(delivery)
    session.flush()


@dataclass(frozen=True)
class DeliveryRow:
    delivery: WebhookDelivery
    event: WebhookEvent
    endpoint: WebhookEndpoint


def delivery_log(
    session: Session, *, endpoint_id: int | None = None, limit: int = 100
) -> list[DeliveryRow]:
    query = (
        select(WebhookDelivery, WebhookEvent, WebhookEndpoint)
        .join(WebhookEvent, col(WebhookEvent.id) == col(WebhookDelivery.event_id))
        .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id))
        .order_by(col(WebhookDelivery.id).desc())
        .limit(limit)
    )
    if endpoint_id is not None:
        query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
    return [DeliveryRow(d, e, p) for d, e, p in session.exec(query).all()]
