"""User management for administrators: list, create, change role, deactivate, reactivate.

Assigning hiring managers to vacancies is on each vacancy's "Hiring managers" page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import col, select

from app.auth.deps import StaffAudit, StaffUser
from app.auth.permissions import staff_router
from app.auth.service import UserExists, create_user
from app.db import SessionDep, get_or_404
from app.i18n import N_
from app.models import Role, User
from app.security.passwords import WeakPassword
from app.security.throttle import unlock
from app.web import render

router = staff_router("users.manage")
ROLES = [r.value for r in Role]


def _page(
    request: Request,
    session: SessionDep,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    users = session.exec(select(User).order_by(col(User.email))).all()
    ctx = {
        "users": users,
        "roles": ROLES,
        "values": values or {"email": "", "full_name": "", "role": "hiring_manager"},
        "errors": errors or {},
    }
    return render(request, "staff/users.html", ctx, status_code=status_code)


@router.get("/admin/users")
def users(request: Request, session: SessionDep) -> Response:
    return _page(request, session)


class NewUser(BaseModel):
    email: str = Field("", max_length=1000)
    full_name: str = Field("", max_length=1000)
    role: str = Field("", max_length=64)
    password: str = Field("", max_length=1024)


@router.post("/admin/users")
def add_user(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    form: Annotated[NewUser, Form()],
) -> Response:
    errors = {}
    if "@" not in form.email.strip("@ ") or len(form.email.strip()) > 254:
        errors["email"] = N_("Enter a valid email address.")
    if form.role not in ROLES:
        errors["role"] = N_("Choose a role from the list.")
    if len(form.full_name.strip()) > 200:
        errors["full_name"] = N_("The name is too long: at most 200 characters.")
    new = None
    if not errors:
        try:
            new = create_user(
                session,
                email=form.email,
                password=form.password,
                role=Role(form.role),
                full_name=form.full_name.strip(),
            )
        except UserExists:
            errors["email"] = N_("A user with this email exists already.")
        except WeakPassword as exc:
            errors["password"] = exc.message
    if errors or new is None:
        values = form.model_dump(exclude={"password"})  # a password is never sent back
        return _page(request, session, values=values, errors=errors, status_code=422)
    audit("user.create", new, details={"role": new.role})
    return RedirectResponse("/admin/users", status_code=303)


def _other_user(session: SessionDep, user: StaffUser, user_id: int) -> User:
    """The user in the URL, who must not be the admin acting: an admin who demoted or
    deactivated themselves could leave no admin to undo it."""
    target = get_or_404(session, User, user_id)
    if target.id == user.id:
        raise HTTPException(status_code=422)
    return target


OtherUser = Annotated[User, Depends(_other_user)]


@router.post("/admin/users/{user_id}/role")
def change_role(
    session: SessionDep,
    audit: StaffAudit,
    target: OtherUser,
    role: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    if role not in ROLES:
        raise HTTPException(status_code=422)
    if target.role != role:
        old = target.role
        target.role = role
        target.session_version += 1  # new rights take effect on the next login
        session.add(target)
        audit("user.role", target, details={"from": old, "to": role})
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/active")
def set_active(
    session: SessionDep,
    audit: StaffAudit,
    target: OtherUser,
    active: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    if active not in ("yes", "no"):
        raise HTTPException(status_code=422)
    target.is_active = active == "yes"
    target.session_version += 1  # logs a deactivated user out everywhere
    session.add(target)
    audit("user.activate" if target.is_active else "user.deactivate", target)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/unlock")
def clear_failed_logins(
    request: Request, session: SessionDep, audit: StaffAudit, user_id: int
) -> Response:
    """Forgets the account's failed logins from every address, so no address waits any more."""
    target = get_or_404(session, User, user_id)
    unlock(request.app.state.limiter, email=target.email)
    audit("user.unlock", target)
    return RedirectResponse("/admin/users", status_code=303)
