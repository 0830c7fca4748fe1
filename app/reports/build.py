"""``build_report``: database rows -> ``ReportData`` (the page and the PDF render only that)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from sqlmodel import Session, col, select

from app.db import utcnow
from app.i18n import N_, translations
from app.matrix.service import current
from app.models import (
    Candidate,
    ChecklistAnswer,
    Decision,
    FitRecord,
    Invitation,
    MatrixVersion,
    Organisation,
    Result,
    User,
    Vacancy,
)
from app.reports.data import (
    ChecklistItem,
    DecisionInfo,
    DichotomyInfo,
    ExtraversionAgreement,
    ExtraversionInfo,
    Headline,
    InterviewQuestion,
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
from socionics.portrait import load_portrait
from socionics.recommend import (
    NOT_INTERPRETABLE,
    PLACEMENT_NAMES,
    TOO_CLOSE,
    Recommendation,
    decide,
    farmer_ranks_high,
)

TOP_TYPES = 5
INTERVIEW_FILE = Path(__file__).resolve().parent / "interview.yaml"
DISCLAIMER = N_(
    "This recommendation is advice computed from questionnaire answers; the decision is the "
    "reader's. Weigh it with the interview, the candidate's experience and references."
)


@cache
def interview_questions() -> dict[str, dict[str, list[dict[str, str]]]]:
    """``dichotomy -> pole -> [{ru, en}]`` from interview.yaml, checked once."""
    data = yaml.safe_load(INTERVIEW_FILE.read_text(encoding="utf-8"))
    for d in BASE_DICHOTOMIES:
        bd = base_dichotomy(d)
        for pole in (bd.low.code, bd.high.code):
            questions = data[d][pole]
            if not questions or any(not q.get("ru") or not q.get("en") for q in questions):
                raise ValueError(f"{INTERVIEW_FILE}: {d}/{pole} needs questions in ru and en")
    return data


@cache
def _catalog() -> dict[str, Questionnaire]:
    return dict(product_questionnaires())


def build_report(session: Session, *, invitation_id: int, language: str) -> ReportData:
    invitation = session.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFound(invitation_id)
    candidate = session.get(Candidate, invitation.candidate_id)
    vacancy = session.get(Vacancy, invitation.vacancy_id)
    assert candidate is not None and vacancy is not None and vacancy.id is not None
    _ = translations(language).gettext
    catalog = _catalog()

    rows = {
        r.questionnaire_id: r
        for r in session.exec(select(Result).where(Result.invitation_id == invitation_id)).all()
    }
    engine = {qid: EngineResult.model_validate(r.data) for qid, r in rows.items()}
    taken = [
        QuestionnaireTaken(
            id=qid,
            version=r.questionnaire_version,
            title=_title(catalog, qid, language),
            completed_at=r.created_at,
            seconds_taken=r.seconds_taken,
            quality_level=r.quality_level,
            quality_flags=[f.code for f in engine[qid].quality.flags],
        )
        for qid in invitation.questionnaire_ids
        if (r := rows.get(qid)) is not None
    ]
    # Each code once, also when one questionnaire's stored result lists it twice (results
    # stored before one too_fast flag per result did, and the old comprehension here only
    # looked at the codes of earlier questionnaires).
    flags: list[str] = []
    for t in taken:
        for code in t.quality_flags:
            if code not in flags:
                flags.append(code)
    flagged = [(t.id, engine[t.id]) for t in taken]
    quality = worst_quality([t.quality_level for t in taken]) if taken else None

    norms: list[ScaleNorm] = []
    percentiles: dict[tuple[str, str], tuple[float | None, int]] = {}
    for qid, r in rows.items():
        # Norms per language: the candidate is compared with those who answered in theirs.
        samples = norm_samples(
            session,
            questionnaire_id=qid,
            version=r.questionnaire_version,
            language=invitation.language,
        )
        for scale_id, s in engine[qid].scales.items():
            if not s.scored or s.raw is None:
                continue
            sample = samples.get(scale_id, [])
            pct = percentile_of(s.raw, sample)
            percentiles[(qid, scale_id)] = (pct, len(sample))
            norms.append(
                ScaleNorm(
                    questionnaire=qid,
                    scale=scale_id,
                    scale_name=_scale_name(catalog, qid, scale_id, language),
                    raw=s.raw,
                    percentile=pct,
                    n=len(sample),
                    language=invitation.language,
                )
            )

    extraversion = _extraversion(engine.get(EXTRAVERSION), catalog, percentiles)
    dichotomies = _dichotomies(engine.get(SOCIONICS), catalog, percentiles, language)

    record = session.exec(select(FitRecord).where(FitRecord.invitation_id == invitation_id)).first()
    rec = Recommendation.model_validate(record.data) if record else None
    matrix = _matrix_info(session, record) if record else None

    types: list[TypeInfo] = []
    runners: list[TypeInfo] = []
    borderline: list[str] = []
    soc = engine.get(SOCIONICS)
    tr = type_result_of(soc) if soc else None
    if tr is not None:
        types = [
            _type_info(code, p, language) for code, p in list(tr.probabilities.items())[:TOP_TYPES]
        ]
        runners = [_type_info(t.code, t.probability, language) for t in tr.runners_up]
        borderline = tr.borderline

    headline = _headline(rec, types, quality, language)
    roles: list[RoleInfo] = []
    placements: list[PlacementInfo] = []
    if rec is not None:
        roles = [
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
        placements = [
            PlacementInfo(
                placement=p.placement,
                name=PLACEMENT_NAMES[p.placement].get(language),
                expected_fit=p.expected_fit,
                best_role=p.best_role,
            )
            for p in rec.placements
        ]

    show_checklist = (
        rec is not None and headline.outcome != NOT_INTERPRETABLE and farmer_ranks_high(rec)
    )
    org = session.get(Organisation, 1)
    decided = session.exec(
        select(Decision).where(Decision.invitation_id == invitation_id, col(Decision.current))
    ).first()
    return ReportData(
        organisation=org.name if org else "",
        decision=DecisionInfo(
            decision=decided.decision,
            label=_(DECISION_NAMES.get(decided.decision, decided.decision)),
            note=decided.note,
            author=decided.author_email,
            decided_at=decided.created_at,
        )
        if decided
        else None,
        invitation_id=invitation_id,
        language=language,
        generated_at=utcnow(),
        candidate=PersonInfo(name=candidate.name, email=candidate.email),
        vacancy=VacancyInfo(
            id=vacancy.id,
            title=vacancy.title,
            placement=vacancy.placement,
            placement_name=placement_label(vacancy.placement, language),
        ),
        status=invitation.status(utcnow()).value,
        invited_at=invitation.created_at,
        completed_at=invitation.completed_at,
        questionnaires=taken,
        answered_ie=EXTRAVERSION in rows,
        answered_socionics=SOCIONICS in rows,
        matrix=matrix,
        headline=headline,
        dichotomies=dichotomies,
        extraversion=extraversion,
        types=types,
        runners_up=runners,
        borderline=borderline,
        roles=roles,
        placements=placements,
        explanation=explanation(rec, language) if rec else [],
        quality_level=quality,
        quality_flags=flags,
        extraversion_check=(
            ExtraversionAgreement(
                p_extravert_socionics=rec.extraversion.p_extravert_socionics,
                p_extravert_questionnaire=rec.extraversion.p_extravert_questionnaire,
                disagree=rec.extraversion.disagree,
            )
            if rec and rec.extraversion
            else None
        ),
        universal_warning=universal_warning(rec, language) if rec else None,
        show_checklist=show_checklist,
        checklist=checklist_items(session, invitation_id=invitation_id, language=language),
        interview_questions=_interview(
            dichotomies,
            extraversion,
            quality,
            language,
            in_doubt=doubtful_dimensions(flagged, catalog),
        ),
        norms=norms,
        disclaimer=_(DISCLAIMER),
        group_probabilities=dict(rec.group_probabilities) if rec else {},
        quality_notes=quality_notes(flagged, catalog, language),
    )


# --- parts -----------------------------------------------------------------------------------


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
    percentiles: dict[tuple[str, str], tuple[float | None, int]],
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
    percentiles: dict[tuple[str, str], tuple[float | None, int]],
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


def _headline(
    rec: Recommendation | None, types: list[TypeInfo], quality: str | None, language: str
) -> Headline:
    if rec is None:
        return Headline(
            available=False,
            outcome=None,
            placement=None,
            placement_name=None,
            best_role=None,
            best_role_name=None,
            best_fit=None,
            target_fit=None,
            target_rank=None,
            type_code=types[0].code if types else None,
            type_name=_type_label(types[0], language) if types else None,
            type_probability=types[0].probability if types else None,
            too_close_to_call=False,
            no_good_fit=False,
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
        type_code=types[0].code if types else None,
        type_name=_type_label(types[0], language) if types else None,
        type_probability=types[0].probability if types else None,
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


def checklist_items(session: Session, *, invitation_id: int, language: str) -> list[ChecklistItem]:
    stored = {
        a.trait_id: a
        for a in session.exec(
            select(ChecklistAnswer).where(ChecklistAnswer.invitation_id == invitation_id)
        ).all()
    }
    authors = {
        u.id: u.email
        for u in session.exec(
            select(User).where(col(User.id).in_([a.author_id for a in stored.values()]))
        ).all()
    }
    items = []
    for trait in load_portrait().traits:
        a = stored.get(trait.id)
        items.append(
            ChecklistItem(
                trait_id=trait.id,
                label=trait.label.get(language),
                hint=trait.hint.get(language),
                checked=a.checked if a else False,
                comment=a.comment if a else "",
                author=authors.get(a.author_id) if a and a.author_id else None,
                updated_at=a.updated_at if a else None,
            )
        )
    return items


def _interview(
    dichotomies: list[DichotomyInfo],
    extraversion: ExtraversionInfo | None,
    quality: str | None,
    language: str,
    *,
    in_doubt: set[str] | None = None,
) -> list[InterviewQuestion]:
    """Questions where a pole is borderline, and where the answers were doubtful: on the
    dichotomies ``in_doubt`` names, or on every one (None) when a flag concerns all answers."""
    bank = interview_questions()
    doubtful = quality in ("doubtful", "unusable")
    out: list[InterviewQuestion] = []
    seen: set[str] = set()
    probes = [(d.id, d.pole, d.borderline) for d in dichotomies if d.scored and d.pole]
    if extraversion is not None:
        probes.append(("EI", extraversion.pole, extraversion.borderline))
    for d, pole, borderline in probes:
        in_question = doubtful and (in_doubt is None or d in in_doubt)
        if d in seen or pole is None or not (borderline or in_question):
            continue
        seen.add(d)
        for text in bank[d][pole]:
            out.append(
                InterviewQuestion(
                    dichotomy=d,
                    pole=pole,
                    reason="borderline" if borderline else "doubtful_quality",
                    text=text[language],
                )
            )
    return out
