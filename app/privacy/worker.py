"""The retention policy on a schedule: once at start-up, then every day, inside the server.

Each run erases candidates whose vacancies closed RETENTION_DAYS_AFTER_CLOSE ago and employees
who left RETENTION_DAYS_AFTER_LEAVING ago. Turn it off with ``RETENTION_WORKER=false`` (e.g.
when cron runs ``rolefit retention --apply``); tests call ``run_retention`` with ``now=``
themselves. Several instances may run it: ``run_retention`` lets one of them work at a time on
PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from sqlalchemy import Engine, text
from sqlmodel import Session

from app.auth.service import forget_dead_sessions
from app.config import Settings
from app.db import utcnow
from app.privacy.service import apply_retention

log = logging.getLogger("rolefit.privacy")
EVERY_SECONDS = 24 * 3600.0

# Any constant shared by every instance: the PostgreSQL advisory lock of the retention run.
RETENTION_LOCK = 0x726F6C6566697401  # "rolefit" + 1


def run_retention(
    session: Session, *, days: int, now: datetime, leaver_days: int | None = None
) -> list[int] | None:
    """One scheduled retention run, safe with several instances; commits its work.

    On PostgreSQL a transaction-level advisory lock lets one instance work at a time; another
    that finds the lock taken skips this run (returns None) instead of erasing the same rows.
    Without the lock (SQLite: a single instance) the run is still idempotent: erased candidates
    are never due again.
    """
    if session.get_bind().dialect.name == "postgresql":
        got = session.execute(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": RETENTION_LOCK}
        ).scalar()
        if not got:
            session.rollback()
            return None
    erased = apply_retention(session, days=days, now=now, leaver_days=leaver_days)
    session.commit()  # also releases the advisory lock
    return erased


def tick(
    engine: Engine, *, days: int, session_hours: int = 12, leaver_days: int | None = None
) -> list[int] | None:
    with Session(engine) as session:
        erased = run_retention(session, days=days, now=utcnow(), leaver_days=leaver_days)
        # Staff sessions past their lifetime keep an address and a browser for nothing.
        forget_dead_sessions(session, now=utcnow(), hours=session_hours)
        session.commit()
    if erased:
        log.info("retention: candidates erased: %d", len(erased))
    return erased


async def run(engine: Engine, settings: Settings, stop: asyncio.Event) -> None:
    """Runs until ``stop`` is set, once at start-up and then every day (``EVERY_SECONDS``)."""
    while not stop.is_set():
        try:
            await asyncio.to_thread(
                tick,
                engine,
                days=settings.retention_days_after_close,
                session_hours=settings.session_hours,
                leaver_days=settings.retention_days_after_leaving,
            )
        except Exception:
            # A database hiccup must not end the loop: tomorrow's run catches up.
            log.exception("retention run failed; next try in %s s", EVERY_SECONDS)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=EVERY_SECONDS)
