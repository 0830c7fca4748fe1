"""The email queue (table ``outgoing_emails``) and how it is sent.

Requests only queue: ``queue_email`` renders and builds the message once and stores its bytes,
so every retry sends the same Message-ID. The worker (``app.invitations.worker``) calls
``run_due_emails`` in a thread every MAIL_POLL_SECONDS: it claims the due rows, marks them
``sending``, commits, sends each (smtplib blocks, hence the thread) and records the outcome.

Rows go through the outbox shared with webhooks (``app.outbox``): claimed with a lease, sent
outside the transaction, retried with backoff. Several app instances may share a PostgreSQL
database; two workers never claim the same row. Each row is claimed just before it is sent,
with the clock read then (never a round's start time), and stays ``sending`` for at most one
SMTP timeout; only a row left ``sending`` past its lease, ``stuck_after`` (a worker killed
mid-send), is claimed again. So a slow SMTP server cannot make another instance send a message
a second time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesParser

from sqlmodel import Session, col, select

from app import outbox
from app.config import Settings
from app.db import utcnow
from app.mail.compose import Kind, render_invitation_email
from app.mail.message import SMTP_POLICY, build_message, message_bytes
from app.mail.queue import deliver, retry_at
from app.mail.transport import SmtpSettings
from app.models import EmailStatus, Invitation, OutgoingEmail, User
from app.organisation.service import current_text, organisation, reply_address, sender_name
from app.text import mask_emails
from questionnaires.loader import product_questionnaires
from questionnaires.timing import estimated_minutes

log = logging.getLogger("rolefit.mail")

STUCK_AFTER = timedelta(minutes=10)
ERROR_MAX = 2000


def smtp_settings(settings: Settings) -> SmtpSettings | None:
    """SMTP from the settings, or None: every message goes to the outbox folder."""
    if not settings.smtp_host:
        return None
    return SmtpSettings(
        host=settings.smtp_host,
        port=settings.smtp_port,
        use_tls=settings.smtp_tls,
        user=settings.smtp_user or None,
        password=settings.smtp_password or None,
        sender=settings.mail_from,
        timeout=settings.smtp_timeout,
    )


class NoOrganisation(Exception):
    """No organisation is set: emails cannot say who sends them."""


def invitation_minutes(questionnaire_ids: list[str]) -> int:
    """The time estimate of an invitation's questionnaires, as its landing page shows it."""
    catalog = product_questionnaires()
    return estimated_minutes(catalog[q] for q in questionnaire_ids if q in catalog)


