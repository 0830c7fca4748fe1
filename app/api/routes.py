"""/api/v1 routes: parse, call app.api.service, commit once, answer JSON."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from app.api import service
from app.api.deps import KeyAudit, ReadKey, WriteKey, known_query_only
from app.api.openapi import api_schema
from app.api.schemas import (
    CandidateOut,
    CandidatePage,
    DealsImported,
    DealsIn,
    InvitationsCreate,
    InvitationsCreated,
    NewInvitationOut,
    ResultsOut,
    VacancyCreate,
    VacancyList,
    VacancyOut,
    VacancyUpdate,
)
from app.db import MAX_ID, SessionDep, UnitOfWork, utcnow
from app.models import InvitationStatus, User, Vacancy
from app.staff.service import close_vacancy as close_vacancy_now
from app.staff.service import create_vacancy
from app.staff.service import reopen_vacancy as reopen_vacancy_now
from app.staff.service import update_vacancy as update_vacancy_fields
from app.web.forms import FormErrors
from app.web.problems import ApiProblem, FieldError, Problem, invalid

PREFIX = "/api/v1"
# Ids are database integers: larger numbers are a 422 naming the parameter, not a crash.
VacancyId = Annotated[int, Path(ge=1, le=MAX_ID)]
InvitationId = Annotated[int, Path(ge=1, le=MAX_ID)]
CandidateId = Annotated[int, Path(ge=1, le=MAX_ID, description="The invitation's id")]


def _problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {
        401: "Missing, unknown or revoked API key",
        403: "The key's scope does not allow this",
        404: "No such resource",
        409: "The resource's state does not allow this",
        422: "A value is not valid; `errors` names each field",
        429: "Too many requests with this key, or failed authentications from this address; "
        "wait the seconds in Retry-After",
    }
    # Any operation can be rate limited.
    return {code: {"model": Problem, "description": text[code]} for code in (*codes, 429)}


READ = _problems(401, 422)
WRITE = _problems(401, 403, 422)

# Operation ids are the function names: stable, readable names for generated clients.
router = APIRouter(
    route_class=UnitOfWork,
    prefix=PREFIX,
    generate_unique_id_function=lambda route: route.name,
    dependencies=[Depends(known_query_only)],
)


@router.get("/openapi.json", include_in_schema=False)
def openapi() -> JSONResponse:
    return JSONResponse(api_schema(router))


# --- vacancies ----------------------------------------------------------------------------


@router.get("/vacancies", responses=READ, summary="List vacancies")
def list_vacancies(
    session: SessionDep,
    _key: ReadKey,
    status: Annotated[Literal["open", "closed"] | None, Query()] = None,
) -> VacancyList:
    rows = service.list_vacancies(session, status=status)
    return VacancyList(data=[service.vacancy_out(session, v) for v in rows])


@router.post("/vacancies", status_code=201, responses=WRITE, summary="Create a vacancy")
def add_vacancy(
    session: SessionDep, audit: KeyAudit, key: WriteKey, body: VacancyCreate
) -> VacancyOut:
    creator = session.get(User, key.created_by_id) if key.created_by_id else None
    try:
        vacancy = create_vacancy(
            session,
            title=body.title,
            placement=body.placement.value,
            language=body.language,
            created_by=creator,
        )
    except FormErrors as exc:  # the body model already checks the same rules
        raise service.invalid_form(exc) from None
    audit("vacancy.create", vacancy)
    return service.vacancy_out(session, vacancy)


def _vacancy(session: SessionDep, vacancy_id: int) -> Vacancy:
    return service.get_vacancy(session, vacancy_id)


@router.get("/vacancies/{vacancy_id}", responses=_problems(401, 404, 422), summary="Get a vacancy")
def get_vacancy(session: SessionDep, _key: ReadKey, vacancy_id: VacancyId) -> VacancyOut:
    return service.vacancy_out(session, _vacancy(session, vacancy_id))


@router.patch(
    "/vacancies/{vacancy_id}", responses=_problems(401, 403, 404, 422), summary="Update a vacancy"
)
def update_vacancy(
    session: SessionDep,
    audit: KeyAudit,
    vacancy_id: VacancyId,
    body: VacancyUpdate,
) -> VacancyOut:
    vacancy = _vacancy(session, vacancy_id)
    try:
        changed = update_vacancy_fields(
            session,
            vacancy=vacancy,
            title=body.title,
            placement=body.placement.value if body.placement is not None else None,
            language=body.language,
        )
    except FormErrors as exc:  # the body model already checks the same rules
        raise service.invalid_form(exc) from None
    if changed:
        audit("vacancy.update", vacancy, details={"fields": changed})
    return service.vacancy_out(session, vacancy)


@router.post(
    "/vacancies/{vacancy_id}/close",
    responses=_problems(401, 403, 404, 422),
    summary="Close a vacancy (no new invitations; links not yet begun say it is closed)",
    description="Candidates who have already agreed to take part may still finish; links "
    "nobody has begun say the vacancy is closed. Closing a closed vacancy changes nothing.",
)
def close_vacancy(session: SessionDep, audit: KeyAudit, vacancy_id: VacancyId) -> VacancyOut:
    vacancy = _vacancy(session, vacancy_id)
    if close_vacancy_now(session, vacancy=vacancy, now=utcnow()):
        audit("vacancy.close", vacancy)
    return service.vacancy_out(session, vacancy)


@router.post(
    "/vacancies/{vacancy_id}/reopen",
    responses=_problems(401, 403, 404, 422),
    summary="Reopen a closed vacancy (invitations again; its links work again)",
    description="Reopening an open vacancy changes nothing.",
)
def reopen_vacancy(session: SessionDep, audit: KeyAudit, vacancy_id: VacancyId) -> VacancyOut:
    vacancy = _vacancy(session, vacancy_id)
    if reopen_vacancy_now(session, vacancy=vacancy):
        audit("vacancy.reopen", vacancy)
    return service.vacancy_out(session, vacancy)


# --- invitations ---------------------------------------------------------------------------


@router.post(
    "/vacancies/{vacancy_id}/invitations",
    status_code=201,
    responses=_problems(401, 403, 404, 409, 422),
    summary="Invite one or many candidates; returns each personal link (only now)",
)
def create_invitations(
    request: Request,
    session: SessionDep,
    audit: KeyAudit,
    key: WriteKey,
    vacancy_id: VacancyId,
    body: InvitationsCreate,
    if_exists: Annotated[
        Literal["conflict", "return"],
        Query(
            description="A person already invited to the vacancy (same email, or same name "
            "and phone without one): `conflict` (default) answers 409 naming them; `return` "
            "returns them with already_invited: true and creates nothing for them"
        ),
    ] = "conflict",
) -> InvitationsCreated:
    vacancy = _vacancy(session, vacancy_id)
    creator = session.get(User, key.created_by_id) if key.created_by_id else None
    made = service.invite_many(
        session,
        settings=request.app.state.settings,
        vacancy=vacancy,
        people=body.candidates,
        created_by=creator,
        return_existing=if_exists == "return",
    )
    for m in made:
        if m.already_invited:
            continue
        audit("invitation.create", m.invitation, vacancy_id=vacancy.id)
    now = utcnow()
    return InvitationsCreated(
        invitations=[
            NewInvitationOut(
                **service.candidate_out(m.invitation, m.candidate, now).model_dump(),
                link=m.link,
                already_invited=m.already_invited,
            )
            for m in made
        ]
    )


@router.post(
    "/invitations/{invitation_id}/revoke",
    responses=_problems(401, 403, 404, 409, 422),
    summary="Revoke an invitation: its link stops working",
)
def revoke_invitation(
    session: SessionDep,
    audit: KeyAudit,
    invitation_id: InvitationId,
) -> CandidateOut:
    invitation, candidate = service.get_candidate(session, invitation_id)
    now = utcnow()
    was_live = invitation.revoked_at is None
    service.revoke_invitation(session, invitation=invitation, now=now)
    if was_live:
        audit("invitation.revoke", invitation)
    return service.candidate_out(invitation, candidate, now)


# --- candidates and results ------------------------------------------------------------------


@router.get("/candidates", responses=READ, summary="List candidates, oldest first, by pages")
def list_candidates(
    session: SessionDep,
    _key: ReadKey,
    vacancy_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    status: Annotated[InvitationStatus | None, Query()] = None,
    cursor: Annotated[
        str | None,
        Query(
            pattern=service.CURSOR_PATTERN,
            description="The `next_cursor` of the previous page: the id it ended after",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> CandidatePage:
    page, next_cursor = service.list_candidates(
        session, vacancy_id=vacancy_id, status=status, cursor=cursor, limit=limit, now=utcnow()
    )
    return CandidatePage(data=page, next_cursor=next_cursor)


@router.get(
    "/candidates/{candidate_id}", responses=_problems(401, 404, 422), summary="Get a candidate"
)
def get_candidate(session: SessionDep, _key: ReadKey, candidate_id: CandidateId) -> CandidateOut:
    invitation, candidate = service.get_candidate(session, candidate_id)
    return service.candidate_out(invitation, candidate, utcnow())


@router.get(
    "/candidates/{candidate_id}/results",
    responses=_problems(401, 404, 422),
    summary="A candidate's results: scores, type, role fit, answer quality, versions",
)
def get_results(session: SessionDep, _key: ReadKey, candidate_id: CandidateId) -> ResultsOut:
    invitation, _candidate = service.get_candidate(session, candidate_id)
    return service.results(session, invitation=invitation, now=utcnow())


PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The fit report as a PDF document",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    },
    **_problems(401, 404, 409, 422),
}


@router.get(
    "/candidates/{candidate_id}/report.pdf",
    response_class=Response,
    responses=PDF_RESPONSE,
    summary="The candidate's fit report as PDF (once the assessment is complete)",
)
def get_report_pdf(
    request: Request,
    session: SessionDep,
    _key: ReadKey,
    candidate_id: CandidateId,
    language: Annotated[Literal["ru", "en"] | None, Query()] = None,
) -> Response:
    # Imported here: WeasyPrint is heavy, and only this route needs it.
    from app.exports.pdf import render_report_pdf
    from app.reports.build import build_report

    invitation, _candidate = service.get_candidate(session, candidate_id)
    if invitation.completed_at is None:
        raise ApiProblem(
            409,
            title="Report not ready",
            detail=f"Candidate {candidate_id} has not completed the assessment yet.",
            kind="report-not-ready",
        )
    lang = language or request.app.state.settings.default_language
    report = build_report(session, invitation_id=candidate_id, language=lang)
    pdf = render_report_pdf(report)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="report-{candidate_id}.pdf"'},
    )


@router.post("/deals", responses=WRITE, summary="Import deals from a CRM, idempotent by deal id")
def import_crm_deals(session: SessionDep, audit: KeyAudit, body: DealsIn) -> DealsImported:
    from app.outcomes.crm import DealRow, Outcome
    from app.outcomes.service import store_deals

    errors = [
        FieldError(field=f"deals[{i}].closed_on", message="a won or lost deal needs a close date")
        for i, d in enumerate(body.deals)
        if d.outcome != "open" and d.closed_on is None
    ]
    if errors:
        raise invalid(errors)
    # The same id twice in one batch: the later one counts, as it would in a later batch.
    last = {d.crm_id: i for i, d in enumerate(body.deals)}
    rows = [
        DealRow(
            row=i + 1,
            deal_id=d.crm_id,
            responsible=d.responsible,
            amount=d.amount,
            stage=d.stage,
            outcome=Outcome(d.outcome),
            qualified=d.qualified or d.outcome == "won",
            company=d.company,
            created=d.created_on,
            closed=d.closed_on,
            products=tuple(d.products),
        )
        for i, d in enumerate(body.deals)
        if last[d.crm_id] == i
    ]
    summary = store_deals(session, rows=rows, source=body.source)
    audit("deals.import", object_type="deals", details=summary.audit_details(body.source))
    return DealsImported(
        created=summary.created,
        updated=summary.updated,
        unchanged=summary.unchanged,
        unmatched=summary.unmatched,
    )
