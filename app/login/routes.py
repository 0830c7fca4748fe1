from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import Session, select

from app.audit.service import Audit
from app.auth.deps import (
    StaffAudit,
    StaffUser,
    csrf_protect,
    current_session_key,
    end_session,
    optional_user,
    start_session,
)
from app.auth.service import (
    WrongPassword,
    authenticate,
    change_password,
    end_sessions,
    live_sessions,
    log_out_everywhere,
    normalize_email,
)
from app.db import SessionDep, UnitOfWork, keep_on_error
from app.i18n import N_
from app.models import User
from app.security.passwords import WeakPassword
from app.security.ratelimit import client_address
from app.security.throttle import login_failed, login_succeeded, wait_for
from app.web import gettext_for, render

router = APIRouter(route_class=UnitOfWork, dependencies=[Depends(csrf_protect)])


def _safe_next(target: str | None) -> str:
    # Only local paths: an absolute or protocol-relative URL would be an open redirect.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/vacancies"


@router.get("/login")
def login_form(
    request: Request, user: Annotated[User | None, Depends(optional_user)], next: str = ""
) -> Response:
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, LoginForm(next=next))


class LoginForm(BaseModel):
    email: str = Field("", max_length=254)
    password: str = Field("", max_length=1024)
    next: str = Field("", max_length=2000)


def _login_page(
    request: Request, form: LoginForm, error: str | None = None, status_code: int = 200
) -> Response:
    """The login page, keeping the email typed and the page to go to next (never the password)."""
    ctx = {"next": form.next, "email": form.email, "error": error}
    return render(request, "staff/login.html", ctx, status_code=status_code)


@router.post("/login")
def login(request: Request, session: SessionDep, form: Annotated[LoginForm, Form()]) -> Response:
    limiter = request.app.state.limiter
    address = client_address(request.scope)
    _ = gettext_for(request)
    # This address failed on this account a moment ago: the password is not even checked
    # until the short wait is over. Other addresses, the real user's included, are not slowed.
    wait = wait_for(limiter, email=form.email, address=address)
    if wait:
        return _slowed(request, form, seconds=wait)
    user = authenticate(session, email=form.email, password=form.password)
    if user is None:
        settings = request.app.state.settings
        delay = login_failed(limiter, settings, email=form.email, address=address)
        if delay == 1:  # the first slowdown of this pair is audited, not every later one
            known = session.exec(
                select(User).where(User.email == normalize_email(form.email))
            ).first()
            if known is not None:  # an unknown email is not logged: it may be anything typed
                Audit(session, actor=known, request=request)(
                    "user.login_locked", known, details={"seconds": delay}
                )
                # The answer is a refusal (429), whose writes are rolled back by default.
                keep_on_error(request)
        if delay:
            return _slowed(request, form, seconds=delay)
        return _login_page(request, form, _("Wrong email or password."), status_code=401)
    # Before the session's first write: the limiter writes in a transaction of its own, which
    # on SQLite would wait for this request's, committed only after the handler returns.
    login_succeeded(limiter, email=form.email, address=address)
    start_session(request, session, user)
    return RedirectResponse(_safe_next(form.next), status_code=303)


def _slowed(request: Request, form: LoginForm, *, seconds: int) -> Response:
    _ = gettext_for(request)
    error = _(
        "Wrong email or password, several times from this address. "
        "Wait %(seconds)s s before the next try."
    ) % {"seconds": seconds}
    response = _login_page(request, form, error, status_code=429)
    response.headers["Retry-After"] = str(seconds)
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> Response:
    end_session(request, session)
    return RedirectResponse("/login", status_code=303)


@router.post("/logout-everywhere")
def logout_everywhere(request: Request, session: SessionDep, user: StaffUser) -> Response:
    """Ends every session of this user, on every device (the session version goes up)."""
    log_out_everywhere(session, user=user)
    end_session(request, session)
    return RedirectResponse("/login", status_code=303)


def _account(request: Request, session: Session, user: User, **ctx: object) -> dict[str, object]:
    return {
        "errors": {},
        "saved": False,
        "ended": False,
        "sessions": live_sessions(session, user_id=user.id),
        "this_session": current_session_key(request),
        **ctx,
    }


@router.get("/account")
def account(
    request: Request, session: SessionDep, user: StaffUser, saved: str = "", ended: str = ""
) -> Response:
    ctx = _account(request, session, user, saved=saved == "1", ended=ended == "1")
    return render(request, "staff/account.html", ctx)


@router.post("/account/sessions/{key}/end")
def account_session_end(
    request: Request, session: SessionDep, audit: StaffAudit, user: StaffUser, key: str
) -> Response:
    """Ends one of the user's other sessions (a forgotten login on another computer)."""
    if key == current_session_key(request):
        end_session(request, session)
        return RedirectResponse("/login", status_code=303)
    if end_sessions(session, user_id=user.id, key=key):
        audit("user.session_end", user)
    return RedirectResponse("/account?ended=1", status_code=303)


class PasswordChange(BaseModel):
    current: str = Field("", max_length=1024)
    new: str = Field("", max_length=1024)
    confirm: str = Field("", max_length=1024)


@router.post("/account/password")
def password_change(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    user: StaffUser,
    form: Annotated[PasswordChange, Form()],
) -> Response:
    errors: dict[str, str] = {}
    if form.new != form.confirm:
        errors["confirm"] = N_("The two new passwords differ.")
    else:
        try:
            change_password(session, user=user, current=form.current, new=form.new)
        except WrongPassword:
            errors["current"] = N_("The current password is wrong.")
        except WeakPassword as exc:
            errors["new"] = exc.message
    if errors:
        session.rollback()
        ctx = _account(request, session, user, errors=errors)
        return render(request, "staff/account.html", ctx, status_code=400)
    audit("user.password_change", user)
    # This browser stays logged in with the new session version; every other one is out.
    start_session(request, session, user)
    return RedirectResponse("/account?saved=1", status_code=303)
