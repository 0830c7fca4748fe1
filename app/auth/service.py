"""Staff users: creation and password login."""

from __future__ import annotations

from sqlmodel import Session, select

from app.db import utcnow
from app.models import Role, User
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
    session.flush()


def log_out_everywhere(session: Session, *, user: User) -> None:
    user.session_version += 1
    session.add(user)
    session.flush()
