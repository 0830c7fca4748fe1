"""Webhook endpoints, events and the delivery outbox.

``emit`` records an event and one pending delivery per subscribed endpoint, in the caller's
transaction: the event is stored exactly when the fact it reports is, so a crash loses neither.
``deliver_due`` sends what is due; a failed attempt is retried on ``BACKOFF``.

Signatures follow the Standard Webhooks specification (docs/api.md): ``webhook-id`` (the
event's id, the same on every retry, for de-duplication), ``webhook-timestamp`` (unix seconds,
taken when that request is sent) and ``webhook-signature: v1,<base64 HMAC-SHA256(key,
"<id>.<timestamp>.<body>")>``, the key being the base64 after ``whsec_`` in the secret. The
older ``Rolefit-Signature``/``Rolefit-Timestamp`` pair is still sent for receivers written
against it.

Sending (``deliver_due``): due deliveries are claimed with a lease and the claim is committed,
so no row lock is held while a receiver answers; each endpoint's deliveries go out in their own
thread, one at a time, and an endpoint that fails to answer gives up the rest of its round, so
a dead receiver delays the others by nothing and itself by one timeout per round. Where a
receiver may be is checked when it is registered and again on every connection
(``GuardedTransport``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Insert, bindparam, exists
from sqlmodel import Session, col, select

from app import outbox
from app.db import upsert_insert, utcnow
from app.i18n import N_
from app.models import (
    Candidate,
    FitRecord,
    Invitation,
    InvitationStatus,
    User,
    Vacancy,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    status_is,
)
from app.text import mask_emails
from app.web.forms import FormErrors
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
# A claimed delivery is due again after this if its sender died before recording the outcome.
LEASE = timedelta(seconds=TIMEOUT_SECONDS * 6)
MAX_SENDING_ENDPOINTS = 8
# Never a receiver: cloud metadata services and link-local addresses (the delivery log would
# otherwise let an administrator probe them).
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data"})
ALWAYS_REFUSED = (
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("fe80::/10"),
    ipaddress.ip_network("fd00:ec2::254/128"),
    ipaddress.ip_network("100.100.100.200/32"),  # Alibaba Cloud metadata
    ipaddress.ip_network("0.0.0.0/8"),
)


class RefusedDestination(Exception):
    """A receiver address rolefit will not send to; the message says why."""


def address_refusal(address: str, *, allow_private: bool) -> str | None:
    """Why an IP address may not receive webhooks, or None."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in net for net in ALWAYS_REFUSED) or ip.is_multicast or ip.is_unspecified:
        return "link-local or metadata address"
    if not allow_private and (ip.is_private or ip.is_loopback or ip.is_reserved):
        return "private address (set WEBHOOK_ALLOW_PRIVATE=true to allow)"
    return None


def host_refusal(host: str, *, allow_private: bool) -> str | None:
    """Why a URL's host may not receive webhooks, without looking it up in DNS."""
    name = host.strip("[]").lower().rstrip(".")
    if name in METADATA_HOSTS:
        return "metadata host"
    try:
        return address_refusal(name, allow_private=allow_private)
    except ValueError:
        return None  # a name: checked on every connection, once resolved


