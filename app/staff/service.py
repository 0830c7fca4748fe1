"""Vacancies, for staff pages and the CLI alike (one invitation is ``app.invitations.invite``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from app.auth.permissions import visible_vacancies_query
from app.config import LANGUAGES
from app.i18n import N_
from app.models import (
    Candidate,
    Erasure,
    Invitation,
    InvitationStatus,
    Placement,
    User,
    Vacancy,
    status_is,
)
from app.scoring.service import refit_vacancy
from app.text import search_key, strip_bidi
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


def _checked(
    *, title: str, placement: str, language: str, errors: dict[str, str] | None = None
) -> str:
    """The rules of a vacancy's fields, for creating and editing alike; returns the title as
    it is saved. ``FormErrors`` names every field that breaks one (``errors``: the caller's own
    fields' problems, reported with them)."""
    # Without bidirectional controls before the checks (app.text): none but them is empty.
    title = strip_bidi(title).strip()
    errors = dict(errors or {})
    if not title or len(title) > 200:
        errors["title"] = N_("Enter a title of up to 200 characters.")
    if placement not in {p.value for p in Placement}:
        errors["placement"] = N_("Choose a placement from the list.")
    if language not in LANGUAGES:
        errors["language"] = N_("Choose a language from the list.")
    if errors:
        raise FormErrors(errors)
    return title


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
    errors = {}
    if questionnaire_ids is not None and questionnaire_ids not in QUESTIONNAIRE_CHOICES.values():
        errors["questionnaires"] = N_("Choose which questionnaires the candidates answer.")
    title = _checked(title=title, placement=placement, language=language, errors=errors)
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


def update_vacancy(
    session: Session,
    *,
    vacancy: Vacancy,
    title: str | None = None,
    placement: str | None = None,
    language: str | None = None,
) -> list[str]:
    """Change the given fields (None keeps one), by the rules of a new vacancy; returns the
    names of the fields that changed. Invitations already sent keep their language; a new
    placement re-computes the finished candidates' fit for it (``refit_vacancy``)."""
    new_title = _checked(
        title=vacancy.title if title is None else title,
        placement=vacancy.placement if placement is None else placement,
        language=vacancy.language if language is None else language,
    )
    wanted = {
        "title": new_title,
        "placement": vacancy.placement if placement is None else placement,
        "language": vacancy.language if language is None else language,
    }
    changed = [name for name, value in wanted.items() if getattr(vacancy, name) != value]
    for name in changed:
        setattr(vacancy, name, wanted[name])
    session.add(vacancy)
    session.flush()
    if "placement" in changed:
        assert vacancy.id is not None
        refit_vacancy(session, vacancy_id=vacancy.id)
    return changed


def close_vacancy(session: Session, *, vacancy: Vacancy, now: datetime) -> bool:
    """Close the vacancy: no new invitations on any path, and the links of candidates who have
    not yet begun say it is closed (``app.models.closed_to_candidate``). Returns whether it
    was open (closing a closed vacancy changes nothing)."""
    if vacancy.archived_at is not None:
        return False
    vacancy.archived_at = now
    session.add(vacancy)
    session.flush()
    return True


def reopen_vacancy(session: Session, *, vacancy: Vacancy) -> bool:
    """Open a closed vacancy again: invitations are accepted and the links that said "closed"
    work again (those not expired). Returns whether it was closed. The retention period, which
    counts from the close, stops counting."""
    if vacancy.archived_at is None:
        return False
    vacancy.archived_at = None
    session.add(vacancy)
    session.flush()
    return True


@dataclass(frozen=True)
class ClosingCounts:
    """What closing (or reopening) a vacancy changes, for its confirmation page."""

    waiting: int  # live links whose candidate has not yet agreed: they say "closed"
    underway: int  # live links of candidates who agreed and have not finished: they may finish


def closing_counts(session: Session, *, vacancy_id: int, now: datetime) -> ClosingCounts:
    live = (
        select(func.count())
        .select_from(Invitation)
        .where(
            Invitation.vacancy_id == vacancy_id,
            or_(status_is(InvitationStatus.invited, now), status_is(InvitationStatus.started, now)),
        )
    )
    waiting = session.exec(live.where(col(Invitation.consent_at).is_(None))).one()
    underway = session.exec(live.where(col(Invitation.consent_at).is_not(None))).one()
    return ClosingCounts(waiting=waiting, underway=underway)


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


# --- candidate search ------------------------------------------------------------------------

SEARCH_MIN = 2  # characters: one letter matches nearly everyone
SEARCH_MAX = 200
SEARCH_LIMIT = 50


@dataclass(frozen=True)
class Found:
    invitation: Invitation
    candidate: Candidate
    vacancy: Vacancy
    status: InvitationStatus


@dataclass(frozen=True)
class SearchResult:
    rows: list[Found]
    more: bool  # there were more than SEARCH_LIMIT: the query should be narrower


def search_candidates(
    session: Session, *, user: User, query: str, now: datetime, limit: int = SEARCH_LIMIT
) -> SearchResult:
    """Invitations whose candidate's name or email contains ``query`` (case and ё/е aside,
    ``app.text.search_key``), in the vacancies ``user`` may see, newest first. Erased
    candidates are never found. A query shorter than ``SEARCH_MIN`` finds nothing.

    The match is a substring scan of ``candidates.search_text`` (no index serves ``%x%``);
    bench/bench_table.py times it at 100,000 candidates."""
    key = search_key(query).strip()
    if len(key) < SEARCH_MIN:
        return SearchResult(rows=[], more=False)
    erased = select(Erasure.id).where(col(Erasure.candidate_id) == col(Candidate.id))
    # Newest candidates first (a candidate row is made with each invitation): the scan runs
    # down the candidates' own key and their short folded column, and stops at the limit; the
    # invitations come by the candidate_id index. Ordered by invitation instead, SQLite walked
    # every invitation and looked up its candidate: four times as long when few match.
    statement = (
        select(Invitation, Candidate, Vacancy)
        .select_from(Candidate)
        .join(Invitation, col(Invitation.candidate_id) == col(Candidate.id))
        .join(Vacancy, col(Vacancy.id) == col(Invitation.vacancy_id))
        .where(col(Candidate.search_text).contains(key, autoescape=True), ~erased.exists())
        .order_by(col(Candidate.id).desc(), col(Invitation.id).desc())
        .limit(limit + 1)
    )
    # The same scope as the vacancy list: a hiring manager's assigned vacancies only.
    scope = visible_vacancies_query(user).whereclause
    if scope is not None:
        statement = statement.where(scope)
    found = session.exec(statement).all()
    rows = [Found(i, c, v, i.status(now)) for i, c, v in found[:limit]]
    return SearchResult(rows=rows, more=len(found) > limit)
