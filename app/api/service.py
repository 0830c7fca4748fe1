"""What the API routes call. Reads see every vacancy: an API key acts for the whole company,
as an administrator would (docs/api.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.api.schemas import (
    CandidateIn,
    CandidateOut,
    DichotomyOut,
    QualityFlagOut,
    QualityOut,
    QuestionnaireResultOut,
    ResultsOut,
    RoleFitOut,
    RoleOut,
    ScaleOut,
    TypeOut,
    VacancyOut,
)
from app.config import Settings
from app.invitations.duplicates import AlreadyInvited, InvitedIndex
from app.invitations.invite import candidate_link
from app.invitations.service import ActionRefused, VacancyClosed, create_invitation, ensure_open
from app.invitations.service import revoke as revoke_in_lifecycle
from app.invitations.tokens import rebuild_link_token
from app.models import (
    Candidate,
    FitRecord,
    Invitation,
    InvitationStatus,
    MatrixVersion,
    Result,
    User,
    Vacancy,
    status_is,
)
from app.scoring.service import SOCIONICS, type_result_of
from app.web.forms import FormErrors
from app.web.problems import ApiProblem, FieldError, invalid, not_found
from questionnaires.result import Result as EngineResult
from questionnaires.result import worst_quality
from questionnaires.shown import shown_probability
from socionics.recommend import TOO_CLOSE, Recommendation, decide

# --- vacancies ----------------------------------------------------------------------------


def vacancy_out(session: Session, vacancy: Vacancy) -> VacancyOut:
    assert vacancy.id is not None
    invited, completed = session.exec(
        select(func.count(col(Invitation.id)), func.count(col(Invitation.completed_at))).where(
            Invitation.vacancy_id == vacancy.id
        )
    ).one()
    return VacancyOut(
        id=vacancy.id,
        title=vacancy.title,
        placement=vacancy.placement,
        language=vacancy.language,
        questionnaire_ids=list(vacancy.questionnaire_ids),
        status="closed" if vacancy.archived_at is not None else "open",
        created_at=vacancy.created_at,
        closed_at=vacancy.archived_at,
        invited=invited,
        completed=completed,
    )


def get_vacancy(session: Session, vacancy_id: int) -> Vacancy:
    vacancy = session.get(Vacancy, vacancy_id)
    # The team's internal vacancy is not the ATS's business: its employees' consent names only
    # the company's admins and recruiters as seeing their result.
    if vacancy is None or vacancy.kind != "hiring":
        raise not_found("Vacancy", vacancy_id)
    return vacancy


def list_vacancies(session: Session, *, status: str | None) -> list[Vacancy]:
    # The team's internal vacancy (its links assess employees) is not a hiring one.
    query = select(Vacancy).where(Vacancy.kind == "hiring").order_by(col(Vacancy.id))
    if status == "open":
        query = query.where(col(Vacancy.archived_at).is_(None))
    elif status == "closed":
        query = query.where(col(Vacancy.archived_at).is_not(None))
    return list(session.exec(query).all())


# --- invitations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Invited:
    invitation: Invitation
    candidate: Candidate
    link: str | None
    already_invited: bool = False


def invite_many(
    session: Session,
    *,
    settings: Settings,
    vacancy: Vacancy,
    people: list[CandidateIn],
    created_by: User | None,
    return_existing: bool = False,
) -> list[Invited]:
    """All or nothing: one bad entry refuses the whole request (the route rolls back, and with
    it the invitation emails queued for the good entries).

    The same lifecycle as the staff pages: a candidate with an email address gets the
    invitation email in their language through the outgoing queue."""
    try:
        ensure_open(vacancy)
    except VacancyClosed:
        raise ApiProblem(
            409,
            title="Vacancy closed",
            detail=f"Vacancy {vacancy.id} is closed and takes no new invitations; "
            "reopen it first (POST /vacancies/{id}/reopen).",
            kind="vacancy-closed",
        ) from None
    made = []
    errors = []
    known: list[tuple[int, AlreadyInvited]] = []
    index = InvitedIndex.load(session, vacancy=vacancy)
    for n, person in enumerate(people):
        try:
            invitation, link = create_invitation(
                session,
                settings=settings,
                vacancy=vacancy,
                invitee=person,
                created_by=created_by,
                index=index,
            )
        except FormErrors as exc:
            errors += [
                FieldError(field=f"candidates[{n}].{field}", message=message)
                for field, message in exc.errors.items()
            ]
            continue
        except AlreadyInvited as exc:
            if not return_existing:
                known.append((n, exc))
                continue
            token = rebuild_link_token(
                settings.session_secret,
                nonce=exc.invitation.token_nonce,
                token_hash=exc.invitation.token_hash,
            )
            made.append(
                Invited(
                    invitation=exc.invitation,
                    candidate=exc.candidate,
                    link=candidate_link(settings, token) if token else None,
                    already_invited=True,
                )
            )
            continue
        candidate = session.get(Candidate, invitation.candidate_id)
        assert candidate is not None
        made.append(Invited(invitation=invitation, candidate=candidate, link=link))
    if errors:
        raise invalid(errors)
    if known:
        first = known[0][1].invitation.id
        listed = ", ".join(f"candidates[{n}] is candidate {e.invitation.id}" for n, e in known)
        raise ApiProblem(
            409,
            title="Already invited",
            detail=f"Already invited to vacancy {vacancy.id}: {listed}. Nothing was created; "
            "pass ?if_exists=return to get the existing candidates instead.",
            kind="already-invited",
            errors=[
                FieldError(
                    field=f"candidates[{n}]",
                    message=f"already invited: candidate {e.invitation.id}",
                )
                for n, e in known
            ],
            existing_candidate_id=first,
        )
    return made


def revoke_invitation(session: Session, *, invitation: Invitation, now: datetime) -> Invitation:
    """The staff pages' revoke: the link stops working and unsent emails are cancelled."""
    try:
        revoke_in_lifecycle(session, invitation=invitation, now=now)
    except ActionRefused:  # only a completed invitation refuses
        raise ApiProblem(
            409,
            title="Already completed",
            detail=f"Invitation {invitation.id} is completed; its results stay.",
            kind="invitation-completed",
        ) from None
    return invitation


