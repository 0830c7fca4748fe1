"""Scoring with the database behind it: sample calibrations and the fit record.

Calibration (issue 3): a scale's reliability, mean and SD come from the stored complete answer
sets of the same questionnaire version (or of an earlier one that scores the same:
``same_scoring_versions``, e.g. introversion_extraversion 2.0.0 and 2.1.0, which differ by an
attention check) once there are ``MIN_SAMPLE`` (200) of them, and from
the questionnaire's documented prior before that; the engine records in every
``DichotomyResult`` which one it used.

Computing a sample calibration reads every stored answer of that questionnaire version, so it
is cached per (database, questionnaire, version) and recomputed only when
- a scale still uses the prior (fewer than 200 complete responses) and a result was added, or
- it has grown by ``REFRESH_EVERY`` results or by ``REFRESH_SHARE`` of the cached sample,
  whichever is more, since the cached computation, or
- it went down (results deleted).
Below ``MIN_SAMPLE`` results no scale can have 200 complete responses, so the prior is used
without reading any answers. Each worker process keeps its own cache; a restart simply
recomputes once.

Self-knowledge (issue 14): the same refresh learns, per dichotomy, tau, the lean and the letter
share from the stored results whose candidates described themselves (the questionnaire's
optional ``self_descriptions``), once a dichotomy has ``MIN_SELF_DESCRIPTIONS`` (200) of them
(``psychometrics.self_knowledge_from_responses``); before that the shipped tau and no lean. While
a dichotomy has not learned yet, each new result counts its self-described letters (one query)
and recomputes once there are enough.

Fit (issue 4): when the last questionnaire of an invitation is scored, the socionics result's
four pole probabilities give the 16 type probabilities, and the matrix in force ranks the roles
(``socionics.recommend``). One ``FitRecord`` per invitation stores it with the matrix version.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func
from sqlmodel import Session, col, select

from app.db import utcnow
from app.invitations.keys import sync_table_keys
from app.matrix.service import MatrixInForce, current, matrix_of
from app.models import Answer, FitRecord, Invitation, MatrixVersion, Result, Vacancy
from questionnaires.loader import same_scoring_versions
from questionnaires.psychometrics import (
    MIN_SAMPLE,
    answers_matrix,
    calibration_from_responses,
    latent_correlation_from_responses,
    self_knowledge_from_responses,
)
from questionnaires.result import Result as EngineResult
from questionnaires.result import ScaleCalibration, worst_quality
from questionnaires.schema import SELF_HIGH, SELF_LOW, Questionnaire
from questionnaires.selfknowledge import MIN_SELF_DESCRIPTIONS, Learned, self_knowledge
from socionics.model import BASE_DICHOTOMIES
from socionics.recommend import TOO_CLOSE, TypeResult, decide, recommend, type_result

SOCIONICS = "socionics_16"
EXTRAVERSION = "introversion_extraversion"
REFRESH_EVERY = 50
REFRESH_SHARE = 0.10


@dataclass(frozen=True)
class _Cached:
    count: int  # stored results when computed
    calibration: dict[str, ScaleCalibration]
    # The scales' latent correlation (None while any scale uses the prior): the type
    # probabilities' dependence, questionnaires/README.md "Type probabilities".
    correlation: dict[str, dict[str, float]] | None = None
    # Dichotomy id -> tau, lean and letter share learned from the stored results' own
    # self-descriptions, for the dichotomies that have MIN_SELF_DESCRIPTIONS of them.
    learned: dict[str, Learned] = field(default_factory=dict)
    # Some dichotomy the questionnaire asks a self-description for has not learned yet.
    learning: bool = False


_cache: dict[tuple[str, str, str], _Cached] = {}
_lock = threading.Lock()


def _key(session: Session, q: Questionnaire) -> tuple[str, str, str]:
    url = session.get_bind().engine.url.render_as_string(hide_password=True)
    return (url, q.id, q.version)


_STORED_COUNT = (
    select(func.count())
    .select_from(Result)
    .where(
        Result.questionnaire_id == bindparam("qid"),
        col(Result.questionnaire_version).in_(bindparam("versions", expanding=True)),
    )
)


def warm_up(catalog: Mapping[str, Questionnaire]) -> None:
    """Work out now, at start-up, which versions score the same for every questionnaire of
    ``catalog``: the first finish asks it (``stored_count``), and the answer reads the archived
    questionnaire files (YAML, tenths of a second), in the candidates' writer, where every
    candidate's save waited behind it (bench/load)."""
    for q in catalog.values():
        same_scoring_versions(q.id, q.version)


def stored_count(session: Session, *, q: Questionnaire) -> int:
    # Built once: every finish asks (calibration_for), in the candidates' writer.
    versions = list(same_scoring_versions(q.id, q.version))
    return int(session.execute(_STORED_COUNT, {"qid": q.id, "versions": versions}).scalar_one())


