"""Vacancies and invitations, for staff pages and the CLI alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app.config import LANGUAGES, Settings
from app.dashboard.keys import sync_table_keys
from app.db import utcnow
from app.i18n import N_
from app.invitations.tokens import issue_link_token
from app.models import Candidate, Invitation, InvitationStatus, Placement, User, Vacancy
from app.text import plausible_email, strip_bidi


@dataclass(frozen=True)
class NewInvitation:
    invitation: Invitation
    candidate: Candidate
    link: str  # shown once: only the token's hash is stored


@dataclass(frozen=True)
class CandidateRow:
    invitation: Invitation
    candidate: Candidate
    status: InvitationStatus


@dataclass(frozen=True)
class VacancyRow:
    vacancy: Vacancy
    invited: int
    completed: int


class FormErrors(Exception):
    """Field name -> message id (translated by the page)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


# What a vacancy may ask candidates to answer (form value -> questionnaires, in order). A
# placement needs the socionics questionnaire; "both" also cross-checks extraversion.
QUESTIONNAIRE_CHOICES: dict[str, list[str]] = {
    "both": ["introversion_extraversion", "socionics_16"],
    "socionics": ["socionics_16"],
    "extraversion": ["introversion_extraversion"],
}
DEFAULT_QUESTIONNAIRE_CHOICE = "both"


def candidate_link(settings: Settings, token: str) -> str:
    return f"{settings.base_url}/a/{token}"


def create_vacancy(
    session: Session,
    *,
    title: str,
    placement: str,
    language: str,
    created_by: User | None = None,
    questionnaire_ids: list[str] | None = None,
) -> Vacancy:
    """``questionnaire_ids``: one of ``QUESTIONNAIRE_CHOICES``' lists; None keeps the model's
    default (the extraversion questionnaire only)."""
    # Without bidirectional controls before the checks (app.text): none but them is empty.
    title = strip_bidi(title).strip()
    errors = {}
    if not title or len(title) > 200:
        errors["title"] = N_("Enter a title of up to 200 characters.")
    if placement not in {p.value for p in Placement}:
        errors["placement"] = N_("Choose a placement from the list.")
    if language not in LANGUAGES:
        errors["language"] = N_("Choose a language from the list.")
    if questionnaire_ids is not None and questionnaire_ids not in QUESTIONNAIRE_CHOICES.values():
        errors["questionnaires"] = N_("Choose which questionnaires the candidates answer.")
    if errors:
        raise FormErrors(errors)
    vacancy = Vacancy(
        title=title,
        placement=placement,
        language=language,
        created_by_id=created_by.id if created_by else None,
    )
    if questionnaire_ids is not None:
        vacancy.questionnaire_ids = list(questionnaire_ids)
    session.add(vacancy)
    session.flush()
    return vacancy


def list_vacancies(session: Session) -> list[VacancyRow]:
    vacancies = session.exec(
        select(Vacancy).where(col(Vacancy.archived_at).is_(None)).order_by(col(Vacancy.id).desc())
    ).all()
    rows = []
    for v in vacancies:
        invitations = session.exec(select(Invitation).where(Invitation.vacancy_id == v.id)).all()
        done = sum(1 for i in invitations if i.completed_at is not None)
        rows.append(VacancyRow(vacancy=v, invited=len(invitations), completed=done))
    return rows


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
) -> NewInvitation:
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
    candidate = Candidate(name=name, email=email, phone=phone)
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


def vacancy_candidates(session: Session, *, vacancy_id: int, now: datetime) -> list[CandidateRow]:
    pairs = session.exec(
        select(Invitation, Candidate)
        .join(Candidate, col(Candidate.id) == col(Invitation.candidate_id))
        .where(Invitation.vacancy_id == vacancy_id)
        .order_by(col(Invitation.id).desc())
    ).all()
    return [CandidateRow(invitation=i, candidate=c, status=i.status(now)) for i, c in pairs]