# --- candidates ----------------------------------------------------------------------------


def candidate_out(invitation: Invitation, candidate: Candidate, now: datetime) -> CandidateOut:
    assert invitation.id is not None
    return CandidateOut(
        id=invitation.id,
        vacancy_id=invitation.vacancy_id,
        name=candidate.name,
        email=candidate.email,
        language=invitation.language,
        status=invitation.status(now),
        invited_at=invitation.created_at,
        expires_at=invitation.expires_at,
        started_at=invitation.started_at,
        completed_at=invitation.completed_at,
        revoked_at=invitation.revoked_at,
    )


def get_candidate(session: Session, candidate_id: int) -> tuple[Invitation, Candidate]:
    """A candidate of a hiring vacancy: an employee's assessment (the team's vacancy) is not
    found, like an id that does not exist."""
    row = session.exec(
        select(Invitation, Candidate)
        .join(Candidate, col(Candidate.id) == col(Invitation.candidate_id))
        .join(Vacancy, col(Vacancy.id) == col(Invitation.vacancy_id))
        .where(col(Invitation.id) == candidate_id, Vacancy.kind == "hiring")
    ).first()
    if row is None:
        raise not_found("Candidate", candidate_id)
    return row[0], row[1]


# A cursor is an invitation id: digits from 0 to 2**31 - 1, the largest id the database holds
# (a larger number would be an "integer out of range" from PostgreSQL, not a 422).
CURSOR_PATTERN = (
    r"^(?:[0-9]{1,9}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}|2147[0-3][0-9]{5}"
    r"|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}|21474836[0-3][0-9]"
    r"|214748364[0-7])$"
)


def encode_cursor(last_id: int) -> str:
    """The page's last id, as the next page's cursor. Plain digits: the schema can say
    exactly which cursors are valid (any id), so no valid-looking cursor is refused."""
    return str(last_id)


def list_candidates(
    session: Session,
    *,
    vacancy_id: int | None,
    status: InvitationStatus | None,
    cursor: str | None,
    limit: int,
    now: datetime,
) -> tuple[list[CandidateOut], str | None]:
    """One page ordered by id; the cursor holds the last id, so rows added meanwhile neither
    repeat nor shift the pages."""
    query = (
        select(Invitation, Candidate)
        .join(Candidate, col(Candidate.id) == col(Invitation.candidate_id))
        .join(Vacancy, col(Vacancy.id) == col(Invitation.vacancy_id))
        .where(Vacancy.kind == "hiring")  # employees are no candidates (see get_vacancy)
    )
    if vacancy_id is not None:
        query = query.where(Invitation.vacancy_id == vacancy_id)
    if status is not None:
        query = query.where(status_is(status, now))
    if cursor:
        query = query.where(col(Invitation.id) > int(cursor))
    rows = session.exec(query.order_by(col(Invitation.id)).limit(limit + 1)).all()
    page = [candidate_out(i, c, now) for i, c in rows[:limit]]
    next_cursor = encode_cursor(page[-1].id) if len(rows) > limit else None
    return page, next_cursor