def stored_answer_sets(session: Session, *, q: Questionnaire) -> list[dict[str, int]]:
    """The answers behind every stored result of this questionnaire version and of the earlier
    versions that score the same (``same_scoring_versions``).

    Employees' results (the team's vacancy, issue 18) are counted on purpose, unlike in the
    norms (app/stats/service.py): reliability and the scales' correlation are properties of
    the questionnaire, not of the hiring population, and more answers measure them better."""
    rows = session.exec(
        select(Answer.invitation_id, Answer.item_id, Answer.value)
        .join(
            Result,
            (col(Result.invitation_id) == col(Answer.invitation_id))
            & (col(Result.questionnaire_id) == col(Answer.questionnaire_id)),
        )
        .where(
            Result.questionnaire_id == q.id,
            col(Result.questionnaire_version).in_(same_scoring_versions(q.id, q.version)),
        )
    ).all()
    sets: dict[int, dict[str, int]] = {}
    for invitation_id, item_id, value in rows:
        sets.setdefault(invitation_id, {})[item_id] = value
    return list(sets.values())


def _stale(cached: _Cached | None, count: int) -> bool:
    if cached is None or count < cached.count:
        return True
    if any(c.source == "prior" for c in cached.calibration.values()):
        # Some scale still lacks 200 complete responses (results stored with unanswered
        # items): check again with every new result, so the switch is not late.
        return count != cached.count
    return count - cached.count >= max(REFRESH_EVERY, REFRESH_SHARE * cached.count)


def calibration_for(session: Session, *, q: Questionnaire) -> dict[str, ScaleCalibration] | None:
    """The calibration to score ``q`` with now; None means the prior for every scale."""
    cached = _cached(session, q=q)
    return cached.calibration if cached is not None else None


def correlation_for(session: Session, *, q: Questionnaire) -> dict[str, dict[str, float]] | None:
    """The latent correlation of ``q``'s scales from stored responses; None until every scale
    has its sample calibration (the type probabilities then take the scales as uncorrelated)."""
    cached = _cached(session, q=q)
    return cached.correlation if cached is not None else None


def self_knowledge_for(session: Session, *, q: Questionnaire) -> dict[str, Learned]:
    """Per dichotomy, the self-knowledge learned from this installation's stored results with
    a self-description, once a dichotomy has ``MIN_SELF_DESCRIPTIONS`` of them; the others are
    absent (the shipped tau, no lean). Cached and refreshed with the calibration."""
    cached = _cached(session, q=q)
    return dict(cached.learned) if cached is not None else {}


_DESCRIBED = (
    select(Answer.item_id, func.count())
    .join(
        Result,
        (col(Result.invitation_id) == col(Answer.invitation_id))
        & (col(Result.questionnaire_id) == col(Answer.questionnaire_id)),
    )
    .where(
        Answer.questionnaire_id == bindparam("qid"),
        col(Answer.item_id).in_(bindparam("items", expanding=True)),
        col(Answer.value).in_((SELF_LOW, SELF_HIGH)),
        col(Result.questionnaire_version).in_(bindparam("versions", expanding=True)),
    )
    .group_by(col(Answer.item_id))
)


def _can_learn_more(session: Session, q: Questionnaire, cached: _Cached) -> bool:
    """A dichotomy not learned yet now has MIN_SELF_DESCRIPTIONS self-described letters. One
    counting query, so that results whose candidates skip the optional questions do not make
    every finish re-read every stored answer."""
    waiting = [sd.id for sd in q.self_descriptions if sd.self_description not in cached.learned]
    params = {
        "qid": q.id,
        "items": waiting,
        "versions": list(same_scoring_versions(q.id, q.version)),
    }
    counts = session.execute(_DESCRIBED, params).all()
    return any(n >= MIN_SELF_DESCRIPTIONS for _, n in counts)


def _cached(session: Session, *, q: Questionnaire) -> _Cached | None:
    count = stored_count(session, q=q)
    if count < MIN_SAMPLE:
        return None
    key = _key(session, q)
    with _lock:
        cached = _cache.get(key)
    if not _stale(cached, count) and not (
        cached is not None and cached.learning and _can_learn_more(session, q, cached)
    ):
        assert cached is not None
        return cached
    sets = stored_answer_sets(session, q=q)
    matrix = answers_matrix(q, sets)
    calibration = calibration_from_responses(q, matrix)
    learned = self_knowledge_from_responses(q, sets, calibration)
    fresh = _Cached(
        count=count,
        calibration=calibration,
        correlation=latent_correlation_from_responses(q, matrix, calibration),
        learned=learned,
        learning=any(sd.self_description not in learned for sd in q.self_descriptions),
    )
    with _lock:
        _cache[key] = fresh
    return fresh


