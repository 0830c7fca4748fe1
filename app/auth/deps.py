"""Who is asking: the staff user behind the session cookie, and CSRF on staff forms."""

from __future__ import annotations

import secrets
import time
from typing import Annotated

from fastapi import Depends, Request

from app.db import SessionDep
from app.models import User
from app.security.hashes import new_csrf_token, same_token
from app.web.errors import CsrfFailed, LoginRequired

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


SESSION_KEYS = ("uid", "sv", "iat", "seen", "sid")
# Sessions ended by logout, by session id, in the shared rate-limit store (the database table
# or Redis): a cookie copied before the logout is refused by every instance. Kept as long as
# a session can live; staff requests only, candidate routes never read it.
ENDED = "session-ended"
# "seen" is rewritten at most this often, so most responses do not re-sign the cookie.
SEEN_REFRESH_SECONDS = 300


def start_session(request: Request, user: User) -> None:
    """A fresh session on login: nothing chosen before login carries over (session fixation)."""
    now = int(time.time())
    request.session.clear()
    request.session.update(
        {
            "uid": user.id,
            "sv": user.session_version,
            "iat": now,
            "seen": now,
            "sid": secrets.token_urlsafe(16),
            "csrf": new_csrf_token(),
        }
    )


def _expired(request: Request, now: int) -> bool:
    """Past the absolute lifetime (SESSION_HOURS) or idle for longer than SESSION_IDLE_MINUTES.

    The signed cookie's own max-age is renewed with every response, so it cannot end a session
    that keeps being used: the login time inside the cookie does.
    """
    settings = request.app.state.settings
    iat, seen = request.session.get("iat"), request.session.get("seen")
    if not isinstance(iat, int) or not isinstance(seen, int):
        return True
    return (
        now - iat > settings.session_hours * 3600 or now - seen > settings.session_idle_minutes * 60
    )


def _ended(request: Request) -> bool:
    sid = request.session.get("sid")
    if not isinstance(sid, str):
        return True  # a session from before session ids: logged in again once
    return request.app.state.limiter.locked_for(bucket=ENDED, key=sid) > 0


def end_session(request: Request) -> None:
    """Logout: this session id is refused from now on, wherever its cookie was copied to."""
    sid = request.session.get("sid")
    if isinstance(sid, str):
        hours = request.app.state.settings.session_hours
        request.app.state.limiter.lock(bucket=ENDED, key=sid, seconds=hours * 3600 + 60)
    request.session.clear()


def optional_user(request: Request, session: SessionDep) -> User | None:
    uid = request.session.get("uid")
    if not isinstance(uid, int):
        return None
    now = int(time.time())
    user = session.get(User, uid)
    if (
        user is None
        or not user.is_active
        or user.session_version != request.session.get("sv")
        or _expired(request, now)
        or _ended(request)
    ):
        for key in SESSION_KEYS:
            request.session.pop(key, None)
        return None
    if now - int(request.session["seen"]) > SEEN_REFRESH_SECONDS:
        request.session["seen"] = now
    request.state.user = user
    return user


def require_staff(user: Annotated[User | None, Depends(optional_user)]) -> User:
    """Router dependency for staff pages. Fine-grained permissions by role come later."""
    if user is None:
        raise LoginRequired
    return user


StaffUser = Annotated[User, Depends(require_staff)]
