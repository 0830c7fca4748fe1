"""Who may do what: one table of actions by role, plus the vacancy scope of hiring managers.

- admin: everything (users, the role-fit matrix, settings, the audit log, statistics,
  integrations: API keys and webhooks);
- recruiter: vacancies, invitations, reports, decisions, exports;
- hiring manager: only the vacancies assigned to them: reads reports, compares candidates,
  records decisions and notes.

A vacancy a hiring manager is not assigned to answers 404, exactly like a vacancy that does not
exist, so its existence is not revealed; an action a role may not do on something it can see
answers 403. The internal vacancy the current team is assessed through (``kind == "team"``,
issue 18) is no hiring vacancy: every vacancy page answers 404 for it, and of its invitations
only the individual report opens, for the roles the employee consent names (``team.view``:
admins and recruiters; "your line manager does not receive your individual result").

Routes use the dependencies at the end (``require_action``, ``vacancy_for``,
``invitation_for``); services, templates (``can`` is a template global) and the API use the
plain functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy.orm import object_session
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.auth.deps import csrf_protect, require_staff
from app.db import SessionDep, UnitOfWork, get_or_404
from app.models import Invitation, Role, User, Vacancy, VacancyAssignment

ADMIN = Role.admin.value
RECRUITER = Role.recruiter.value
MANAGER = Role.hiring_manager.value

# action -> the roles that may do it. Actions on a vacancy (or on its invitations) are further
# limited, for hiring managers, to the vacancies assigned to them.
ACTIONS: dict[str, frozenset[str]] = {
    "vacancy.view": frozenset({ADMIN, RECRUITER, MANAGER}),
    "vacancy.create": frozenset({ADMIN, RECRUITER}),
    "vacancy.edit": frozenset({ADMIN, RECRUITER}),
    "vacancy.assign": frozenset({ADMIN, RECRUITER}),
    "invitation.create": frozenset({ADMIN, RECRUITER}),
    "invitation.manage": frozenset({ADMIN, RECRUITER}),  # revoke, resend, remind
    "report.view": frozenset({ADMIN, RECRUITER, MANAGER}),
    "candidates.compare": frozenset({ADMIN, RECRUITER, MANAGER}),
    "decision.record": frozenset({ADMIN, RECRUITER, MANAGER}),
    "report.export": frozenset({ADMIN, RECRUITER}),
    "users.manage": frozenset({ADMIN}),
    "matrix.edit": frozenset({ADMIN}),
    "settings.edit": frozenset({ADMIN}),
    "stats.view": frozenset({ADMIN}),
    "integrations.manage": frozenset({ADMIN}),  # API keys and webhooks act for the company
    "audit.view": frozenset({ADMIN}),
    "data.erase": frozenset({ADMIN}),
    "data.export": frozenset({ADMIN}),  # one candidate's data as JSON (privacy page)
    # Issue 18: the current team, its CRM results and the evidence for the matrix.
    "team.view": frozenset({ADMIN, RECRUITER}),
    "team.manage": frozenset({ADMIN}),
}


class UnknownAction(KeyError):
    """A typo in an action name must fail loudly, never silently deny or allow."""


def role_may(role: str, action: str) -> bool:
    if action not in ACTIONS:
        raise UnknownAction(action)
    return role in ACTIONS[action]


def is_assigned(session: Session, *, user: User, vacancy_id: int) -> bool:
    found = session.exec(
        select(VacancyAssignment.id).where(
            VacancyAssignment.user_id == user.id, VacancyAssignment.vacancy_id == vacancy_id
        )
    ).first()
    return found is not None


def sees_vacancy(session: Session, *, user: User, vacancy: Vacancy) -> bool:
    """Admins and recruiters see every vacancy; a hiring manager only those assigned to them."""
    if not user.is_active:
        return False
    if user.role in (ADMIN, RECRUITER):
        return True
    if user.role == MANAGER and vacancy.id is not None:
        return is_assigned(session, user=user, vacancy_id=vacancy.id)
    return False


def can(
    user: User | None,
    action: str,
    vacancy: Vacancy | None = None,
    *,
    session: Session | None = None,
) -> bool:
    """May ``user`` do ``action`` (on ``vacancy``, when given)?

    ``session`` defaults to the one the user was loaded in (needed only for a hiring manager
    and a vacancy: the assignment is looked up).
    """
    if user is None or not user.is_active or not role_may(user.role, action):
        return False
    if vacancy is None:
        return True
    session = session or object_session(user)  # type: ignore[assignment]
    if session is None:
        raise RuntimeError("can(): a hiring manager's vacancy check needs a session")
    return sees_vacancy(session, user=user, vacancy=vacancy)


def visible_vacancies_query(user: User) -> SelectOfScalar[Vacancy]:
    """SELECT of the hiring vacancies ``user`` may see; add your own filters and ordering."""
    query = select(Vacancy).where(Vacancy.kind == "hiring")
    if user.role in (ADMIN, RECRUITER) and user.is_active:
        return query
    if user.role == MANAGER and user.is_active:
        assigned = select(VacancyAssignment.vacancy_id).where(VacancyAssignment.user_id == user.id)
        return query.where(col(Vacancy.id).in_(assigned))
    return query.where(col(Vacancy.id).is_(None))  # nothing


def check_vacancy(session: Session, *, user: User, vacancy_id: int, action: str) -> Vacancy:
    """The hiring vacancy, or HTTPException: 404 if missing, unseen or the team's internal one,
    403 if seen but not allowed."""
    vacancy = session.get(Vacancy, vacancy_id)
    if vacancy is None or not _hiring_vacancy_seen(session, user=user, vacancy=vacancy):
        raise HTTPException(status_code=404)
    if not role_may(user.role, action):
        raise HTTPException(status_code=403)
    return vacancy


def _hiring_vacancy_seen(session: Session, *, user: User, vacancy: Vacancy) -> bool:
    # The team's vacancy holds employees, whose result the consent keeps out of every hiring
    # table, export, comparison and decision: it is as absent as a vacancy that does not exist.
    return vacancy.kind == "hiring" and sees_vacancy(session, user=user, vacancy=vacancy)


# What may be done with an employee's assessment (an invitation of the team's vacancy): their
# individual report, read from the team page. Decisions, checklists, PDFs, link management
# and the rest are hiring actions, and the team page has its own links.
EMPLOYEE_ACTIONS = frozenset({"report.view"})


def check_invitation(
    session: Session, *, user: User, invitation_id: int, action: str
) -> tuple[Invitation, Vacancy]:
    """An invitation and its vacancy, with the same 404/403 rules as ``check_vacancy``; an
    employee's assessment only for ``EMPLOYEE_ACTIONS``, and only for the roles the employee
    consent names as seeing the result (``team.view``), else 404."""
    invitation = get_or_404(session, Invitation, invitation_id)
    vacancy = session.get(Vacancy, invitation.vacancy_id)
    if vacancy is not None and vacancy.kind == "team":
        if action not in EMPLOYEE_ACTIONS or not can(user, "team.view"):
            raise HTTPException(status_code=404)
        return invitation, vacancy
    vacancy = check_vacancy(session, user=user, vacancy_id=invitation.vacancy_id, action=action)
    return invitation, vacancy


# --- FastAPI dependencies -------------------------------------------------------------------

StaffUser = Annotated[User, Depends(require_staff)]


def require_role(*roles: str) -> Callable[..., User]:
    """Dependency: a logged-in user with one of ``roles`` (else login redirect, or 403)."""
    for role in roles:
        Role(role)  # a typo fails at import time

    def dependency(user: StaffUser) -> User:
        if user.role not in roles:
            raise HTTPException(status_code=403)
        return user

    return dependency


def require_action(action: str) -> Callable[..., User]:
    """Dependency: a logged-in user whose role may do ``action`` (else login redirect, or 403)."""
    if action not in ACTIONS:
        raise UnknownAction(action)

    def dependency(user: StaffUser) -> User:
        if not role_may(user.role, action):
            raise HTTPException(status_code=403)
        return user

    return dependency


def vacancy_for(action: str = "vacancy.view") -> Callable[..., Vacancy]:
    """Dependency for routes with ``{vacancy_id}``: the vacancy, checked for ``action``."""
    if action not in ACTIONS:
        raise UnknownAction(action)

    def dependency(session: SessionDep, user: StaffUser, vacancy_id: int) -> Vacancy:
        return check_vacancy(session, user=user, vacancy_id=vacancy_id, action=action)

    return dependency


def invitation_for(action: str = "report.view") -> Callable[..., Invitation]:
    """Dependency for routes with ``{invitation_id}``: the invitation, checked for ``action``."""
    if action not in ACTIONS:
        raise UnknownAction(action)

    def dependency(session: SessionDep, user: StaffUser, invitation_id: int) -> Invitation:
        invitation, _vacancy = check_invitation(
            session, user=user, invitation_id=invitation_id, action=action
        )
        return invitation

    return dependency


def staff_router(action: str | None = None, *, prefix: str = "") -> APIRouter:
    """The router of a staff area: one unit of work per request (app/db.py), a CSRF token on
    every POST, a staff login, and ``action`` (if given) for every one of its routes."""
    needs = [Depends(csrf_protect), Depends(require_staff)]
    if action is not None:
        needs.append(Depends(require_action(action)))
    return APIRouter(route_class=UnitOfWork, prefix=prefix, dependencies=needs)


# API keys and webhooks act for the whole company: the table above gives them to admins.
require_integrations = require_action("integrations.manage")
IntegrationsAdmin = Annotated[User, Depends(require_integrations)]


def template_globals() -> dict[str, Any]:
    return {"can": can}
