"""Who is asking: the staff user behind the session cookie, and CSRF on staff forms."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import update
from sqlmodel import Session, col

from app.audit.service import Audit
from app.auth.service import end_sessions, forget_dead_sessions, open_session, session_key
from app.db import SessionDep, utcnow
from app.models import StaffSession, User
from app.security.hashes import new_csrf_token, same_token
from app.security.ratelimit import client_address
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
# "seen" (and the session's row) is rewritten at most this often, so most responses neither
# re-sign the cookie nor write to the database.
SEEN_REFRESH_SECONDS = 300


def start_session(request: Request, session: Session, user: User) -> None:
    """A fresh session on login: nothing chosen before login carries over (session fixation).

    The session's row (``StaffSession``) is what keeps it alive: logout deletes it, so a
    cookie copied before is refused by every instance.
    """
    now = int(time.time())
    sid = secrets.token_urlsafe(16)
    request.session.clear()
    request.session.update(
        {
            "uid": user.id,
            "sv": user.session_version,
            "iat": now,
            "seen": now,
            "sid": sid,
            "csrf": new_csrf_token(),
        }
    )
    settings = request.app.state.settings
    forget_dead_sessions(session, now=utcnow(), hours=settings.session_hours)
    open_session(
        session,
        user=user,
        sid=sid,
        address=client_address(request.scope),
        user_agent=request.headers.get("user-agent", ""),
        now=utcnow(),
    )


def current_session_key(request: Request) -> str | None:
    sid = request.session.get("sid")
    return session_key(sid) if isinstance(sid, str) else None


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


def end_session(request: Request, session: Session) -> None:
    """Logout: this session's row goes, so its cookie is refused wherever it was copied to."""
    key = current_session_key(request)
    uid = request.session.get("uid")
    if key is not None and isinstance(uid, int):
        end_sessions(session, user_id=uid, key=key)
    request.session.clear()


def _touch(request: Request, key: str, now: int) -> None:
    """Moves the session's "last seen" forward, in its own short transaction: a page that
    only reads commits nothing, and this must not wait for it."""
    with request.app.state.engine.begin() as conn:
        conn.execute(
            update(StaffSession)
            .where(col(StaffSession.id) == key)
            .values(last_seen_at=datetime.fromtimestamp(now, UTC))
        )


def optional_user(request: Request, session: SessionDep) -> User | None:
    uid = request.session.get("uid")
    if not isinstance(uid, int):
        return None
    now = int(time.time())
    key = current_session_key(request)
    user = session.get(User, uid)
    live = key is not None and session.get(StaffSession, key) is not None
    if (
        user is None
        or not live
        or not user.is_active
        or user.session_version != request.session.get("sv")
        or _expired(request, now)
    ):
        for name in SESSION_KEYS:
            request.session.pop(name, None)
        return None
    if now - int(request.session["seen"]) > SEEN_REFRESH_SECONDS:
        request.session["seen"] = now
        _touch(request, str(key), now)
    request.state.user = user
    return user


def require_staff(user: Annotated[User | None, Depends(optional_user)]) -> User:
    """Router dependency for staff pages. Fine-grained permissions by role come later."""
    if user is None:
        raise LoginRequired
    return user


StaffUser = Annotated[User, Depends(require_staff)]


async def staff_audit(request: Request, session: SessionDep, user: StaffUser) -> Audit:
    """The audit log of a staff request: this user, this address, the request's session."""
    return Audit(session, actor=user, request=request)


StaffAudit = Annotated[Audit, Depends(staff_audit)]
