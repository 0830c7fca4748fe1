"""Psychometrics of the stored responses (issue 3): reliability, item-total, norms.

The numbers are ``questionnaires.psychometrics``'s; this module only gathers the stored answer
sets (with each candidate's language) of the questionnaire versions the catalog holds, each
together with the earlier versions that score the same (``same_scoring_versions``: an added
attention check changes no score, so its results are one population with the older ones).

Norms (the report's percentile, the page's mean, SD and percentiles) are the hiring
population's: results of hiring vacancies only. A candidate is compared with candidates, not
with the current sales team assessed through the team's vacancy (issue 18), whose scores come
from people already chosen for the job. Reliability (alpha, item-total) counts every result,
employees' included, as the scoring's calibration does (app/scoring/service.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.models import Answer, Invitation, Result, Vacancy
from questionnaires.loader import same_scoring_versions
from questionnaires.psychometrics import (
    ScaleStatistics,
    answers_matrix,
    percentile,
    scale_statistics,
)
from questionnaires.schema import Questionnaire


@dataclass(frozen=True)
class QuestionnaireStats:
    questionnaire: Questionnaire
    versions: tuple[str, ...]  # whose results these are: the current one and those scoring alike
    results: int  # every stored result: reliability's sample
    candidates: int  # of them, hiring vacancies' results: the norms' sample
    scales: list[ScaleStatistics]  # per scale: all languages first, then each language


def _answer_sets(
    session: Session, q: Questionnaire
) -> tuple[list[dict[str, int]], list[str], list[bool]]:
    """Every stored answer set, its language, and whether it is a candidate's (a hiring
    vacancy's: counted in the norms)."""
    rows = session.exec(
        select(Answer.invitation_id, Answer.item_id, Answer.value, Invitation.language)
        .join(
            Result,
            (col(Result.invitation_id) == col(Answer.invitation_id))
            & (col(Result.questionnaire_id) == col(Answer.questionnaire_id)),
        )
        .join(Invitation, col(Invitation.id) == col(Answer.invitation_id))
        .where(
            Result.questionnaire_id == q.id,
            col(Result.questionnaire_version).in_(same_scoring_versions(q.id, q.version)),
        )
        .order_by(col(Answer.invitation_id))
    ).all()
    # The team's links are few (one per employee): the set is cheaper than a join per answer.
    not_hiring = set(
        session.exec(
            select(Invitation.id)
            .join(Vacancy, col(Vacancy.id) == col(Invitation.vacancy_id))
            .where(Vacancy.kind != "hiring")
        ).all()
    )
    sets: dict[int, dict[str, int]] = {}
    languages: dict[int, str] = {}
    for invitation_id, item_id, value, language in rows:
        sets.setdefault(invitation_id, {})[item_id] = value
        languages[invitation_id] = language
    ids = list(sets)
    hiring = [i not in not_hiring for i in ids]
    return [sets[i] for i in ids], [languages[i] for i in ids], hiring


def questionnaire_statistics(
    session: Session, *, catalog: Mapping[str, Questionnaire]
) -> list[QuestionnaireStats]:
    """Statistics of every catalog questionnaire that has stored results of its version or of
    an earlier one that scores the same."""
    in_use = set(
        session.exec(select(Result.questionnaire_id, Result.questionnaire_version).distinct()).all()
    )
    out = []
    for qid in sorted(catalog):
        q = catalog[qid]
        versions = same_scoring_versions(q.id, q.version)
        if not any((q.id, v) in in_use for v in versions):
            continue
        sets, languages, hiring = _answer_sets(session, q)
        matrix = answers_matrix(q, sets)
        out.append(
            QuestionnaireStats(
                questionnaire=q,
                versions=tuple(v for v in versions if (q.id, v) in in_use),
                results=len(sets),
                candidates=sum(hiring),
                scales=scale_statistics(q, matrix, languages=languages, norm_rows=hiring),
            )
        )
    return out


def norm_samples(
    session: Session, *, questionnaire_id: str, version: str, language: str
) -> dict[str, list[float]]:
    """Raw scores of every scored scale of the stored candidates' results (hiring vacancies
    only, not the team's) in one language, by scale: the results of ``version`` and of the
    other versions that score the same."""
    rows = session.exec(
        select(Result.data)
        .join(Invitation, col(Invitation.id) == col(Result.invitation_id))
        .join(Vacancy, col(Vacancy.id) == col(Invitation.vacancy_id))
        .where(
            Vacancy.kind == "hiring",
            Result.questionnaire_id == questionnaire_id,
            col(Result.questionnaire_version).in_(same_scoring_versions(questionnaire_id, version)),
            Invitation.language == language,
        )
    ).all()
    out: dict[str, list[float]] = {}
    for data in rows:
        for scale_id, s in (data.get("scales") or {}).items():
            if s.get("scored") and s.get("raw") is not None:
                out.setdefault(scale_id, []).append(float(s["raw"]))
    return out


def percentile_of(raw: float, sample: list[float]) -> float | None:
    return percentile(raw, sample)
