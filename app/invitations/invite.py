"""One invitation: the candidate, the link token and the row, checked field by field.

Every way of inviting (the vacancy page, the CSV import, the open link, the API, the CLI and
the demo) ends here, so the checks and the candidate table's keys are the same for all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlmodel import Session

from app.config import LANGUAGES, Settings
from app.db import utcnow
from app.i18n import N_
from app.invitations.keys import sync_table_keys
from app.invitations.tokens import issue_link_token
from app.models import Candidate, Invitation, User, Vacancy
from app.text import plausible_email, strip_bidi
from app.web.forms import FormErrors


class Invitee(Protocol):
    """Whom to invite, as the input gave it: a staff form, an API body, a CSV row or a
    ``Person``. A missing language means the vacancy's."""

    @property
    def name(self) -> str: ...
    @property
    def email(self) -> str | None: ...
    @property
    def language(self) -> str | None: ...
    @property
    def phone(self) -> str | None: ...


@dataclass(frozen=True)
class Person:
    """An ``Invitee`` for the inputs that are not already one (the CLI, the open link)."""

    name: str
    email: str | None = None
    language: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class NewInvitation:
    invitation: Invitation
    candidate: Candidate
    link: str  # shown once: only the token's hash is stored


def candidate_link(settings: Settings, token: str) -> str:
    return f"{settings.base_url}/a/{token}"


def phone_is_plausible(phone: str) -> bool:
    digits = sum(ch.isdigit() for ch in phone)
    return (
        5 <= digits <= 15
        and len(phone) <= 40
        and all(ch.isdigit() or ch in "+-() ." for ch in phone)
    )


def invite_candidate(
    session: Session,
    *,
    settings: Settings,
    vacancy: Vacancy,
    name: str,
    email: str | None = None,
    language: str | None = None,
    created_by: User | None = None,
    now: datetime | None = None,
    phone: str | None = None,
    person: Candidate | None = None,
) -> NewInvitation:
    """``person``: a person already stored (a current employee), invited again under the
    same row, so the result is theirs; their name and email are taken from it."""
    if person is not None:
        name, email, phone = person.name, person.email, person.phone
    name = strip_bidi(name).strip()  # as the title above
    email = (email or "").strip() or None
    phone = " ".join((phone or "").split()) or None
    language = language or vacancy.language
    errors = {}
    if not name or len(name) > 200:
        errors["name"] = N_("Enter the candidate's name (up to 200 characters).")
    if email is not None and not plausible_email(email):
        errors["email"] = N_("Enter a valid email address or leave it empty.")
    if language not in LANGUAGES:
        errors["language"] = N_("Choose a language from the list.")
    if phone is not None and not phone_is_plausible(phone):
        errors["phone"] = N_("Enter a phone number (up to 15 digits) or leave it empty.")
    if errors:
        raise FormErrors(errors)
    now = now or utcnow()
    candidate = person or Candidate(name=name, email=email, phone=phone)
    session.add(candidate)
    session.flush()
    token, token_hash, nonce = issue_link_token(settings.session_secret)
    assert candidate.id is not None and vacancy.id is not None
    invitation = Invitation(
        candidate_id=candidate.id,
        vacancy_id=vacancy.id,
        token_hash=token_hash,
        token_nonce=nonce,
        language=language,
        questionnaire_ids=list(vacancy.questionnaire_ids),
        created_by_id=created_by.id if created_by else None,
        created_at=now,
        expires_at=now + timedelta(days=settings.invitation_days),
    )
    session.add(invitation)
    session.flush()
    assert invitation.id is not None
    # The candidate table sorts by a copy of the name on the invitation.
    sync_table_keys(session, invitation_ids=[invitation.id])
    return NewInvitation(
        invitation=invitation, candidate=candidate, link=candidate_link(settings, token)
    )
