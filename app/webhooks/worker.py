"""The delivery loop that runs inside the server (one per process; the outbox is shared).

Every ``webhook_poll_seconds`` it sends what is due and, once a minute, sweeps newly expired
invitations. The database work runs in a thread so the event loop keeps serving requests.
Turn it off with ``WEBHOOK_WORKER=false`` (tests call ``deliver_due`` themselves).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import httpx
from sqlalchemy import Engine
from sqlmodel import Session

from app.db import utcnow
from app.webhooks.service import deliver_due, make_client, sweep_expired

log = logging.getLogger("rolefit.webhooks")
SWEEP_EVERY = 60.0


def tick(engine: Engine, client: httpx.Client, *, sweep: bool) -> int:
    with Session(engine) as session:
        if sweep:
            sweep_expired(session, now=utcnow())
            session.commit()
        return deliver_due(session, now=utcnow(), client=client)


async def run(
    engine: Engine, *, poll_seconds: float, stop: asyncio.Event, allow_private: bool = False
) -> None:
    client = make_client(allow_private=allow_private)
    last_sweep = 0.0
    try:
        while not stop.is_set():
            sweep = time.monotonic() - last_sweep >= SWEEP_EVERY
            try:
                await asyncio.to_thread(tick, engine, client, sweep=sweep)
                if sweep:
                    last_sweep = time.monotonic()
            except Exception:
                # A database hiccup must not end the loop: the outbox keeps the work.
                log.exception("webhook worker tick failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=poll_seconds)
    finally:
        client.close()
