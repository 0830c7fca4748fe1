from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.auth.deps import csrf_protect, optional_user
from app.auth.security import new_csrf_token
from app.auth.service import authenticate
from app.db import SessionDep
from app.models import User
from app.web import gettext_for, render

router = APIRouter(dependencies=[Depends(csrf_protect)])


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
    return render(request, "staff/login.html", {"next": next, "email": "", "error": None})


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    user = authenticate(session, email=email, password=password)
    if user is None:
        _ = gettext_for(request)
        error = _("Wrong email or password.")
        ctx = {"next": next, "email": email, "error": error}
        return render(request, "staff/login.html", ctx, status_code=401)
    session.commit()
    # A fresh session on login: nothing chosen before login carries over (session fixation).
    request.session.clear()
    request.session.update({"uid": user.id, "sv": user.session_version, "csrf": new_csrf_token()})
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