# --- results -------------------------------------------------------------------------------


def questionnaire_result(row: Result) -> QuestionnaireResultOut:
    result = EngineResult.model_validate(row.data)
    return QuestionnaireResultOut(
        questionnaire_id=row.questionnaire_id,
        questionnaire_version=row.questionnaire_version,
        completed_at=row.created_at,
        seconds_taken=row.seconds_taken,
        scales={
            name: ScaleOut(
                scored=s.scored,
                raw=s.raw,
                normalized=s.normalized,
                answered=s.answered,
                total=s.total,
                prorated=s.prorated,
            )
            for name, s in result.scales.items()
        },
        dichotomies={
            name: DichotomyOut(
                scored=d.scored,
                pole=d.pole,
                probability=shown_probability(d.probability),
                p_high=shown_probability(d.p_high),
                borderline=d.borderline,
            )
            for name, d in result.dichotomies.items()
        },
        quality=QualityOut(
            level=result.quality.level,
            flags=[
                QualityFlagOut(code=f.code, severity=f.severity, detail=f.detail, scales=f.scales)
                for f in result.quality.flags
            ],
            seconds_per_item=result.quality.seconds_per_item,
        ),
    )


def results(session: Session, *, invitation: Invitation, now: datetime) -> ResultsOut:
    assert invitation.id is not None
    rows = session.exec(
        select(Result).where(Result.invitation_id == invitation.id).order_by(col(Result.id))
    ).all()
    # In the order the candidate answers them.
    order = {q: n for n, q in enumerate(invitation.questionnaire_ids)}
    rows = sorted(rows, key=lambda r: order.get(r.questionnaire_id, len(order)))
    return ResultsOut(
        candidate_id=invitation.id,
        status=invitation.status(now),
        complete=invitation.completed_at is not None,
        questionnaires=[questionnaire_result(r) for r in rows],
        # Unusable answers carry no type (decide): only a retake can tell.
        type=None if worst_quality([r.quality_level for r in rows]) == "unusable" else _type(rows),
        role_fit=_role_fit(session, invitation_id=invitation.id),
    )


def _shown(p: float) -> float:
    shown = shown_probability(p)
    assert shown is not None
    return shown


def _type(rows: list[Result]) -> TypeOut | None:
    row = next((r for r in rows if r.questionnaire_id == SOCIONICS), None)
    t = type_result_of(EngineResult.model_validate(row.data)) if row else None
    if t is None:
        return None
    return TypeOut(
        code=t.code,
        probability=_shown(t.probability),
        probabilities={code: _shown(p) for code, p in t.probabilities.items()},
        borderline=t.borderline,
    )


def _role_fit(session: Session, *, invitation_id: int) -> RoleFitOut | None:
    """The stored recommendation (app.scoring.service.update_fit), as it was scored."""
    record = session.exec(select(FitRecord).where(FitRecord.invitation_id == invitation_id)).first()
    if record is None:
        return None
    rec = Recommendation.model_validate(record.data)
    verdict = decide(rec, quality_level=record.quality_level)
    matrix = session.get(MatrixVersion, record.matrix_version_id)
    return RoleFitOut(
        matrix_version=matrix.label if matrix else rec.matrix_version,
        matrix_version_id=record.matrix_version_id,
        scored_at=record.rescored_at or record.created_at,
        roles=[
            RoleOut(
                role=r.role,
                expected_fit=r.expected_fit,
                rank=r.rank,
                margin_to_next=r.margin_to_next,
            )
            for r in rec.roles
        ],
        best_role=rec.best_role,
        placement=verdict.placement,
        outcome=verdict.outcome,
        too_close_to_call=verdict.outcome == TOO_CLOSE,
        no_good_fit=rec.no_good_fit,
    )


def invalid_form(exc: FormErrors) -> ApiProblem:
    return invalid([FieldError(field=f, message=m) for f, m in exc.errors.items()])
