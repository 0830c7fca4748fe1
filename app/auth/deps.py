"""Who is asking: the staff user behind the session cookie, and CSRF on staff forms."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.auth.security import new_csrf_token, same_token
from app.db import SessionDep
from app.errors import CsrfFailed, LoginRequired
from app.models import User

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def ensure_csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = new_csrf_token()
        request.session["csrf"] = token
    return str(token)


async def csrf_protect(request: Request) -> None:
    """Router dependency: every state-changing request must echo the session's CSRF token."""
    ensure_csrf_token(request)
    if request.method not in UNSAFE_METHODS:
        return
    form = await request.form()
    sent = form.get("csrf_token")
    if not same_token(request.session.get("csrf"), sent if isinstance(sent, str) else None):
        raise CsrfFailed


def optional_user(request: Request, session: SessionDep) -> User | None:
    uid = request.session.get("uid")
    if not isinstance(uid, int):
        return None
    user = session.get(User, uid)
    if user is None or not user.is_active or user.session_version != request.session.get("sv"):
        request.session.pop("uid", None)
        return None
    request.state.user = user
    return user


def require_staff(user: Annotated[User | None, Depends(optional_user)]) -> User:
    """Router dependency for staff pages. Fine-grained permissions by role come later."""
    if user is None:
        raise LoginRequired
    return user


StaffUser = Annotated[User, Depends(require_staff)]
