"""Staff pages for invitations (actions, bulk upload, the email queue and the outbox) and the
public registration page of a vacancy's open link."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select
from starlette.datastructures import UploadFile

from app.auth.deps import StaffAudit, StaffUser
from app.auth.permissions import invitation_for, require_action, staff_router, vacancy_for
from app.config import LANGUAGES
from app.db import SessionDep, UnitOfWork, utcnow
from app.i18n import N_
from app.invitations import pending_imports
from app.invitations.mailer import retry_now
from app.invitations.service import (
    BULK_MAX_BYTES,
    ActionRefused,
    VacancyClosed,
    bulk_invite,
    ensure_open,
    extend,
    open_vacancy,
    plan_import,
    register_open,
    remind,
    resend,
    revoke,
    set_open_link,
    set_vacancy_options,
)
from app.mail.transport import find_outbox, list_outbox, read_outbox
from app.models import (
    Candidate,
    EmailStatus,
    Invitation,
    Organisation,
    OutgoingEmail,
    Vacancy,
)
from app.organisation.service import Brand, consent_for, organisation
from app.web import render
from app.web.errors import LinkProblem
from app.web.forms import FormErrors
from questionnaires.timing import questionnaire_minutes

router = staff_router()
public_router = APIRouter(route_class=UnitOfWork)

NOTICE = "invitation_notice"

# Permissions (app/auth/permissions.py): recruiters' work on a vacancy they may see.
ManagedInvitation = Annotated[Invitation, Depends(invitation_for("invitation.manage"))]
EditableVacancy = Annotated[Vacancy, Depends(vacancy_for("vacancy.edit"))]
InvitingVacancy = Annotated[Vacancy, Depends(vacancy_for("invitation.create"))]


def vacancy_extras(request: Request, session: Session, vacancy: Vacancy) -> dict[str, Any]:
    """What the vacancy page shows of this area: options, open link, notices, email states."""
    assert vacancy.id is not None
    emails = session.exec(
        select(OutgoingEmail)
        .join(Invitation, col(Invitation.id) == col(OutgoingEmail.invitation_id))
        .where(Invitation.vacancy_id == vacancy.id)
        .order_by(col(OutgoingEmail.id))
    ).all()
    last_email = {e.invitation_id: e for e in emails}
    settings = request.app.state.settings
    return {
        "notice": request.session.pop(NOTICE, None),
        "last_email": last_email,
        "catalog": request.app.state.questionnaires,
        "q_minutes": {
            qid: questionnaire_minutes(q) for qid, q in request.app.state.questionnaires.items()
        },
        "open_link": f"{settings.base_url}/join/{vacancy.open_token}"
        if vacancy.open_token
        else None,
    }


def notice(request: Request, message: str, *, error: bool = False, **values: Any) -> None:
    request.session[NOTICE] = {"message": message, "error": error, "values": values}


def _back(invitation: Invitation) -> Response:
    return RedirectResponse(
        f"/vacancies/{invitation.vacancy_id}#inv-{invitation.id}", status_code=303
    )


def _refused(
    request: Request, session: Session, invitation: Invitation, exc: ActionRefused
) -> Response:
    # Answered with a redirect, which the unit of work would commit: what the service wrote
    # before it refused (a new link before "no organisation") must not stay.
    session.rollback()
    notice(request, exc.message, error=True)
    return _back(invitation)


def _told(
    request: Request, session: Session, invitation: Invitation, message: str, **values: Any
) -> Response:
    """Back to the vacancy page, with ``message`` about the candidate (``%(name)s``) on it."""
    notice(request, message, name=_name(session, invitation), **values)
    return _back(invitation)


def _name(session: Session, invitation: Invitation) -> str:
    candidate = session.get(Candidate, invitation.candidate_id)
    return candidate.name if candidate else ""


def _revoke_page(
    request: Request, session: Session, invitation: Invitation, status_code: int = 200
) -> Response:
    ctx = {
        "invitation": invitation,
        "name": _name(session, invitation),
        "vacancy": session.get(Vacancy, invitation.vacancy_id),
    }
    return render(request, "staff/invitation_revoke.html", ctx, status_code=status_code)


@router.get("/invitations/{invitation_id}/revoke")
def revoke_confirm(
    request: Request, session: SessionDep, invitation: ManagedInvitation
) -> Response:
    """The question before a withdrawal: a link withdrawn by a slip of the mouse stops a
    candidate mid-assessment."""
    return _revoke_page(request, session, invitation)


@router.post("/invitations/{invitation_id}/revoke")
def revoke_invitation(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    invitation: ManagedInvitation,
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    # Without the confirmation page's field (an old form, a hand-made request) nothing is
    # withdrawn: the question is asked first.
    if confirm != "yes":
        return _revoke_page(request, session, invitation)
    if invitation.revoked_at is not None:
        # A second click on the confirmation: already done, so neither written nor audited.
        return _told(request, session, invitation, N_("The link of %(name)s was withdrawn."))
    try:
        revoke(session, invitation=invitation)
    except ActionRefused as exc:
        return _refused(request, session, invitation, exc)
    audit("invitation.revoke", invitation)
    return _told(request, session, invitation, N_("The link of %(name)s was withdrawn."))


@router.post("/invitations/{invitation_id}/resend")
def resend_invitation(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    user: StaffUser,
    invitation: ManagedInvitation,
) -> Response:
    try:
        link = resend(
            session, settings=request.app.state.settings, invitation=invitation, created_by=user
        )
    except ActionRefused as exc:
        return _refused(request, session, invitation, exc)
    audit("invitation.resend", invitation)
    request.session["new_link"] = {
        "vacancy_id": invitation.vacancy_id,
        "name": _name(session, invitation),
        "url": link,
    }
    return _back(invitation)


@router.post("/invitations/{invitation_id}/extend")
def extend_invitation(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    invitation: ManagedInvitation,
    days: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    try:
        extend(session, invitation=invitation, days=int(days) if days.isdecimal() else 0)
    except ActionRefused as exc:
        return _refused(request, session, invitation, exc)
    audit("invitation.extend", invitation)
    return _told(
        request,
        session,
        invitation,
        N_("The link of %(name)s now works until %(date)s."),
        date=invitation.expires_at.strftime("%Y-%m-%d %H:%M UTC"),
    )


@router.post("/invitations/{invitation_id}/remind")
def remind_invitation(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    user: StaffUser,
    invitation: ManagedInvitation,
) -> Response:
    try:
        remind(session, settings=request.app.state.settings, invitation=invitation, created_by=user)
    except ActionRefused as exc:
        return _refused(request, session, invitation, exc)
    audit("invitation.remind", invitation)
    return _told(request, session, invitation, N_("A reminder to %(name)s is on its way."))


@router.post("/vacancies/{vacancy_id}/options")
async def vacancy_options(
    request: Request, session: SessionDep, vacancy: EditableVacancy
) -> Response:
    form = await request.form()
    chosen = [str(v) for v in form.getlist("questionnaires")]
    try:
        set_vacancy_options(
            session,
            vacancy=vacancy,
            questionnaire_ids=chosen,
            available=list(request.app.state.questionnaires),
            feedback_enabled=form.get("feedback") == "on",
        )
    except FormErrors as exc:
        notice(request, exc.errors["questionnaires"], error=True)
        return RedirectResponse(f"/vacancies/{vacancy.id}#options", status_code=303)
    notice(request, N_("The vacancy's settings were saved."))
    return RedirectResponse(f"/vacancies/{vacancy.id}#options", status_code=303)


@router.post("/vacancies/{vacancy_id}/open-link")
def open_link(
    request: Request,
    session: SessionDep,
    vacancy: EditableVacancy,
    enabled: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    set_open_link(session, vacancy=vacancy, enabled=enabled == "on")
    notice(
        request,
        N_("The open link is on.") if vacancy.open_token else N_("The open link is off."),
    )
    return RedirectResponse(f"/vacancies/{vacancy.id}#open-link", status_code=303)


def _import_page(
    request: Request, vacancy: Vacancy, ctx: dict[str, Any], status_code: int = 200
) -> Response:
    base = {
        "vacancy": vacancy,
        "report": None,
        "plan": None,
        "gone": False,
        "failed": None,
        "max_kb": BULK_MAX_BYTES // 1000,
    }
    return render(request, "staff/invitation_import.html", base | ctx, status_code=status_code)


@router.get("/vacancies/{vacancy_id}/import")
def import_form(request: Request, vacancy: InvitingVacancy) -> Response:
    return _import_page(request, vacancy, {})


@router.post("/vacancies/{vacancy_id}/import")
async def import_upload(
    request: Request, session: SessionDep, vacancy: InvitingVacancy
) -> Response:
    """Step one: read the file and show what confirming it would do. Nothing is created or
    sent; the file waits (in DATA_DIR/imports, readable by the server only) for the confirm."""
    form = await request.form()
    upload = form.get("file")
    if vacancy.is_closed:
        if isinstance(upload, UploadFile):
            await upload.close()
        return _import_page(request, vacancy, {}, 409)  # the page says it is closed
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _import_page(request, vacancy, {"missing_file": True}, 422)
    try:
        # One byte past the limit is enough for the parser to refuse the file by its size.
        data = await upload.read(BULK_MAX_BYTES + 1)
    finally:
        await upload.close()
    plan = plan_import(session, vacancy=vacancy, data=data)
    if plan.error is not None:
        return _import_page(request, vacancy, {"report": plan}, 422)
    upload_id = pending_imports.store(request.app.state.settings, vacancy_id=vacancy.id, data=data)
    return _import_page(request, vacancy, {"plan": plan, "upload_id": upload_id})


@router.post("/vacancies/{vacancy_id}/import/confirm")
def import_confirm(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    user: StaffUser,
    vacancy: InvitingVacancy,
    upload: Annotated[str, Form(max_length=100)] = "",
    known: Annotated[str, Form(max_length=16)] = "skip",
) -> Response:
    """Step two: invite the new people (and remind the known ones, if asked). The stored file
    is taken once: a second confirmation (a double click, the back button) finds nothing."""
    settings = request.app.state.settings
    if vacancy.is_closed:
        # Closed after the preview: the file stays, to be confirmed if the vacancy reopens.
        return _import_page(request, vacancy, {}, 409)
    data = pending_imports.take(settings, vacancy_id=vacancy.id, upload_id=upload)
    if data is None:
        return _import_page(request, vacancy, {"gone": True}, 409)
    try:
        report = bulk_invite(
            session,
            settings=settings,
            vacancy=vacancy,
            data=data,
            created_by=user,
            remind_known=known == "remind",
        )
    except FormErrors as exc:  # no organisation yet: emails cannot go out in its name
        session.rollback()
        return _import_page(request, vacancy, {"failed": next(iter(exc.errors.values()))}, 409)
    if report.error is not None:
        session.rollback()
        return _import_page(request, vacancy, {"report": report}, 422)
    # Counts only: the rows themselves are personal data.
    audit(
        "invitation.import",
        vacancy,
        details={
            "created": len(report.created),
            "rejected": len(report.rejected),
            "skipped": report.skipped,
            "reminded": report.reminded,
        },
    )
    return _import_page(request, vacancy, {"report": report})


@router.get("/outbox", dependencies=[Depends(require_action("settings.edit"))])
def outbox(request: Request) -> Response:
    settings = request.app.state.settings
    ctx = {
        "entries": list_outbox(settings.outbox_path),
        "smtp": bool(settings.smtp_host),
        "folder": str(settings.outbox_path),
    }
    return render(request, "staff/outbox.html", ctx)


@router.get("/outbox/{name}", dependencies=[Depends(require_action("settings.edit"))])
def outbox_message(request: Request, name: str) -> Response:
    path = find_outbox(request.app.state.settings.outbox_path, name)
    if path is None:
        raise HTTPException(status_code=404)
    try:
        message = read_outbox(path)
    except OSError:
        raise HTTPException(status_code=404) from None
    return render(request, "staff/outbox_message.html", {"message": message})


@router.get("/emails", dependencies=[Depends(require_action("invitation.manage"))])
def emails(request: Request, session: SessionDep) -> Response:
    rows = session.exec(
        select(OutgoingEmail).order_by(col(OutgoingEmail.id).desc()).limit(200)
    ).all()
    failed = [r for r in rows if r.status == EmailStatus.failed]
    waiting = [r for r in rows if r.status in (EmailStatus.queued, EmailStatus.sending)]
    done = [r for r in rows if r.status in (EmailStatus.sent, EmailStatus.outboxed)]
    ctx = {"failed": failed, "waiting": waiting, "done": done[:50], "notice": None}
    ctx["notice"] = request.session.pop(NOTICE, None)
    return render(request, "staff/outbox_queue.html", ctx)


@router.post(
    "/emails/{email_id}/retry", dependencies=[Depends(require_action("invitation.manage"))]
)
def retry_email(request: Request, session: SessionDep, email_id: int) -> Response:
    row = session.get(OutgoingEmail, email_id)
    if row is None:
        raise HTTPException(status_code=404)
    retry_now(session, email=row)
    notice(request, N_("The email to %(email)s will be sent again shortly."), email=row.to_email)
    return RedirectResponse("/emails", status_code=303)


# --- the open link: public -------------------------------------------------------------------


def _join_language(request: Request, vacancy: Vacancy, asked: str | None = None) -> str:
    lang = asked or request.query_params.get("lang")
    return lang if lang in LANGUAGES else vacancy.language


def _join_page(
    request: Request,
    session: SessionDep,
    vacancy: Vacancy,
    token: str,
    lang: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    registered: bool = False,
    status_code: int = 200,
) -> Response:
    org = _join_organisation(session, lang)
    consent = consent_for(session, request.app.state.settings, org=org, language=lang)
    ctx = {
        "vacancy": vacancy,
        "token": token,
        "values": values or {"name": "", "email": ""},
        "errors": errors or {},
        "registered": registered,
        "consent": consent.paragraphs,
        "consent_version": consent.label,
        "company": org.name,
        "brand": Brand(org.name, org.logo is not None),
    }
    return render(request, "candidate/join.html", ctx, lang=lang, status_code=status_code)


def _joinable(
    request: Request, session: SessionDep, token: str, lang: str | None = None
) -> Vacancy:
    """The vacancy behind an open link, open to registrations (else the page that says why)."""
    vacancy = open_vacancy(session, token=token)
    if vacancy is None:
        raise HTTPException(status_code=404)
    try:
        ensure_open(vacancy)
    except VacancyClosed:
        problem = LinkProblem("vacancy_closed", lang=_join_language(request, vacancy, lang))
        # Nobody invited this visitor: the employer's own address for questions.
        org = organisation(session)
        problem.contact = org.contact_email if org is not None else None
        raise problem from None
    return vacancy


def _join_organisation(session: SessionDep, lang: str) -> Organisation:
    """The open link registers nobody before an organisation (the operator) is set."""
    org = organisation(session)
    if org is None:
        raise LinkProblem("no_organisation", lang=lang)
    return org


@public_router.get("/join/{token}")
def join(request: Request, session: SessionDep, token: str) -> Response:
    vacancy = _joinable(request, session, token)
    return _join_page(request, session, vacancy, token, _join_language(request, vacancy))


@public_router.post("/join/{token}")
def join_register(
    request: Request,
    session: SessionDep,
    token: str,
    name: Annotated[str, Form(max_length=1000)] = "",
    email: Annotated[str, Form(max_length=1000)] = "",
    language: Annotated[str, Form(max_length=8)] = "",
    consent: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    vacancy = _joinable(request, session, token, language)
    lang = _join_language(request, vacancy, language)
    settings = request.app.state.settings
    org = _join_organisation(session, lang)
    try:
        outcome = register_open(
            session,
            settings=settings,
            vacancy=vacancy,
            name=name,
            email=email,
            language=lang,
            consent=consent == "yes",
            consent_version=consent_for(session, settings, org=org, language=lang).label,
            now=utcnow(),
        )
    except FormErrors as exc:
        values = {"name": name, "email": email}
        return _join_page(
            request,
            session,
            vacancy,
            token,
            lang,
            values=values,
            errors=exc.errors,
            status_code=422,
        )
    if outcome.link is None:
        return _join_page(request, session, vacancy, token, lang, registered=True)
    return RedirectResponse(outcome.link.removeprefix(settings.base_url), status_code=303)