def clear_calibration_cache() -> None:
    with _lock:
        _cache.clear()


# --- the fit record --------------------------------------------------------------------------


def _results(session: Session, invitation_id: int) -> dict[str, Result]:
    rows = session.exec(select(Result).where(Result.invitation_id == invitation_id)).all()
    return {r.questionnaire_id: r for r in rows}


def pole_p_high(result: EngineResult) -> dict[str, float] | None:
    """P(high pole) of EI, SN, LF, RI from a socionics result; None if any is unscored."""
    out = {}
    for d in BASE_DICHOTOMIES:
        dich = result.dichotomies.get(d)
        if dich is None or not dich.scored or dich.p_high is None:
            return None
        out[d] = dich.p_high
    return out


def type_result_of(result: EngineResult) -> TypeResult | None:
    """The 16 type probabilities of a socionics result, as every surface shows them.

    A result of the "self_report" model mixes in the share of people who describe themselves
    regardless of their answers and uses the correlation stored with it; an older result
    (another model) keeps the independent product it was reported with."""
    poles = pole_p_high(result)
    if poles is None:
        return None
    self_report = all(result.dichotomies[d].model == "self_report" for d in BASE_DICHOTOMIES)
    corr = result.self_view_correlation if self_report else None
    matrix = (
        [[corr[a][b] for b in BASE_DICHOTOMIES] for a in BASE_DICHOTOMIES]
        if corr is not None and all(d in corr for d in BASE_DICHOTOMIES)
        else None
    )
    used = {d: result.dichotomies[d].self_knowledge for d in BASE_DICHOTOMIES}
    return type_result(
        poles,
        correlation=matrix,
        unaware_share=self_knowledge().unaware_share if self_report else 0.0,
        base={d: u.base for d, u in used.items() if u is not None} if self_report else None,
    )


def ie_p_extravert(result: EngineResult | None) -> float | None:
    if result is None:
        return None
    dich = result.dichotomies.get("EI")
    if dich is None or not dich.scored:
        return None
    return dich.p_high


def fit_values(
    session: Session, *, invitation: Invitation, matrix: MatrixInForce | None = None
) -> dict[str, Any] | None:
    """The fit record's columns for the invitation with ``matrix``, computed and not stored;
    None when there is nothing to recommend from (no scored socionics result). The one
    computation behind storing (``update_fit``) and the re-score's dry run (``rescore_plan``),
    so the count the confirmation shows is the count the re-score changes."""
    assert invitation.id is not None
    results = _results(session, invitation.id)
    if SOCIONICS not in results:
        return None
    tr = type_result_of(EngineResult.model_validate(results[SOCIONICS].data))
    if tr is None:
        return None
    matrix = matrix or current(session)
    ie = results.get(EXTRAVERSION)
    vacancy = session.get(Vacancy, invitation.vacancy_id)
    assert vacancy is not None
    rec = recommend(
        tr.probabilities,
        matrix.matrix,
        target_role=vacancy.placement,
        ie_p_extravert=ie_p_extravert(EngineResult.model_validate(ie.data) if ie else None),
    )
    target_fit = (
        max(rec.role(r).expected_fit for r in rec.target_roles) if rec.target_roles else None
    )
    quality = worst_quality([r.quality_level for r in results.values()])
    # The one decision every list, export, the API and the webhook read (the report too).
    verdict = decide(rec, quality_level=quality)
    assert matrix.version.id is not None
    return {
        "matrix_version_id": matrix.version.id,
        "type_code": tr.code,
        "type_probability": tr.probability,
        "placement": verdict.code,
        "best_role": rec.best_role,
        "best_fit": rec.role(rec.best_role).expected_fit,
        "target_fit": target_fit,
        "too_close": verdict.outcome == TOO_CLOSE,
        "quality_level": quality,
        "data": rec.model_dump(mode="json"),
    }


def update_fit(
    session: Session,
    *,
    invitation: Invitation,
    matrix: MatrixInForce | None = None,
    now: datetime | None = None,
) -> FitRecord | None:
    """Compute and store (or replace) the invitation's fit record with the given matrix
    (default: the matrix in force). Returns None when there is nothing to recommend from (no
    scored socionics result)."""
    assert invitation.id is not None
    values = fit_values(session, invitation=invitation, matrix=matrix)
    if values is None:
        return None
    now = now or utcnow()
    record = session.exec(select(FitRecord).where(FitRecord.invitation_id == invitation.id)).first()
    if record is None:
        record = FitRecord(invitation_id=invitation.id, created_at=now, **values)
    else:
        for name, value in values.items():
            setattr(record, name, value)
        record.rescored_at = now
    session.add(record)
    session.flush()
    sync_table_keys(session, invitation_ids=[invitation.id])
    return record


