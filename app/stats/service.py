"""Psychometrics of the stored responses (issue 3): reliability, item-total, norms.

The numbers are ``questionnaires.psychometrics``'s; this module only gathers the stored answer
sets (with each candidate's language) of the questionnaire versions the catalog holds, each
together with the earlier versions that score the same (``same_scoring_versions``: an added
attention check changes no score, so its results are one population with the older ones).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.models import Answer, Invitation, Result
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
    results: int
    scales: list[ScaleStatistics]  # per scale: all languages first, then each language


def _answer_sets(session: Session, q: Questionnaire) -> tuple[list[dict[str, int]], list[str]]:
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
    sets: dict[int, dict[str, int]] = {}
    languages: dict[int, str] = {}
    for invitation_id, item_id, value, language in rows:
        sets.setdefault(invitation_id, {})[item_id] = value
        languages[invitation_id] = language
    ids = list(sets)
    return [sets[i] for i in ids], [languages[i] for i in ids]


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
        sets, languages = _answer_sets(session, q)
        matrix = answers_matrix(q, sets)
        out.append(
            QuestionnaireStats(
                questionnaire=q,
                versions=tuple(v for v in versions if (q.id, v) in in_use),
                results=len(sets),
                scales=scale_statistics(q, matrix, languages=languages),
            )
        )
    return out


def norm_samples(
    session: Session, *, questionnaire_id: str, version: str, language: str
) -> dict[str, list[float]]:
    """Raw scores of every scored scale of the stored results in one language, by scale: the
    results of ``version`` and of the other versions that score the same."""
    rows = session.exec(
        select(Result.data)
        .join(Invitation, col(Invitation.id) == col(Result.invitation_id))
        .where(
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
