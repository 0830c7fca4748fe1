"""The invitation lifecycle, for staff pages, the API and the CLI alike.

Every function takes keyword arguments only, flushes and never commits: the caller (a route,
the API, the worker) commits once when the whole action succeeded.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app.bulk.csv_import import (
    FileError,
    InviteRow,
    Note,
    Rejected,
    parse_invitations_csv,
)
from app.config import LANGUAGES, Settings
from app.db import upsert_insert, utcnow
from app.i18n import N_
from app.invitations.duplicates import AlreadyInvited, InvitedIndex, person_keys
from app.invitations.invite import Invitee, Person, candidate_link, invite_candidate
from app.invitations.mailer import queue_email
from app.invitations.tokens import issue_link_token, rebuild_link_token
from app.models import (
    Candidate,
    EmailStatus,
    Invitation,
    InvitationStatus,
    OutgoingEmail,
    ReplacedLink,
    User,
    Vacancy,
    closed_to_candidate,
)
from app.organisation.service import organisation
from app.text import plausible_email, strip_bidi
from app.web.forms import FormErrors

NO_ORGANISATION = N_(
    "Set up the organisation first (Organisation page): emails go out in its name."
)
# Bulk upload limits: a spreadsheet of a hiring campaign, not a database dump.
BULK_MAX_BYTES = 1_000_000
BULK_MAX_ROWS = 1000
# An open-link registration for an email already invited re-sends its link at most this often.
REGISTRATION_RESEND_GAP = timedelta(minutes=10)
EXTEND_DAYS_MAX = 90


VACANCY_CLOSED = N_(
    "This vacancy is closed and takes no new invitations. Reopen it on its page to invite again."
)


class VacancyClosed(Exception):
    """A new invitation to a closed vacancy, on any path (form, CSV, open link, API)."""

    message = VACANCY_CLOSED


def ensure_open(vacancy: Vacancy) -> None:
    """Raises ``VacancyClosed`` for a closed vacancy: the one check every way in calls."""
    if vacancy.is_closed:
        raise VacancyClosed(vacancy.id)


def _closed_to_candidate(session: Session, invitation: Invitation) -> bool:
    vacancy = session.get(Vacancy, invitation.vacancy_id)
    closed = vacancy is not None and vacancy.is_closed
    return closed_to_candidate(vacancy_closed=closed, consent_at=invitation.consent_at)


class ActionRefused(Exception):
    """The action does not apply to this invitation now; ``message`` is a msgid."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class BulkReport:
    created: list[tuple[Invitation, Candidate]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    error: FileError | None = None
    emails_queued: int = 0
    skipped: int = 0  # already invited, left alone
    reminded: int = 0  # already invited, sent a reminder


@dataclass(frozen=True)
class KnownPerson:
    """A row of an upload naming someone already invited to the vacancy."""

    row: InviteRow
    invitation: Invitation
    candidate: Candidate
    status: InvitationStatus

    @property
    def remindable(self) -> bool:
        return bool(self.candidate.email) and self.status in (
            InvitationStatus.invited,
            InvitationStatus.started,
        )


@dataclass
class ImportPlan:
    """What confirming an upload would do: nothing is written while it is made."""

    new: list[InviteRow] = field(default_factory=list)
    known: list[KnownPerson] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    error: FileError | None = None


@dataclass(frozen=True)
class Registration:
    invitation: Invitation
    # The personal link to redirect to; None when the email was already registered (its link
    # went to that mailbox, never to whoever typed the address).
    link: str | None


def contact_for(session: Session, *, settings: Settings, created_by_id: int | None) -> str | None:
    """Whom a candidate should write to: CONTACT_EMAIL, else the person who invited them."""
    if settings.contact_email:
        return settings.contact_email
    if created_by_id is not None:
        user = session.get(User, created_by_id)
        if user is not None:
            return user.email
    return None


def _queue_link_email(
    session: Session,
    *,
    settings: Settings,
    invitation: Invitation,
    link: str,
    kind: str,
    created_by: User | None,
    now: datetime,
) -> OutgoingEmail | None:
    candidate = session.get(Candidate, invitation.candidate_id)
    vacancy = session.get(Vacancy, invitation.vacancy_id)
    assert candidate is not None and vacancy is not None
    if not candidate.email:
        return None
    if organisation(session) is None:
        raise ActionRefused(NO_ORGANISATION)
    return queue_email(
        session,
        settings=settings,
        invitation=invitation,
        to_email=candidate.email,
        to_name=candidate.name,
        vacancy_title=vacancy.title,
        link=link,
        kind=kind,
        contact_email=contact_for(
            session, settings=settings, created_by_id=invitation.created_by_id
        ),
        created_by=created_by,
        now=now,
    )


def create_invitation(
    session: Session,
    *,
    settings: Settings,
    vacancy: Vacancy,
    invitee: Invitee,
    created_by: User | None,
    send_email: bool = True,
    now: datetime | None = None,
    index: InvitedIndex | None = None,
) -> tuple[Invitation, str]:
    """A new invitation and its link; with an email address, the invitation email is queued.

    Raises ``VacancyClosed`` for a closed vacancy, ``FormErrors`` (field -> msgid) for a bad
    name, email, phone or language, and ``AlreadyInvited`` for a person already invited to the
    vacancy (``duplicates``); ``index`` is the vacancy's, when the caller invites many people
    at once.
    """
    ensure_open(vacancy)
    name, language, phone = invitee.name, invitee.language, invitee.phone
    email = (invitee.email or "").strip() or None
    if email is not None and not plausible_email(email):
        # invite_candidate's own check is looser; report every field's problem at once.
        errors = {"email": N_("Enter a valid email address or leave it empty.")}
        typed = strip_bidi(name).strip()  # as invite_candidate checks it (app.text)
        if not typed or len(typed) > 200:
            errors["name"] = N_("Enter the candidate's name (up to 200 characters).")
        if (language or vacancy.language) not in LANGUAGES:
            errors["language"] = N_("Choose a language from the list.")
        raise FormErrors(errors)
    now = now or utcnow()
    index = index or InvitedIndex.load(session, vacancy=vacancy)
    found = index.find(name=strip_bidi(name), email=email, phone=phone)
    if found is not None:
        existing = session.get(Invitation, found)
        assert existing is not None
        person = session.get(Candidate, existing.candidate_id)
        assert person is not None
        raise AlreadyInvited(existing, person)
    new = invite_candidate(
        session,
        settings=settings,
        vacancy=vacancy,
        name=name,
        email=email,
        language=language or vacancy.language,
        created_by=created_by,
        now=now,
        phone=phone,
    )
    assert new.invitation.id is not None
    index.add(new.invitation.id, name=new.candidate.name, email=email, phone=new.candidate.phone)
    if send_email:
        try:
            _queue_link_email(
                session,
                settings=settings,
                invitation=new.invitation,
                link=new.link,
                kind="invitation",
                created_by=created_by,
                now=now,
            )
        except ActionRefused as exc:
            raise FormErrors({"email": exc.message}) from None
    return new.invitation, new.link


def _cancel_queued(session: Session, *, invitation: Invitation, reason: str) -> None:
    """Queued emails carry the old link: never send them after a revoke or a new token."""
    rows = session.exec(
        select(OutgoingEmail).where(
            OutgoingEmail.invitation_id == invitation.id,
            OutgoingEmail.status == EmailStatus.queued,
        )
    ).all()
    for row in rows:
        row.status = EmailStatus.failed
        row.next_attempt_at = None
        row.last_error = reason
        session.add(row)


def revoke(session: Session, *, invitation: Invitation, now: datetime | None = None) -> None:
    if invitation.completed_at is not None:
        raise ActionRefused(N_("A completed assessment cannot be withdrawn."))
    if invitation.revoked_at is None:
        invitation.revoked_at = now or utcnow()
        session.add(invitation)
        _cancel_queued(session, invitation=invitation, reason="cancelled: invitation revoked")
    session.flush()


def _keep_replaced(session: Session, *, invitation: Invitation, now: datetime) -> None:
    """Keep the hash of the link about to be replaced: opened later, it says it was replaced
    by a newer link and whom to ask, instead of "not valid"."""
    assert invitation.id is not None
    # ON CONFLICT DO NOTHING: two "New link" clicks at once both replace the same link.
    session.execute(
        upsert_insert(session.get_bind().dialect.name, ReplacedLink)
        .values(invitation_id=invitation.id, token_hash=invitation.token_hash, replaced_at=now)
        .on_conflict_do_nothing(index_elements=["token_hash"])
    )


def resend(
    session: Session,
    *,
    settings: Settings,
    invitation: Invitation,
    created_by: User | None,
    now: datetime | None = None,
) -> str:
    """A new link (the old one stops working), valid for the full period again, emailed when
    the candidate has an address. Also reopens a withdrawn invitation. Returns the link."""
    if invitation.completed_at is not None:
        raise ActionRefused(N_("The candidate has already completed the assessment."))
    if _closed_to_candidate(session, invitation):
        raise ActionRefused(VACANCY_CLOSED)
    now = now or utcnow()
    _cancel_queued(session, invitation=invitation, reason="cancelled: a new link was issued")
    _keep_replaced(session, invitation=invitation, now=now)
    token, token_hash, nonce = issue_link_token(settings.session_secret)
    invitation.token_hash = token_hash
    invitation.token_nonce = nonce
    invitation.revoked_at = None
    invitation.expires_at = max(
        invitation.expires_at, now + timedelta(days=settings.invitation_days)
    )
    session.add(invitation)
    session.flush()
    link = candidate_link(settings, token)
    _queue_link_email(
        session,
        settings=settings,
        invitation=invitation,
        link=link,
        kind="invitation",
        created_by=created_by,
        now=now,
    )
    return link


def extend(
    session: Session, *, invitation: Invitation, days: int, now: datetime | None = None
) -> None:
    """Move the expiry ``days`` later (counted from now when the link has already expired)."""
    if invitation.completed_at is not None:
        raise ActionRefused(N_("The candidate has already completed the assessment."))
    if not 1 <= days <= EXTEND_DAYS_MAX:
        raise ActionRefused(N_("Choose between 1 and 90 days."))
    now = now or utcnow()
    invitation.expires_at = max(invitation.expires_at, now) + timedelta(days=days)
    session.add(invitation)
    session.flush()


def remind(
    session: Session,
    *,
    settings: Settings,
    invitation: Invitation,
    created_by: User | None,
    now: datetime | None = None,
) -> OutgoingEmail:
    """Queue a reminder with the candidate's current link (rebuilt, or replaced if it cannot be)."""
    now = now or utcnow()
    status = invitation.status(now)
    if status not in (InvitationStatus.invited, InvitationStatus.started):
        raise ActionRefused(N_("Reminders go only to candidates whose link is still active."))
    if _closed_to_candidate(session, invitation):
        # Their link would only say the vacancy is closed.
        raise ActionRefused(VACANCY_CLOSED)
    candidate = session.get(Candidate, invitation.candidate_id)
    if candidate is None or not candidate.email:
        raise ActionRefused(N_("This candidate has no email address."))
    token = rebuild_link_token(
        settings.session_secret, nonce=invitation.token_nonce, token_hash=invitation.token_hash
    )
    if token is None:
        # A link made before tokens could be rebuilt (or under another secret key): replace it.
        _cancel_queued(session, invitation=invitation, reason="cancelled: a new link was issued")
        _keep_replaced(session, invitation=invitation, now=now)
        token, invitation.token_hash, invitation.token_nonce = issue_link_token(
            settings.session_secret
        )
    invitation.reminders_sent += 1
    invitation.last_reminded_at = now
    session.add(invitation)
    session.flush()
    email = _queue_link_email(
        session,
        settings=settings,
        invitation=invitation,
        link=candidate_link(settings, token),
        kind="reminder",
        created_by=created_by,
        now=now,
    )
    assert email is not None
    return email


def due_for_reminder(session: Session, *, settings: Settings, now: datetime) -> list[Invitation]:
    """Active invitations with an email address, idle for REMINDER_AFTER_DAYS since the
    invitation, the last answer or the last reminder, with reminders left."""
    if settings.reminder_after_days == 0 or settings.max_reminders == 0:
        return []
    idle_since = now - timedelta(days=settings.reminder_after_days)
    rows = session.exec(
        select(Invitation)
        .join(Candidate, col(Candidate.id) == col(Invitation.candidate_id))
        .join(Vacancy, col(Vacancy.id) == col(Invitation.vacancy_id))
        .where(
            # An employee's link is sent by hand from the team page; the reminder speaks
            # of a vacancy.
            Vacancy.kind == "hiring",
            col(Invitation.completed_at).is_(None),
            col(Invitation.revoked_at).is_(None),
            col(Invitation.expires_at) > now,
            col(Invitation.reminders_sent) < settings.max_reminders,
            col(Invitation.created_at) <= idle_since,
            col(Candidate.email).is_not(None),
        )
        .order_by(col(Invitation.id))
    ).all()
    due = []
    for invitation in rows:
        last = max(
            t
            for t in (
                invitation.created_at,
                invitation.last_activity_at,
                invitation.last_reminded_at,
            )
            if t is not None
        )
        if last <= idle_since and not _closed_to_candidate(session, invitation):
            due.append(invitation)
    return due


def queue_due_reminders(session: Session, *, settings: Settings, now: datetime) -> int:
    """The automatic reminders; run by the mail worker. Returns how many were queued."""
    if organisation(session) is None:
        return 0  # they wait: an email must say who sends it
    count = 0
    for invitation in due_for_reminder(session, settings=settings, now=now):
        remind(session, settings=settings, invitation=invitation, created_by=None, now=now)
        count += 1
    return count


def plan_import(
    session: Session, *, vacancy: Vacancy, data: bytes, now: datetime | None = None
) -> ImportPlan:
    """Sort an uploaded CSV's rows into new people, people already invited to the vacancy
    (by email, or by name and phone without one: ``duplicates``) and broken rows. Reads only.

    A file-level problem (too large, not CSV, no header) is ``error`` and nothing else.
    """
    parsed = parse_invitations_csv(
        data,
        default_language=vacancy.language,
        max_bytes=BULK_MAX_BYTES,
        max_rows=BULK_MAX_ROWS,
    )
    if parsed.error is not None:
        return ImportPlan(error=parsed.error, notes=list(parsed.notes))
    now = now or utcnow()
    plan = ImportPlan(rejected=list(parsed.rejected), notes=list(parsed.notes))
    index = InvitedIndex.load(session, vacancy=vacancy)
    in_file: dict[tuple[str, ...], int] = {}  # name and phone -> first row (emails: the parser)
    for row in parsed.rows:
        found = index.find(name=row.name, email=row.email, phone=row.phone)
        if found is not None:
            invitation = session.get(Invitation, found)
            assert invitation is not None
            candidate = session.get(Candidate, invitation.candidate_id)
            assert candidate is not None
            plan.known.append(KnownPerson(row, invitation, candidate, invitation.status(now)))
            continue
        key = next(iter(person_keys(row.name, row.email, row.phone)), None)
        if key is not None and key[0] == "phone":
            if key in in_file:
                first = in_file[key]
                plan.rejected.append(
                    Rejected(
                        row.line, "person_duplicate", f"{row.name} {row.phone}", {"row": first}
                    )
                )
                continue
            in_file[key] = row.line
        plan.new.append(row)
    plan.rejected.sort(key=lambda r: r.line)
    return plan


def bulk_invite(
    session: Session,
    *,
    settings: Settings,
    vacancy: Vacancy,
    data: bytes,
    created_by: User | None,
    remind_known: bool = False,
    now: datetime | None = None,
) -> BulkReport:
    """Carry out an upload's plan (``plan_import``, made again now): invite the new people,
    and remind those already invited when ``remind_known`` (else leave them alone). Someone
    invited since the preview (a second confirmation) is known by now, so never invited twice.
    """
    now = now or utcnow()
    plan = plan_import(session, vacancy=vacancy, data=data, now=now)
    report = BulkReport(rejected=plan.rejected, notes=plan.notes, error=plan.error)
    if plan.error is not None:
        return report
    index = InvitedIndex.load(session, vacancy=vacancy)
    for row in plan.new:
        invitation, _link = create_invitation(
            session,
            settings=settings,
            vacancy=vacancy,
            invitee=row,
            created_by=created_by,
            now=now,
            index=index,
        )
        candidate = session.get(Candidate, invitation.candidate_id)
        assert candidate is not None
        report.created.append((invitation, candidate))
        if row.email:
            report.emails_queued += 1
    for known in plan.known:
        if remind_known and known.remindable:
            remind(
                session,
                settings=settings,
                invitation=known.invitation,
                created_by=created_by,
                now=now,
            )
            report.reminded += 1
        else:
            report.skipped += 1
    return report


def set_vacancy_options(
    session: Session,
    *,
    vacancy: Vacancy,
    questionnaire_ids: list[str],
    available: list[str],
    feedback_enabled: bool,
) -> None:
    """Which questionnaires new invitations get (in the catalog's order), and the feedback page.

    Existing invitations keep what they were sent with.
    """
    chosen = [q for q in available if q in set(questionnaire_ids)]
    if not chosen or len(chosen) != len(set(questionnaire_ids)):
        raise FormErrors({"questionnaires": N_("Choose at least one questionnaire.")})
    vacancy.questionnaire_ids = chosen
    vacancy.feedback_enabled = feedback_enabled
    session.add(vacancy)
    session.flush()


def set_open_link(session: Session, *, vacancy: Vacancy, enabled: bool) -> None:
    """Turn the vacancy's self-registration link on (a new one each time) or off."""
    if enabled and vacancy.open_token is None:
        vacancy.open_token = secrets.token_urlsafe(24)
    elif not enabled:
        vacancy.open_token = None
    session.add(vacancy)
    session.flush()


def open_vacancy(session: Session, *, token: str) -> Vacancy | None:
    """The vacancy of an open link, closed or not (a closed one's page says so)."""
    if not 20 <= len(token) <= 64:
        return None
    return session.exec(select(Vacancy).where(Vacancy.open_token == token)).first()


def register_open(
    session: Session,
    *,
    settings: Settings,
    vacancy: Vacancy,
    name: str,
    email: str,
    language: str,
    consent: bool,
    consent_version: str,
    now: datetime | None = None,
) -> Registration:
    """A candidate registers through the vacancy's open link (with consent to the stored text).

    One invitation per email address and vacancy: a second registration with the same address
    does not reveal or replace anything for whoever typed it; the link goes to that mailbox.
    """
    now = now or utcnow()
    email = email.strip()
    errors: dict[str, str] = {}
    typed = strip_bidi(name).strip()  # as invite_candidate checks it (app.text)
    if not typed or len(typed) > 200:
        errors["name"] = N_("Enter your name (up to 200 characters).")
    if not plausible_email(email):
        errors["email"] = N_("Enter a valid email address.")
    if not consent:
        errors["consent"] = N_("Please confirm your consent to continue.")
    if language not in LANGUAGES:
        language = vacancy.language
    if errors:
        raise FormErrors(errors)
    existing = session.exec(
        select(Invitation)
        .join(Candidate, col(Candidate.id) == col(Invitation.candidate_id))
        .where(Invitation.vacancy_id == vacancy.id)
        .where(col(Candidate.email).is_not(None))
        .order_by(col(Invitation.id).desc())
    ).all()
    key = email.casefold()
    for invitation in existing:
        candidate = session.get(Candidate, invitation.candidate_id)
        if candidate is None or (candidate.email or "").casefold() != key:
            continue
        status = invitation.status(now)
        recent = session.exec(
            select(OutgoingEmail).where(
                OutgoingEmail.invitation_id == invitation.id,
                OutgoingEmail.created_at > now - REGISTRATION_RESEND_GAP,
            )
        ).first()
        if status in (InvitationStatus.invited, InvitationStatus.started) and recent is None:
            remind(session, settings=settings, invitation=invitation, created_by=None, now=now)
        return Registration(invitation=invitation, link=None)
    invitation, link = create_invitation(
        session,
        settings=settings,
        vacancy=vacancy,
        invitee=Person(name, email, language),
        created_by=None,
        now=now,
    )
    invitation.consent_at = now
    invitation.consent_version = consent_version
    session.add(invitation)
    session.flush()
    return Registration(invitation=invitation, link=link)
