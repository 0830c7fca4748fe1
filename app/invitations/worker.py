"""The mail worker: an asyncio task started in the app's lifespan that, every
MAIL_POLL_SECONDS, queues the automatic reminders (``app.invitations.service``) and sends the
due emails (``app.invitations.mailer``). It sits above both, so neither imports the other's
caller."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy import Engine
from sqlmodel import Session

from app.config import Settings
from app.db import utcnow
from app.invitations.mailer import run_due_emails
from app.invitations.service import queue_due_reminders

log = logging.getLogger("rolefit.mail")


def run_worker_once(engine: Engine, settings: Settings) -> int:
    with Session(engine) as session:
        queued = queue_due_reminders(session, settings=settings, now=utcnow())
        session.commit()
        if queued:
            log.info("queued %d automatic reminders", queued)
        return run_due_emails(session, settings=settings)


async def mail_worker(engine: Engine, settings: Settings, stop: asyncio.Event) -> None:
    """Runs until ``stop`` is set; a failing round is logged and the next one tries again."""
    while not stop.is_set():
        try:
            await asyncio.to_thread(run_worker_once, engine, settings)
        except Exception:
            log.exception("mail worker round failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.mail_poll_seconds)
