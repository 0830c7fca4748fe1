"""The organisation's page and its texts (administrators), and the logo (public: candidates'
pages show it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from app.auth.deps import StaffAudit, StaffUser
from app.auth.permissions import staff_router
from app.config import LANGUAGES
from app.db import SessionDep, UnitOfWork
from app.i18n import N_
from app.organisation.service import (
    KINDS,
    LOGO_MAX_BYTES,
    PLACEHOLDERS,
    current_text,
    organisation,
    save_organisation,
    save_text,
    text_versions,
)
from app.web import render
from app.web.forms import FormErrors

router = staff_router("settings.edit")
public_router = APIRouter(route_class=UnitOfWork)
NOTICE = "organisation_notice"


def _page(
    request: Request,
    session: SessionDep,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    org = organisation(session)
    settings = request.app.state.settings
    if values is None:
        values = {
            "name": org.name if org else "",
            "legal_entity": org.legal_entity if org else "",
            "address": org.address if org else "",
            "contact_email": org.contact_email if org else "",
            "sender_name": org.sender_name if org else "",
            "reply_to": org.reply_to if org else "",
        }
    texts = [
        current_text(session, settings, kind=kind, language=lang)
        for kind in KINDS
        for lang in LANGUAGES
    ]
    ctx = {
        "org": org,
        "values": values,
        "errors": errors or {},
        "texts": texts,
        "notice": request.session.pop(NOTICE, None),
    }
    return render(request, "staff/organisation.html", ctx, status_code=status_code)


@router.get("/admin/organisation")
def organisation_page(request: Request, session: SessionDep) -> Response:
    return _page(request, session)


@router.post("/admin/organisation")
async def organisation_save(
    request: Request, session: SessionDep, audit: StaffAudit, user: StaffUser
) -> Response:
    form = await request.form()
    values = {
        k: str(form.get(k) or "")[:1000]
        for k in ("name", "legal_entity", "address", "contact_email", "sender_name", "reply_to")
    }
    upload = form.get("logo")
    logo = None
    if isinstance(upload, UploadFile):
        try:
            if upload.filename:
                logo = await upload.read(LOGO_MAX_BYTES + 1)
        finally:
            await upload.close()
    try:
        org, changed = save_organisation(
            session,
            name=values["name"],
            legal_entity=values["legal_entity"],
            address=values["address"],
            contact_email=values["contact_email"],
            sender_name=values["sender_name"],
            reply_to=values["reply_to"],
            logo=logo,
            remove_logo=form.get("remove_logo") == "yes",
            actor=user,
        )
    except FormErrors as exc:
        return _page(request, session, values=values, errors=exc.errors, status_code=422)
    if changed:
        audit("organisation.update", org, details={"fields": changed})
    request.app.state.organisation_set = True
    request.session[NOTICE] = N_("The organisation is saved.")
    return RedirectResponse("/admin/organisation", status_code=303)


def _text_page(
    request: Request,
    session: SessionDep,
    kind: str,
    language: str,
    *,
    body: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    settings = request.app.state.settings
    text = current_text(session, settings, kind=kind, language=language)
    ctx = {
        "kind": kind,
        "language": language,
        "text": text,
        "body": text.body if body is None else body,
        "error": error,
        "placeholders": PLACEHOLDERS[kind],
        "versions": text_versions(session, kind=kind, language=language),
        "notice": request.session.pop(NOTICE, None),
    }
    return render(request, "staff/organisation_text.html", ctx, status_code=status_code)


def _known(kind: str, language: str) -> None:
    if kind not in KINDS or language not in LANGUAGES:
        raise HTTPException(status_code=404)


@router.get("/admin/texts/{kind}/{language}")
def text_page(request: Request, session: SessionDep, kind: str, language: str) -> Response:
    _known(kind, language)
    return _text_page(request, session, kind, language)


@router.post("/admin/texts/{kind}/{language}")
def text_save(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    user: StaffUser,
    kind: str,
    language: str,
    body: Annotated[str, Form(max_length=40_000)] = "",
) -> Response:
    _known(kind, language)
    settings = request.app.state.settings
    try:
        row = save_text(session, settings, kind=kind, language=language, body=body, actor=user)
    except FormErrors as exc:
        return _text_page(
            request, session, kind, language, body=body, error=exc.errors["body"], status_code=422
        )
    if row is None:
        request.session[NOTICE] = N_("Nothing changed: this is the text in force already.")
    else:
        audit(
            "text.update",
            object_type="text",
            object_id=f"{kind}.{language}.{row.version}",
            details={"kind": kind, "language": language, "version": row.version},
        )
        request.session[NOTICE] = N_("Saved as a new version; it is in force from now on.")
    return RedirectResponse(f"/admin/texts/{kind}/{language}", status_code=303)


@public_router.get("/organisation/logo")
def logo(session: SessionDep) -> Response:
    org = organisation(session)
    if org is None or org.logo is None or org.logo_type is None:
        raise HTTPException(status_code=404)
    return Response(
        org.logo, media_type=org.logo_type, headers={"Cache-Control": "public, max-age=300"}
    )
