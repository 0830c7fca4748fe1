"""``build_report``: database rows -> ``ReportData`` (the page and the PDF render only that).

One function per part of the report: the candidate and the vacancy, what was taken and how
well it was answered (``_answers``: quality flags, norms, the extraversion result and the
dichotomies), the types, the recommendation (headline, roles, placements), and the decision.
The interview questions are chosen in ``interview.py``, the checklist is read in
``checklist.py``, the quality notes are written in ``flags.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlmodel import Session, select

from app.db import utcnow
from app.decisions.service import current_decision
from app.i18n import N_, translations
from app.matrix.service import current
from app.models import (
    Candidate,
    FitRecord,
    Invitation,
    MatrixVersion,
    Organisation,
    Result,
    Vacancy,
)
from app.reports.checklist import checklist_items
from app.reports.data import (
    DecisionInfo,
    DichotomyInfo,
    ExtraversionAgreement,
    ExtraversionInfo,
    Headline,
    MatrixInfo,
    PersonInfo,
    PlacementInfo,
    QuestionnaireTaken,
    ReportData,
    RoleInfo,
    ScaleNorm,
    TypeInfo,
    VacancyInfo,
)
from app.reports.flags import doubtful_dimensions, quality_notes
from app.reports.interview import questions_to_ask
from app.reports.service import CLEAR, MODERATE, NotFound, band_of, suggestion_of
from app.reports.wording import explanation, universal_warning
from app.scoring.service import EXTRAVERSION, SOCIONICS, type_result_of
from app.stats.service import norm_samples, percentile_of
from app.web.labels import DECISION_NAMES, placement_label, type_code
from questionnaires.engine import normalize, out_of_100, p_high_of, scale_range
from questionnaires.loader import product_questionnaires
from questionnaires.result import DichotomyResult, worst_quality
from questionnaires.result import Result as EngineResult
from questionnaires.schema import Questionnaire
from socionics.matrix import ROLE_NAMES
from socionics.model import BASE_DICHOTOMIES, base_dichotomy, get_type
from socionics.recommend import (
    NOT_INTERPRETABLE,
    PLACEMENT_NAMES,
    TOO_CLOSE,
    Recommendation,
    decide,
    farmer_ranks_high,
)

TOP_TYPES = 5
DISCLAIMER = N_(
    "This recommendation is advice computed from questionnaire answers; the decision is the "
    "reader's. Weigh it with the interview, the candidate's experience and references."
)
# A scale's percentile and the number of stored results it is taken over.
Percentiles = dict[tuple[str, str], tuple[float | None, int]]
# The invitation's stored results with the engine's reading of each, by questionnaire id.
Stored = dict[str, tuple[Result, EngineResult]]


@cache
def _catalog() -> dict[str, Questionnaire]:
    return dict(product_questionnaires())


def build_report(session: Session, *, invitation_id: int, language: str) -> ReportData:
    invitation, candidate, vacancy = _invitation(session, invitation_id)
    catalog = _catalog()
    answers = _answers(session, invitation, catalog, language)
    types, runners, borderline = _types(answers.engine.get(SOCIONICS), language)
    record = session.exec(select(FitRecord).where(FitRecord.invitation_id == invitation_id)).first()
    rec = Recommendation.model_validate(record.data) if record else None
    headline = _headline(rec, types, answers.quality, language)
    org = session.get(Organisation, 1)
    now = utcnow()
    return ReportData(
        organisation=org.name if org else "",
        decision=_decision(session, invitation_id, language),
        invitation_id=invitation_id,
        language=language,
        generated_at=now,
        candidate=PersonInfo(name=candidate.name, email=candidate.email),
        vacancy=_vacancy(vacancy, language),
        status=invitation.status(now).value,
        invited_at=invitation.created_at,
        completed_at=invitation.completed_at,
        questionnaires=answers.taken,
        answered_ie=EXTRAVERSION in answers.engine,
        answered_socionics=SOCIONICS in answers.engine,
        matrix=_matrix_info(session, record) if record else None,
        headline=headline,
        dichotomies=answers.dichotomies,
        learned_from=_learned_from(answers.engine.get(SOCIONICS)),
        extraversion=answers.extraversion,
        types=types,
        runners_up=runners,
        borderline=borderline,
        roles=_roles(rec, language),
        placements=_placements(rec, language),
        explanation=explanation(rec, language) if rec else [],
        quality_level=answers.quality,
        quality_flags=answers.flags,
        extraversion_check=_extraversion_check(rec),
        universal_warning=universal_warning(rec, language) if rec else None,
        show_checklist=(
            rec is not None and headline.outcome != NOT_INTERPRETABLE and farmer_ranks_high(rec)
        ),
        checklist=checklist_items(session, invitation_id=invitation_id, language=language),
        interview_questions=questions_to_ask(
            answers.dichotomies,
            answers.extraversion,
            answers.quality,
            language,
            in_doubt=doubtful_dimensions(answers.flagged, catalog),
        ),
        norms=answers.norms,
        disclaimer=translations(language).gettext(DISCLAIMER),
        group_probabilities=dict(rec.group_probabilities) if rec else {},
        quality_notes=quality_notes(answers.flagged, catalog, language),
    )


# --- the candidate and the vacancy -----------------------------------------------------------


def _invitation(session: Session, invitation_id: int) -> tuple[Invitation, Candidate, Vacancy]:
    invitation = session.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFound(invitation_id)
    candidate = session.get(Candidate, invitation.candidate_id)
    vacancy = session.get(Vacancy, invitation.vacancy_id)
    assert candidate is not None and vacancy is not None
    return invitation, candidate, vacancy


def _vacancy(vacancy: Vacancy, language: str) -> VacancyInfo:
    assert vacancy.id is not None
    return VacancyInfo(
        id=vacancy.id,
        title=vacancy.title,
        placement=vacancy.placement,
        placement_name=placement_label(vacancy.placement, language),
    )


def _decision(session: Session, invitation_id: int, language: str) -> DecisionInfo | None:
    decided = current_decision(session, invitation_id=invitation_id)
    if decided is None:
        return None
    _ = translations(language).gettext
    return DecisionInfo(
        decision=decided.decision,
        label=_(DECISION_NAMES.get(decided.decision, decided.decision)),
        note=decided.note,
        author=decided.author_email,
        decided_at=decided.created_at,
    )


# --- the answers: what was taken, its quality, norms, extraversion, dichotomies --------------


@dataclass(frozen=True)
class _Answers:
    engine: dict[str, EngineResult]  # by questionnaire id, every stored result
    taken: list[QuestionnaireTaken]  # in the invitation's order
    flagged: list[tuple[str, EngineResult]]  # the same, for the quality notes
    quality: str | None  # the worst level over what was taken
    flags: list[str]
    norms: list[ScaleNorm]
    extraversion: ExtraversionInfo | None
    dichotomies: list[DichotomyInfo]


def _answers(
    session: Session, invitation: Invitation, catalog: dict[str, Questionnaire], language: str
) -> _Answers:
    stored = {
        r.questionnaire_id: (r, EngineResult.model_validate(r.data))
        for r in session.exec(select(Result).where(Result.invitation_id == invitation.id)).all()
    }
    engine = {qid: result for qid, (_, result) in stored.items()}
    taken = _taken(invitation, stored, catalog, language)
    norms = _norms(session, invitation, stored, catalog, language)
    percentiles = {(n.questionnaire, n.scale): (n.percentile, n.n) for n in norms}
    return _Answers(
        engine=engine,
        taken=taken,
        flagged=[(t.id, engine[t.id]) for t in taken],
        quality=worst_quality([t.quality_level for t in taken]) if taken else None,
        flags=_quality_flags(taken),
        norms=norms,
        extraversion=_extraversion(engine.get(EXTRAVERSION), catalog, percentiles),
        dichotomies=_dichotomies(engine.get(SOCIONICS), catalog, percentiles, language),
    )


def _taken(
    invitation: Invitation, stored: Stored, catalog: dict[str, Questionnaire], language: str
) -> list[QuestionnaireTaken]:
    taken = []
    for qid in invitation.questionnaire_ids:
        if qid not in stored:
            continue
        r, result = stored[qid]
        taken.append(
            QuestionnaireTaken(
                id=qid,
                version=r.questionnaire_version,
                title=_title(catalog, qid, language),
                completed_at=r.created_at,
                seconds_taken=r.seconds_taken,
                quality_level=r.quality_level,
                quality_flags=[f.code for f in result.quality.flags],
            )
        )
    return taken


def _quality_flags(taken: list[QuestionnaireTaken]) -> list[str]:
    """Each code once, also when one questionnaire's stored result lists it twice (results
    stored before one too_fast flag per result did)."""
    return list(dict.fromkeys(code for t in taken for code in t.quality_flags))


def _norms(
    session: Session,
    invitation: Invitation,
    stored: Stored,
    catalog: dict[str, Questionnaire],
    language: str,
) -> list[ScaleNorm]:
    norms: list[ScaleNorm] = []
    for qid, (r, result) in stored.items():
        # Norms per language: the candidate is compared with those who answered in theirs.
        samples = norm_samples(
            session,
            questionnaire_id=qid,
            version=r.questionnaire_version,
            language=invitation.language,
        )
        for scale_id, s in result.scales.items():
            if not s.scored or s.raw is None:
                continue
            sample = samples.get(scale_id, [])
            norms.append(
                ScaleNorm(
                    questionnaire=qid,
                    scale=scale_id,
                    scale_name=_scale_name(catalog, qid, scale_id, language),
                    raw=s.raw,
                    percentile=percentile_of(s.raw, sample),
                    n=len(sample),
                    language=invitation.language,
                )
            )
    return norms


# --- the type and the recommendation ---------------------------------------------------------


def _types(
    soc: EngineResult | None, language: str
) -> tuple[list[TypeInfo], list[TypeInfo], list[str]]:
    """The most probable types, the runners-up and the borderline dichotomies."""
    tr = type_result_of(soc) if soc else None
    if tr is None:
        return [], [], []
    top = list(tr.probabilities.items())[:TOP_TYPES]
    return (
        [_type_info(code, p, language) for code, p in top],
        [_type_info(t.code, t.probability, language) for t in tr.runners_up],
        tr.borderline,
    )


def _roles(rec: Recommendation | None, language: str) -> list[RoleInfo]:
    if rec is None:
        return []
    return [
        RoleInfo(
            role=r,
            name=ROLE_NAMES[r].get(language),
            expected_fit=(fit := rec.role(r)).expected_fit,
            rank=fit.rank,
            margin_to_next=fit.margin_to_next,
            behind_best=fit.behind_best,
            is_target=r in rec.target_roles,
        )
        for r in rec.display_order
    ]


def _placements(rec: Recommendation | None, language: str) -> list[PlacementInfo]:
    if rec is None:
        return []
    return [
        PlacementInfo(
            placement=p.placement,
            name=PLACEMENT_NAMES[p.placement].get(language),
            expected_fit=p.expected_fit,
            best_role=p.best_role,
        )
        for p in rec.placements
    ]


def _extraversion_check(rec: Recommendation | None) -> ExtraversionAgreement | None:
    if rec is None or rec.extraversion is None:
        return None
    return ExtraversionAgreement(
        p_extravert_socionics=rec.extraversion.p_extravert_socionics,
        p_extravert_questionnaire=rec.extraversion.p_extravert_questionnaire,
        disagree=rec.extraversion.disagree,
    )


# --- the parts' details ----------------------------------------------------------------------


def _title(catalog: dict[str, Questionnaire], qid: str, language: str) -> str:
    q = catalog.get(qid)
    return q.title.get(language) if q and q.title else qid


def _scale_name(catalog: dict[str, Questionnaire], qid: str, scale: str, language: str) -> str:
    q = catalog.get(qid)
    if q is None:
        return scale
    for s in q.scales:
        if s.id == scale and s.name is not None:
            return s.name.get(language)
    return scale


def _type_info(code: str, p: float, language: str) -> TypeInfo:
    t = get_type(code)
    return TypeInfo(
        code=code,
        cyrillic=t.cyrillic,
        name=t.name.get(language),
        pseudonym=t.pseudonym.get(language),
        probability=p,
    )


def _extraversion(
    result: EngineResult | None,
    catalog: dict[str, Questionnaire],
    percentiles: Percentiles,
) -> ExtraversionInfo | None:
    if result is None:
        return None
    scale = result.scales.get("extraversion")
    dich = result.dichotomies.get("EI")
    if scale is None or dich is None or not dich.scored or scale.normalized is None:
        return None
    assert dich.p_high is not None and dich.pole is not None and dich.probability is not None
    assert scale.raw is not None
    band = band_of(dich.p_high)
    pct, n = percentiles.get((EXTRAVERSION, "extraversion"), (None, 0))
    return ExtraversionInfo(
        score=round(out_of_100(scale.normalized)),
        raw=scale.raw,
        p_high=dich.p_high,
        pole=dich.pole,
        probability=dich.probability,
        borderline=dich.borderline,
        band=band,
        suggestion=suggestion_of(band),
        calibration_source=dich.calibration.source if dich.calibration else "prior",
        prorated=scale.prorated,
        percentile=pct,
        norm_n=n,
        band_edges=_band_edges(catalog.get(EXTRAVERSION), dich),
    )


BAND_THRESHOLDS = (CLEAR, MODERATE, 1 - MODERATE, 1 - CLEAR)


def _band_edges(q: Questionnaire | None, dich: DichotomyResult) -> tuple[float, ...]:
    """The normalized scores at which p_high crosses each band threshold (bisection on the
    engine's own p_high, so it holds for any uncertainty model)."""
    if q is None or dich.calibration is None or dich.cut is None:
        return ()
    lo, hi = scale_range(q, "extraversion")
    edges = []
    for t in BAND_THRESHOLDS:
        a, b = lo, hi
        for _ in range(60):
            mid = (a + b) / 2
            if p_high_of(mid, dich.cut, dich.calibration, dich.model) < t:
                a = mid
            else:
                b = mid
        edges.append((a + b) / 2)
    return tuple(min(max(normalize(e, lo, hi), 0.0), 1.0) for e in edges)


def _dichotomies(
    result: EngineResult | None,
    catalog: dict[str, Questionnaire],
    percentiles: Percentiles,
    language: str,
) -> list[DichotomyInfo]:
    if result is None:
        return []
    q = catalog.get(SOCIONICS)
    scale_of = {d.id: d.scale for d in q.dichotomies} if q else {}
    out = []
    for d in BASE_DICHOTOMIES:
        bd = base_dichotomy(d)
        dr = result.dichotomies.get(d)
        scale = result.scales.get(scale_of.get(d, ""))
        pct, n = percentiles.get((SOCIONICS, scale_of.get(d, "")), (None, 0))
        scored = dr is not None and dr.scored
        pole_name = None
        if scored and dr is not None and dr.pole is not None:
            pole_name = (bd.high if dr.pole == bd.high.code else bd.low).name.get(language)
        cal = dr.calibration if dr is not None else None
        out.append(
            DichotomyInfo(
                id=d,
                questionnaire=SOCIONICS,
                low_code=bd.low.code,
                low_name=bd.low.name.get(language),
                high_code=bd.high.code,
                high_name=bd.high.name.get(language),
                scored=scored,
                pole=dr.pole if scored and dr else None,
                pole_name=pole_name,
                probability=dr.probability if scored and dr else None,
                p_high=dr.p_high if scored and dr else None,
                borderline=bool(dr.borderline) if scored and dr else False,
                calibration_source=cal.source if cal else None,
                calibration_n=cal.n if cal else None,
                reliability=cal.reliability if cal else None,
                raw=scale.raw if scale is not None else None,
                percentile=pct if scored else None,
                norm_n=n,
            )
        )
    return out


def _learned_from(result: EngineResult | None) -> int | None:
    """Self-descriptions behind the socionics letters when all four were learned from them."""
    if result is None:
        return None
    used = [
        result.dichotomies[d].self_knowledge for d in BASE_DICHOTOMIES if d in result.dichotomies
    ]
    if len(used) < len(BASE_DICHOTOMIES) or any(u is None or u.source != "learned" for u in used):
        return None
    return min(u.n for u in used if u is not None)


def _headline(
    rec: Recommendation | None, types: list[TypeInfo], quality: str | None, language: str
) -> Headline:
    top = types[0] if types else None
    top_code = top.code if top else None
    top_name = _type_label(top, language) if top else None
    top_probability = top.probability if top else None
    if rec is None:
        return Headline(
            available=False,
            type_code=top_code,
            type_name=top_name,
            type_probability=top_probability,
        )
    verdict = decide(rec, quality_level=quality)
    target_fit = None
    target_rank = None
    if rec.target_roles:
        best_target = min((rec.role(r) for r in rec.target_roles), key=lambda f: f.rank)
        target_fit, target_rank = best_target.expected_fit, best_target.rank
    return Headline(
        available=True,
        outcome=verdict.outcome,
        placement=verdict.placement,
        placement_name=placement_label(verdict.code, language),
        best_role=rec.best_role,
        best_role_name=ROLE_NAMES[rec.best_role].get(language),
        best_fit=rec.role(rec.best_role).expected_fit,
        target_fit=target_fit,
        target_rank=target_rank,
        type_code=top_code,
        type_name=top_name,
        type_probability=top_probability,
        too_close_to_call=verdict.outcome == TOO_CLOSE,
        no_good_fit=rec.no_good_fit,
        runner_up_name=PLACEMENT_NAMES[verdict.runner_up].get(language)
        if verdict.runner_up
        else None,
    )


def _type_label(t: TypeInfo, language: str) -> str:
    return f"{type_code(t.code, language, latin=True)}, {t.name} · {t.pseudonym}"


def _matrix_info(session: Session, record: FitRecord) -> MatrixInfo:
    row = session.get(MatrixVersion, record.matrix_version_id)
    assert row is not None and row.id is not None
    in_force = current(session)
    return MatrixInfo(
        id=row.id,
        label=row.label,
        content_hash=row.content_hash,
        author=row.author,
        created_at=row.created_at,
        is_current=in_force.version.id == row.id,
        scored_at=record.rescored_at or record.created_at,
        rescored=record.rescored_at is not None,
    )
