"""Staff users: creation and password login."""

from __future__ import annotations

from sqlmodel import Session, select

from app.auth.security import hash_password, verify_password
from app.db import utcnow
from app.models import Role, User


class UserExists(Exception):
    pass


def normalize_email(email: str) -> str:
    return email.strip().lower()


def create_user(
    session: Session, *, email: str, password: str, role: Role, full_name: str = ""
) -> User:
    email = normalize_email(email)
    if session.exec(select(User).where(User.email == email)).first() is not None:
        raise UserExists(email)
    if len(password) < 8:
        raise ValueError("password: at least 8 characters")
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
