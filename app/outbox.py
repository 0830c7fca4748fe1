"""The outbox: how rolefit sends anything later, emails (``app.invitations.mailer``) and
webhook deliveries (``app.webhooks.service``) alike.

A row waits with ``next_attempt_at``; it is due once that time has come. A sender claims due
rows in one short transaction: it selects them (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
two instances never take the same row; SQLite has one writer anyway), moves each one's
``next_attempt_at`` past a lease and commits. Then it sends outside any transaction, so no
database lock is held during an SMTP or HTTP request, and records the outcome. A sender that
dies mid-send leaves its rows due again when the lease ends: nothing is lost, and with a
lease longer than any send can take, no other instance sends a row still being sent. A failed
attempt is retried on a backoff schedule, then given up.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session


def claim(
    session: Session,
    due: Any,
    *,
    leased: type,
    now: datetime,
    lease: timedelta,
    values: Mapping[str, Any] | None = None,
) -> list[Any]:
    """Runs ``due`` (a SELECT of the due rows, oldest first, limited), leases the ``leased``
    row of each result (``next_attempt_at`` = now + lease, plus ``values``), commits, and
    returns the results."""
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True, of=leased)
    results = list(session.exec(due).all())
    for result in results:
        row = (
            result
            if isinstance(result, leased)
            else next(r for r in result if isinstance(r, leased))
        )
        row.next_attempt_at = now + lease  # type: ignore[attr-defined]
        for name, value in (values or {}).items():
            setattr(row, name, value)
        session.add(row)
    session.commit()
    return results


def _leased_in(result: Any, leased: type) -> Any:
    return next(part for part in result if isinstance(part, leased))


def retry_at(
    attempts: int,
    now: datetime,
    schedule: Sequence[timedelta],
    *,
    jitter: float = 0.0,
    rng: random.Random | None = None,
) -> datetime | None:
    """When to try again after ``attempts`` failed attempts (from 1), or None to give up.

    ``jitter`` spreads retries by up to that share either way, so the messages of one outage
    do not all come back in the same second."""
    if attempts < 1:
        raise ValueError("attempts counts failed attempts and starts at 1")
    if attempts > len(schedule):
        return None
    factor = 1 + jitter * (2 * (rng or random).random() - 1)
    return now + schedule[attempts - 1] * factor