class GuardedTransport(httpx.HTTPTransport):
    """Resolves the receiver's host and refuses addresses ``address_refusal`` names before
    connecting (a name that resolves to a metadata address is refused like the address)."""

    def __init__(self, *, allow_private: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.allow_private = allow_private

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        why = host_refusal(host, allow_private=self.allow_private)
        if why is None:
            try:
                infos = socket.getaddrinfo(host, request.url.port or 443, type=socket.SOCK_STREAM)
            except OSError as exc:
                raise httpx.ConnectError(f"cannot resolve {host}: {exc}", request=request) from exc
            for info in infos:
                why = address_refusal(str(info[4][0]), allow_private=self.allow_private)
                if why:
                    break
        if why:
            raise RefusedDestination(f"refused {host}: {why}")
        return super().handle_request(request)


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
    elif host_refusal(urlsplit(url).hostname or "", allow_private=True):
        errors["url"] = N_(
            "This address cannot receive webhooks: it is a link-local or cloud metadata address."
        )
    chosen = [e for e in EVENTS if e in events]
    if not chosen or len(chosen) != len(set(events)):
        errors["events"] = N_("Choose at least one event from the list.")
    if len(description) > 200:
        errors["description"] = N_("Keep the description under 200 characters.")
    if errors:
        raise FormErrors(errors)
    secret = SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")
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
    select(Vacancy.title, Candidate.name, Candidate.email, Vacancy.kind)
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


def _candidate_payload(session: Session, invitation: Invitation) -> dict[str, Any] | None:
    """The candidate part of an event; None for an employee's assessment (the team's
    vacancy), which is never sent: the employee consent names only the company's admins and
    recruiters as seeing the result, and an ATS would file the employee as a candidate."""
    row = session.execute(_PAYLOAD_NAMES, {"iid": invitation.id}).first()
    title, name, email, kind = row if row is not None else (None, None, None, None)
    if kind == "team":
        return None
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
    candidate = _candidate_payload(session, invitation)
    if candidate is None:
        return None
    payload = candidate | {
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
        .join(Vacancy, col(Vacancy.id) == col(Invitation.vacancy_id))
        .where(
            # In the query, not only in the payload: unsent employees' links must not fill
            # the batch's limit sweep after sweep.
            Vacancy.kind == "hiring",
            status_is(InvitationStatus.expired, now),
            col(Invitation.expires_at) > now - EXPIRY_LOOKBACK,
            ~already,
        )
        .order_by(col(Invitation.id))
        .limit(500)
    ).all()
    emitted = 0
    for invitation in rows:
        assert invitation.id is not None
        candidate = _candidate_payload(session, invitation)
        if candidate is None:  # not reached: the query keeps to hiring vacancies
            continue
        payload = candidate | {
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
    """The older ``Rolefit-Signature`` (kept for receivers written against it)."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def signing_key(secret: str) -> bytes:
    """The key a Standard Webhooks receiver derives from the secret: the base64 after
    ``whsec_``, decoded as their libraries do (secrets made before base64 ones included)."""
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX) + "==")
    except (binascii.Error, ValueError):
        key = b""
    return key or secret.encode("utf-8")


def standard_signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(signing_key(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode("ascii")


def make_client(*, allow_private: bool = False) -> httpx.Client:
    # Redirects are not followed: a receiver that moved must be re-registered by an admin.
    return httpx.Client(
        timeout=TIMEOUT_SECONDS,
        follow_redirects=False,
        transport=GuardedTransport(allow_private=allow_private),
    )


@dataclass(frozen=True)
class Send:
    """One claimed delivery, with what sending it needs (no ORM object crosses threads)."""

    delivery_id: int
    endpoint_id: int
    url: str
    secret: str
    event: str
    msg_id: str
    body: bytes


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    code: int | None
    error: str | None
    unreachable: bool = False  # no answer at all: the endpoint's other sends wait a round
    skipped: bool = False  # not attempted this round


def post(send: Send, client: httpx.Client, clock: Callable[[], float] = time.time) -> Outcome:
    timestamp = int(clock())  # when this request leaves, not when the round began
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "rolefit-webhooks/1",
        "webhook-id": send.msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": standard_signature(send.secret, send.msg_id, timestamp, send.body),
        "Rolefit-Event": send.event,
        "Rolefit-Delivery": str(send.delivery_id),
        "Rolefit-Timestamp": str(timestamp),
        "Rolefit-Signature": sign(send.secret, timestamp, send.body),
    }
    try:
        response = client.post(send.url, content=send.body, headers=headers)
    except RefusedDestination as exc:
        return Outcome(send.delivery_id, None, str(exc), unreachable=True)
    except Exception as exc:  # any failure to reach the receiver is retried, never raised
        failure = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return Outcome(send.delivery_id, None, failure, unreachable=True)
    code = response.status_code
    error = None if 200 <= code < 300 else f"HTTP {code}"
    if 300 <= code < 400:
        error = f"HTTP {code} (redirects are not followed)"
    return Outcome(send.delivery_id, code, error)


def _record(session: Session, outcome: Outcome, *, now: datetime) -> None:
    delivery = session.get(WebhookDelivery, outcome.delivery_id)
    if delivery is None or delivery.status != "pending":
        return  # erased or cancelled while it was being sent
    if outcome.skipped:
        delivery.next_attempt_at = now
        session.add(delivery)
        return
    delivery.attempts += 1
    delivery.last_status_code = outcome.code
    delivery.last_error = outcome.error[:500] if outcome.error else None
    if outcome.error is None:
        delivery.status = "delivered"
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif (later := outbox.retry_at(delivery.attempts, now, BACKOFF)) is not None:
        delivery.next_attempt_at = later
    else:
        delivery.status = "failed"
        delivery.next_attempt_at = None
        log.warning(
            "webhook delivery %s failed for good: %s", delivery.id, mask_emails(outcome.error)
        )
    session.add(delivery)


def _claim(session: Session, *, now: datetime, limit: int) -> list[Send]:
    """Due deliveries of active endpoints, claimed through the outbox (``app.outbox``): leased,
    committed, then sent outside the transaction."""
    due = (
        select(WebhookDelivery, WebhookEndpoint, WebhookEvent)
        .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id))
        .join(WebhookEvent, col(WebhookEvent.id) == col(WebhookDelivery.event_id))
        .where(
            WebhookDelivery.status == "pending",
            col(WebhookDelivery.next_attempt_at) <= now,
            col(WebhookEndpoint.active),
        )
        .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
        .limit(limit)
    )
    rows = outbox.claim(session, due, leased=WebhookDelivery, now=now, lease=LEASE)
    sends = []
    for delivery, endpoint, event in rows:
        assert delivery.id is not None and endpoint.id is not None
        sends.append(
            Send(
                delivery_id=delivery.id,
                endpoint_id=endpoint.id,
                url=endpoint.url,
                secret=endpoint.secret,
                event=event.event,
                msg_id=f"msg_{event.id}",
                body=body_of(event),
            )
        )
    return sends


def _send_endpoint(sends: list[Send], client: httpx.Client) -> list[Outcome]:
    """One endpoint's deliveries, in order; after a send that got no answer the rest wait for
    the next round, so a dead receiver costs one timeout a round."""
    out: list[Outcome] = []
    for n, send in enumerate(sends):
        outcome = post(send, client)
        out.append(outcome)
        if outcome.unreachable:
            out += [Outcome(s.delivery_id, None, None, skipped=True) for s in sends[n + 1 :]]
            break
    return out


def deliver_due(session: Session, *, now: datetime, client: httpx.Client, limit: int = 100) -> int:
    """Claim what is due, send it with no transaction open, record the outcomes.

    Endpoints are sent to concurrently (up to ``MAX_SENDING_ENDPOINTS`` at once), each in its
    own thread. Returns how many deliveries were attempted.
    """
    sends = _claim(session, now=now, limit=limit)
    if not sends:
        return 0
    by_endpoint: dict[int, list[Send]] = defaultdict(list)
    for send in sends:
        by_endpoint[send.endpoint_id].append(send)
    with ThreadPoolExecutor(max_workers=min(MAX_SENDING_ENDPOINTS, len(by_endpoint))) as pool:
        batches = list(pool.map(lambda group: _send_endpoint(group, client), by_endpoint.values()))
    outcomes = [o for batch in batches for o in batch]
    for outcome in outcomes:
        _record(session, outcome, now=now)
    session.commit()
    return sum(not o.skipped for o in outcomes)


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
