"""The extraversion report as data. The page (and later the PDF) render this object."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from app.db import utcnow
from app.models import Candidate, Invitation, InvitationStatus, Result, Vacancy
from questionnaires.result import Result as EngineResult

QUESTIONNAIRE = "introversion_extraversion"
SCALE = "extraversion"
DICHOTOMY = "EI"  # poles: I low, E high

# Bands of p_high, the probability that the true score lies on the extravert side of the cut.
# Upper bounds are exclusive for the introvert bands and inclusive for "borderline", so the
# rule is symmetric: p < .10 clear introvert, .10-.30 moderate introvert, .30-.70 borderline,
# .70-.90 moderate extravert, > .90 clear extravert. The report's help text states the same.
CLEAR = 0.10
MODERATE = 0.30


def band_of(p_high: float) -> str:
    if p_high < CLEAR:
        return "clear_introvert"
    if p_high < MODERATE:
        return "moderate_introvert"
    if p_high <= 1 - MODERATE:
        return "borderline"
    if p_high <= 1 - CLEAR:
        return "moderate_extravert"
    return "clear_extravert"


def suggestion_of(band: str) -> str:
    """What extraversion alone suggests; a placement also needs the socionics type."""
    if band.endswith("extravert"):
        return "active_roles"
    if band.endswith("introvert"):
        return "client_or_operations"
    return "no_lean"


@dataclass(frozen=True)
class ExtraversionScore:
    score: int  # 0..100: the raw score placed on the scale's possible range
    raw: float
    p_high: float
    pole: str  # "E" or "I"
    probability: float  # of that pole
    borderline: bool
    band: str
    suggestion: str
    calibration_source: str  # "prior" or "sample"
    prorated: bool


@dataclass(frozen=True)
class ExtraversionReport:
    invitation_id: int
    candidate_name: str
    candidate_email: str | None
    vacancy_id: int
    vacancy_title: str
    vacancy_placement: str
    status: InvitationStatus
    invited_at: datetime
    completed_at: datetime | None
    questionnaire_version: str | None
    seconds_taken: int | None
    quality_level: str | None
    quality_flags: list[str]
    score: ExtraversionScore | None  # None until answered, or when the scale is unscored


class NotFound(Exception):
    pass


def extraversion_report(session: Session, *, invitation_id: int) -> ExtraversionReport:
    invitation = session.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFound(invitation_id)
    candidate = session.get(Candidate, invitation.candidate_id)
    vacancy = session.get(Vacancy, invitation.vacancy_id)
    assert candidate is not None and vacancy is not None and vacancy.id is not None
    row = session.exec(
        select(Result).where(
            Result.invitation_id == invitation_id, Result.questionnaire_id == QUESTIONNAIRE
        )
    ).first()
    result = EngineResult.model_validate(row.data) if row else None
    return ExtraversionReport(
        invitation_id=invitation_id,
        candidate_name=candidate.name,
        candidate_email=candidate.email,
        vacancy_id=vacancy.id,
        vacancy_title=vacancy.title,
        vacancy_placement=vacancy.placement,
        status=invitation.status(utcnow()),
        invited_at=invitation.created_at,
        completed_at=row.created_at if row else None,
        questionnaire_version=row.questionnaire_version if row else None,
        seconds_taken=row.seconds_taken if row else None,
        quality_level=result.quality.level if result else None,
        quality_flags=[f.code for f in result.quality.flags] if result else [],
        score=_score(result) if result else None,
    )


def _score(result: EngineResult) -> ExtraversionScore | None:
    scale = result.scales.get(SCALE)
    dich = result.dichotomies.get(DICHOTOMY)
    if scale is None or dich is None or not dich.scored or scale.normalized is None:
        return None
    assert dich.p_high is not None and dich.pole is not None and dich.probability is not None
    assert scale.raw is not None
    band = band_of(dich.p_high)
    return ExtraversionScore(
        score=round(scale.normalized * 100),
        raw=scale.raw,
        p_high=dich.p_high,
        pole=dich.pole,
        probability=dich.probability,
        borderline=dich.borderline,
        band=band,
        suggestion=suggestion_of(band),
        calibration_source=dich.calibration.source if dich.calibration else "prior",
        prorated=scale.prorated,
    )