def refit_vacancy(session: Session, *, vacancy_id: int, now: datetime | None = None) -> int:
    """Re-compute the fit records of a vacancy whose target placement changed, each with the
    matrix version it was made with: only the target moves, and a report stays reproducible
    from its record. Returns how many were re-computed."""
    rows = session.exec(
        select(Invitation, FitRecord)
        .join(FitRecord, col(FitRecord.invitation_id) == col(Invitation.id))
        .where(Invitation.vacancy_id == vacancy_id)
        .order_by(col(Invitation.id))
    ).all()
    done = 0
    for invitation, record in rows:
        version = session.get(MatrixVersion, record.matrix_version_id)
        assert version is not None
        matrix = MatrixInForce(version=version, matrix=matrix_of(version))
        if update_fit(session, invitation=invitation, matrix=matrix, now=now) is not None:
            done += 1
    return done


def _to_rescore(session: Session, in_force: MatrixInForce) -> list[Invitation]:
    """Every invitation whose recommendation was not made with the matrix in force, and every
    completed socionics result without one."""
    stale = session.exec(
        select(Invitation)
        .join(FitRecord, col(FitRecord.invitation_id) == col(Invitation.id))
        .where(FitRecord.matrix_version_id != in_force.version.id)
        .order_by(col(Invitation.id))
    ).all()
    missing = session.exec(
        select(Invitation)
        .join(Result, col(Result.invitation_id) == col(Invitation.id))
        .outerjoin(FitRecord, col(FitRecord.invitation_id) == col(Invitation.id))
        .where(
            Result.questionnaire_id == SOCIONICS,
            col(Invitation.completed_at).is_not(None),
            col(FitRecord.id).is_(None),
        )
        .order_by(col(Invitation.id))
    ).all()
    return [*stale, *missing]


def _shown_fit(values: Mapping[str, Any]) -> int:
    """The fit a reader sees: the vacancy's role (its best role when undecided), rounded."""
    fit = values["target_fit"] if values["target_fit"] is not None else values["best_fit"]
    return round(fit)


@dataclass(frozen=True)
class RescoreChange:
    invitation_id: int
    type_before: str | None  # None: no recommendation yet
    type_after: str
    placement_before: str | None
    placement_after: str
    fit_before: int | None
    fit_after: int


@dataclass(frozen=True)
class RescorePlan:
    """What re-scoring would do now, computed without writing."""

    version_id: int  # the matrix in force the plan was computed with
    total: int  # recommendations that would be (re)computed
    new: int  # of them, results that have none yet
    type_changes: int
    placement_changes: int
    fit_changes: int
    changes: list[RescoreChange]  # the results whose type, placement or fit would change

    @property
    def unchanged(self) -> int:
        return self.total - self.new - len(self.changes)


def rescore_plan(session: Session) -> RescorePlan:
    """The re-score's dry run: the same invitations and the same computation as
    ``rescore_all``, compared with what is stored, and nothing written."""
    in_force = current(session)
    assert in_force.version.id is not None
    total = new = types = placements = fits = 0
    changes: list[RescoreChange] = []
    for invitation in _to_rescore(session, in_force):
        values = fit_values(session, invitation=invitation, matrix=in_force)
        if values is None:
            continue
        total += 1
        old = session.exec(
            select(FitRecord).where(FitRecord.invitation_id == invitation.id)
        ).first()
        assert invitation.id is not None
        if old is None:
            new += 1
            continue
        before = {"target_fit": old.target_fit, "best_fit": old.best_fit}
        type_moved = old.type_code != values["type_code"]
        placement_moved = old.placement != values["placement"]
        fit_moved = _shown_fit(before) != _shown_fit(values)
        types += type_moved
        placements += placement_moved
        fits += fit_moved
        if type_moved or placement_moved or fit_moved:
            changes.append(
                RescoreChange(
                    invitation_id=invitation.id,
                    type_before=old.type_code,
                    type_after=values["type_code"],
                    placement_before=old.placement,
                    placement_after=values["placement"],
                    fit_before=_shown_fit(before),
                    fit_after=_shown_fit(values),
                )
            )
    return RescorePlan(
        version_id=in_force.version.id,
        total=total,
        new=new,
        type_changes=types,
        placement_changes=placements,
        fit_changes=fits,
        changes=changes,
    )


def rescore_all(session: Session, *, now: datetime | None = None) -> int:
    """Re-compute every recommendation not made with the matrix in force (and any completed
    socionics result without one). Returns how many were (re)computed."""
    in_force = current(session)
    done = 0
    for invitation in _to_rescore(session, in_force):
        if update_fit(session, invitation=invitation, matrix=in_force, now=now) is not None:
            done += 1
    return done
