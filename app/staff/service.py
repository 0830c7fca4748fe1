"""Vacancies, for staff pages and the CLI alike (one invitation is ``app.invitations.invite``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from app.config import LANGUAGES
from app.i18n import N_
from app.models import Candidate, Invitation, InvitationStatus, Placement, User, Vacancy
from app.text import strip_bidi
from app.web.forms import FormErrors


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


# What a vacancy may ask candidates to answer (form value -> questionnaires, in order). A
# placement needs the socionics questionnaire; "both" also cross-checks extraversion.
QUESTIONNAIRE_CHOICES: dict[str, list[str]] = {
    "both": ["introversion_extraversion", "socionics_16"],
    "socionics": ["socionics_16"],
    "extraversion": ["introversion_extraversion"],
}
DEFAULT_QUESTIONNAIRE_CHOICE = "both"


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
        select(Vacancy)
        .where(col(Vacancy.archived_at).is_(None), Vacancy.kind == "hiring")
        .order_by(col(Vacancy.id).desc())
    ).all()
    rows = []
    for v in vacancies:
        invitations = session.exec(select(Invitation).where(Invitation.vacancy_id == v.id)).all()
        done = sum(1 for i in invitations if i.completed_at is not None)
        rows.append(VacancyRow(vacancy=v, invited=len(invitations), completed=done))
    return rows


def vacancy_candidates(session: Session, *, vacancy_id: int, now: datetime) -> list[CandidateRow]:
    pairs = session.exec(
        select(Invitation, Candidate)
        .join(Candidate, col(Candidate.id) == col(Invitation.candidate_id))
        .where(Invitation.vacancy_id == vacancy_id)
        .order_by(col(Invitation.id).desc())
    ).all()
    return [CandidateRow(invitation=i, candidate=c, status=i.status(now)) for i, c in pairs]