def queue_email(
    session: Session,
    *,
    settings: Settings,
    invitation: Invitation,
    to_email: str,
    to_name: str,
    vacancy_title: str,
    link: str,
    kind: str,
    contact_email: str | None,
    created_by: User | None,
    now: datetime,
) -> OutgoingEmail:
    """Render, build and queue an invitation or reminder email in the organisation's name; the
    worker sends it. Raises ``NoOrganisation`` before one is set: an email from nobody (or
    from the product) is not sent."""
    assert kind in ("invitation", "reminder", "employee")
    email_kind: Kind = (
        "employee" if kind == "employee" else ("invitation" if kind == "invitation" else "reminder")
    )
    org = organisation(session)
    if org is None:
        raise NoOrganisation()
    intro = current_text(session, settings, kind=email_kind, language=invitation.language)
    content = render_invitation_email(
        language=invitation.language,
        candidate_name=to_name,
        vacancy_title=vacancy_title,
        company_name=org.name,
        link=link,
        expires_at=invitation.expires_at,
        contact_email=contact_email,
        kind=email_kind,
        minutes=invitation_minutes(invitation.questionnaire_ids),
        intro=intro.body,
        operator=f"{org.legal_entity}, {org.address}",
    )
    msg = build_message(
        sender=settings.mail_from,
        sender_name=sender_name(org),
        to_email=to_email,
        to_name=to_name,
        content=content,
        reply_to=reply_address(org, contact_email),
        now=now,
    )
    row = OutgoingEmail(
        invitation_id=invitation.id,
        kind=kind,
        to_email=to_email,
        subject=content.subject[:500],
        message_id=str(msg["Message-ID"]),
        message=message_bytes(msg),
        status=EmailStatus.queued,
        next_attempt_at=now,
        created_by_id=created_by.id if created_by else None,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def _message(data: bytes) -> EmailMessage:
    # The SMTP policy re-serialises the stored headers as they were built (Cyrillic included).
    msg = BytesParser(policy=SMTP_POLICY).parsebytes(data)
    assert isinstance(msg, EmailMessage)
    return msg


def stuck_after(settings: Settings | None) -> timedelta:
    """The lease of a claimed email: how long it may stay ``sending``, well past one SMTP
    timeout."""
    timeout = timedelta(seconds=settings.smtp_timeout) if settings else timedelta(0)
    return max(STUCK_AFTER, 3 * timeout)


def claim_due(
    session: Session, *, now: datetime, limit: int = 1, settings: Settings | None = None
) -> list[int]:
    """Claim up to ``limit`` due emails (``app.outbox``): queued ones whose time has come, and
    ones left ``sending`` past the lease (a worker killed mid-send). Marks them ``sending``,
    commits, returns their ids."""
    due = (
        select(OutgoingEmail)
        .where(
            col(OutgoingEmail.status).in_([EmailStatus.queued, EmailStatus.sending]),
            col(OutgoingEmail.next_attempt_at) <= now,
        )
        .order_by(col(OutgoingEmail.next_attempt_at), col(OutgoingEmail.id))
        .limit(limit)
    )
    rows = outbox.claim(
        session,
        due,
        leased=OutgoingEmail,
        now=now,
        lease=stuck_after(settings),
        values={"status": EmailStatus.sending},
    )
    return [row.id for row in rows]


def send_one(session: Session, *, email_id: int, settings: Settings, now: datetime) -> str:
    """One delivery attempt of a claimed row; records and commits the outcome."""
    row = session.get(OutgoingEmail, email_id)
    assert row is not None
    outcome = deliver(
        _message(row.message), smtp=smtp_settings(settings), outbox_dir=settings.outbox_path
    )
    row.attempts += 1
    if outcome.delivered:
        row.status = outcome.status
        row.sent_at = now
        row.next_attempt_at = None
        row.last_error = None
        row.outbox_path = str(outcome.path) if outcome.path else None
    else:
        row.last_error = (outcome.error or "unknown error")[:ERROR_MAX]
        later = retry_at(outcome, attempts=row.attempts, now=now)
        row.status = EmailStatus.queued if later else EmailStatus.failed
        row.next_attempt_at = later
        # Ids only: an address in the log would outlive the candidate's erasure.
        log.warning(
            "email %s (invitation %s) failed: %s",
            row.id,
            row.invitation_id,
            mask_emails(row.last_error),
        )
    session.add(row)
    session.commit()
    return row.status


def run_due_emails(
    session: Session,
    *,
    settings: Settings,
    now: datetime | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> int:
    """Send every due email, claiming each just before it is sent; returns the attempts made.

    The clock is read for every claim and every outcome; ``now`` fixes it (tests).
    """
    read = (lambda: now) if now is not None else clock
    attempts = 0
    while True:
        ids = claim_due(session, now=read(), settings=settings)
        if not ids:
            return attempts
        send_one(session, email_id=ids[0], settings=settings, now=read())
        attempts += 1


def retry_now(session: Session, *, email: OutgoingEmail, now: datetime | None = None) -> None:
    """Staff's "retry now" on a failed or waiting email: due at once, with fresh attempts."""
    if email.status not in (EmailStatus.failed, EmailStatus.queued):
        return
    email.status = EmailStatus.queued
    email.next_attempt_at = now or utcnow()
    email.attempts = 0
    session.add(email)
    session.flush()
