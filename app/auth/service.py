"""Staff users: creation and password login."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.db import utcnow
from app.models import Role, StaffSession, User
from app.security.hashes import hash_password, verify_password
from app.security.passwords import check_password


class UserExists(Exception):
    pass


class WrongPassword(Exception):
    """The current password given to confirm a change is not the user's."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def create_user(
    session: Session, *, email: str, password: str, role: Role, full_name: str = ""
) -> User:
    email = normalize_email(email)
    if session.exec(select(User).where(User.email == email)).first() is not None:
        raise UserExists(email)
    check_password(password, email=email, name=full_name)
    user = User(
        email=email, password_hash=hash_password(password), role=role.value, full_name=full_name
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """The active user with this email and password, else None (whichever part was wrong)."""
    user = session.exec(select(User).where(User.email == normalize_email(email))).first()
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        return None
    user.last_login_at = utcnow()
    session.add(user)
    return user


def change_password(session: Session, *, user: User, current: str, new: str) -> None:
    """Set a new password; raises ``WrongPassword`` or ``WeakPassword`` (nothing changed).

    The session version goes up, so every other browser logged in as this user is logged out.
    """
    if not verify_password(user.password_hash, current):
        raise WrongPassword
    check_password(new, email=user.email, name=user.full_name)
    user.password_hash = hash_password(new)
    user.session_version += 1
    session.add(user)
    end_sessions(session, user_id=user.id)


def log_out_everywhere(session: Session, *, user: User) -> None:
    user.session_version += 1
    session.add(user)
    end_sessions(session, user_id=user.id)


# --- staff sessions (the account page lists them) ---------------------------------------------

# Order matters: Edge, Opera and Yandex Browser also say "Chrome", Chrome also says "Safari".
_BROWSERS = (
    ("Edg/", "Edge"),
    ("YaBrowser/", "Yandex Browser"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def browser_summary(user_agent: str) -> str:
    """ "Firefox, Windows": enough for a person to recognise their device, nothing more."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), "")
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), "")
    summary = ", ".join(part for part in (browser, system) if part)
    # Anything else (a script, a bot) is shown by its first word, clipped.
    return summary or re.sub(r"[^\w./-]", "", user_agent.split(" ")[0])[:40]


def session_key(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def open_session(
    session: Session, *, user: User, sid: str, address: str, user_agent: str, now: datetime
) -> None:
    assert user.id is not None
    session.add(
        StaffSession(
            id=session_key(sid),
            user_id=user.id,
            started_at=now,
            last_seen_at=now,
            address=address[:64],
            browser=browser_summary(user_agent)[:80],
        )
    )
    session.flush()


def live_sessions(session: Session, *, user_id: int | None) -> list[StaffSession]:
    rows = session.exec(
        select(StaffSession)
        .where(StaffSession.user_id == user_id)
        .order_by(col(StaffSession.last_seen_at).desc())
    )
    return list(rows)


def end_sessions(session: Session, *, user_id: int | None, key: str | None = None) -> int:
    """Ends one of the user's sessions (``key``) or all of them; returns how many there were.

    A session is live while its row exists: the cookie alone lets no one in.
    """
    stmt = delete(StaffSession).where(col(StaffSession.user_id) == user_id)
    if key is not None:
        stmt = stmt.where(col(StaffSession.id) == key)
    return int(session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]


def forget_dead_sessions(session: Session, *, now: datetime, hours: int) -> None:
    """Deletes sessions past the absolute lifetime: their cookies are refused anyway."""
    cutoff = now - timedelta(hours=hours)
    session.execute(delete(StaffSession).where(col(StaffSession.started_at) < cutoff))
