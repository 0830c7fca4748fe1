"""Webhooks as receivers check them: Standard Webhooks signatures verified with the
`standardwebhooks` package, timestamps taken when each request leaves, a dead receiver that
does not hold up the others, and addresses rolefit will not send to."""

from __future__ import annotations

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import Session, select
from standardwebhooks.webhooks import Webhook

from app.config import Settings
from app.db import utcnow
from app.models import WebhookDelivery
from app.web.forms import FormErrors
from app.webhooks.service import (
    GuardedTransport,
    create_endpoint,
    deliver_due,
    emit,
    make_client,
)
from tests.api.helpers import complete
from tests.factories import make_invitation


class Receiver:
    """A real HTTP receiver on this machine; ``block`` makes it hold requests unanswered."""

    def __init__(self, *, block: threading.Event | None = None) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.started = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                outer.started += 1
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if block is not None:
                    block.wait(10)
                    return  # no answer at all
                outer.requests.append((dict(self.headers.items()), body))
                outer.on_request()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def on_request(self) -> None:
        pass

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _endpoint(db: Session, url: str):
    new = create_endpoint(db, url=url, events=["assessment.completed"])
    db.commit()
    return new


def test_every_delivery_verifies_with_the_standard_webhooks_library(
    db: Session, settings: Settings
) -> None:
    receiver = Receiver()
    try:
        new = _endpoint(db, receiver.url)
        complete(db, make_invitation(db, settings).invitation)
        # The round began ten minutes before its request left (slow receivers ahead of it):
        # the signature's timestamp is when the request is sent, so it is not stale.
        round_began = utcnow() + timedelta(minutes=10)
        with make_client(allow_private=True) as client:
            assert deliver_due(db, now=round_began, client=client) == 1
    finally:
        receiver.close()
    ((headers, body),) = receiver.requests
    payload = Webhook(new.secret).verify(body, headers)
    assert payload["type"] == "assessment.completed"
    assert headers["webhook-id"] == f"msg_{payload['id']}"
    with pytest.raises(Exception, match="signature"):
        Webhook(new.secret).verify(body + b" ", headers)


def test_a_dead_receiver_does_not_hold_up_the_others(db: Session, settings: Settings) -> None:
    release = threading.Event()
    dead, healthy = Receiver(block=release), Receiver()
    seen_while_dead_hung: list[int] = []
    healthy.on_request = lambda: seen_while_dead_hung.append(dead.started)
    try:
        dead_ep = _endpoint(db, dead.url).endpoint
        for n in range(3):
            emit(
                db,
                event="ping",
                key=f"dead{n}",
                payload={"n": n},
                occurred_at=utcnow(),
                endpoint=dead_ep,
            )
        db.commit()
        healthy_ep = _endpoint(db, healthy.url).endpoint
        emit(db, event="ping", key="healthy", payload={}, occurred_at=utcnow(), endpoint=healthy_ep)
        db.commit()
        client = httpx.Client(timeout=2.0, transport=GuardedTransport(allow_private=True))
        with client:
            attempted = deliver_due(db, now=utcnow(), client=client)
    finally:
        release.set()
        dead.close()
        healthy.close()
    # The healthy receiver got its event before the dead one had taken more than its first
    # request (sent one after another, the dead one's three timeouts would come first).
    assert len(seen_while_dead_hung) == 1 and seen_while_dead_hung[0] <= 1
    assert attempted == 2  # one to each; the dead one's other two wait for the next round
    rows = {d.endpoint_id: [] for d in db.exec(select(WebhookDelivery)).all()}
    for d in db.exec(select(WebhookDelivery)).all():
        rows[d.endpoint_id].append((d.status, d.attempts))
    assert sorted(rows[dead_ep.id]) == [("pending", 0), ("pending", 0), ("pending", 1)]
    assert rows[healthy_ep.id] == [("delivered", 1)]


def test_no_row_lock_is_held_while_a_receiver_answers(db: Session, settings: Settings) -> None:
    """On PostgreSQL another instance can lock the delivery row mid-request (NOWAIT)."""
    if db.bind is None or db.bind.dialect.name != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter")
    engine = db.bind
    release = threading.Event()
    locked: list[bool] = []

    hanging = Receiver(block=release)
    try:
        ep = _endpoint(db, hanging.url).endpoint
        emit(db, event="ping", key="probe", payload={}, occurred_at=utcnow(), endpoint=ep)
        db.commit()
        client = httpx.Client(timeout=5.0, transport=GuardedTransport(allow_private=True))

        def run() -> None:
            with Session(engine) as other:
                deliver_due(other, now=utcnow(), client=client)

        sender = threading.Thread(target=run)
        sender.start()
        for _ in range(100):
            if hanging.started:
                break
            threading.Event().wait(0.05)
        with engine.connect() as conn:
            conn.execute(text("SELECT id FROM webhook_deliveries FOR UPDATE NOWAIT"))
            locked.append(True)
            conn.rollback()
        release.set()
        sender.join(10)
        client.close()
    finally:
        release.set()
        hanging.close()
    assert locked == [True]


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data",
        "http://[fe80::1]/hook",
        "http://metadata.google.internal/computeMetadata/v1",
    ],
)
def test_metadata_and_link_local_addresses_are_never_receivers(db: Session, url: str) -> None:
    with pytest.raises(FormErrors) as err:
        create_endpoint(db, url=url, events=["assessment.completed"])
    assert "url" in err.value.errors


def test_private_addresses_need_webhook_allow_private(db: Session, settings: Settings) -> None:
    receiver = Receiver()
    try:
        _endpoint(db, receiver.url)
        complete(db, make_invitation(db, settings).invitation)
        with make_client(allow_private=False) as client:
            deliver_due(db, now=utcnow(), client=client)
        delivery = db.exec(select(WebhookDelivery)).one()
        assert receiver.started == 0
        assert delivery.status == "pending" and "WEBHOOK_ALLOW_PRIVATE" in (
            delivery.last_error or ""
        )
        with make_client(allow_private=True) as client:
            deliver_due(db, now=utcnow() + timedelta(minutes=5), client=client)
        db.refresh(delivery)
        assert delivery.status == "delivered" and receiver.started == 1
    finally:
        receiver.close()
