"""The retry policy and one delivery attempt, as plain functions; the queue table and the worker
that calls them live in the web app.

Schedule: after the 1st failed attempt wait about 1 minute, then 5 minutes, 30 minutes,
2 hours and 6 hours; after the 6th failed attempt (about 8.6 hours after the first) give up.
Each wait is stretched or shrunk at random by up to 20 % ("jitter"), so that a hundred emails
that failed together because the server was down do not all come back in the same second.
A permanent failure (a 5xx reply, a refused login) is not retried at all.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Literal

from app import outbox
from app.mail.transport import MailError, SmtpSettings, send_smtp, write_outbox

RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
# The first attempt plus one per delay.
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.2

Status = Literal["sent", "outboxed", "failed"]


@dataclass(frozen=True)
class DeliveryOutcome:
    status: Status
    # Only meaningful when failed: may a later attempt succeed?
    transient: bool = False
    error: str | None = None
    # The .eml file when the message went to the outbox.
    path: Path | None = None

    @property
    def delivered(self) -> bool:
        return self.status != "failed"


def next_attempt_at(
    attempts: int, now: datetime, *, rng: random.Random | None = None
) -> datetime | None:
    """When to try again after ``attempts`` failed attempts, or None to give up."""
    return outbox.retry_at(attempts, now, RETRY_DELAYS, jitter=JITTER, rng=rng)


def retry_at(
    outcome: DeliveryOutcome, *, attempts: int, now: datetime, rng: random.Random | None = None
) -> datetime | None:
    """The next attempt after this outcome (``attempts`` including this one), or None when
    the message was delivered, the failure was permanent, or the attempts are used up."""
    if outcome.delivered or not outcome.transient:
        return None
    return next_attempt_at(attempts, now, rng=rng)


def deliver(msg: EmailMessage, *, smtp: SmtpSettings | None, outbox_dir: Path) -> DeliveryOutcome:
    """One attempt: through SMTP when it is configured, else into the outbox folder."""
    if smtp is None:
        try:
            path = write_outbox(msg, outbox_dir)
        except OSError as exc:  # a full disk or a permission problem may be fixed meanwhile
            return DeliveryOutcome("failed", transient=True, error=f"outbox: {exc}")
        return DeliveryOutcome("outboxed", path=path)
    try:
        send_smtp(msg, smtp)
    except MailError as exc:
        return DeliveryOutcome("failed", transient=exc.transient, error=str(exc))
    return DeliveryOutcome("sent")
