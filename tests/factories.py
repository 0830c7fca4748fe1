"""Cheap test data with overridable defaults. Each factory flushes and commits."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlmodel import Session

from app.auth.service import create_user
from app.config import Settings
from app.db import utcnow
from app.invitations.invite import NewInvitation, invite_candidate
from app.models import Role, User, Vacancy
from app.outcomes.service import EmployeeLink, add_employee, invite_employee
from app.staff.service import create_vacancy
from questionnaires.loader import product_questionnaires
from questionnaires.schema import Questionnaire

_counter = {"n": 0}


def _next() -> int:
    _counter["n"] += 1
    return _counter["n"]


def make_user(
    session: Session,
    *,
    email: str | None = None,
    password: str = "correct horse battery",
    role: str = "recruiter",
    **kw: Any,
) -> User:
    user = create_user(
        session,
        email=email or f"user{_next()}@example.com",
        password=password,
        role=Role(role),
        **kw,
    )
    session.commit()
    return user


def make_vacancy(
    session: Session,
    *,
    title: str = "Client manager",
    placement: str = "farmer",
    language: str = "en",
    created_by: User | None = None,
) -> Vacancy:
    vacancy = create_vacancy(
        session, title=title, placement=placement, language=language, created_by=created_by
    )
    session.commit()
    return vacancy


def ensure_organisation(session: Session) -> None:
    """Candidate links open only once the employer is set (issue 15); tests that build their
    own database (several servers, a crash, a backup) get the same one as the ``db`` fixture."""
    from app.models import Organisation

    if session.get(Organisation, 1) is None:
        session.add(
            Organisation(
                id=1,
                name="Northwind",
                legal_entity="Northwind Trading LLC",
                address="1 Harbour Street, Saint Petersburg",
                contact_email="privacy@northwind.example",
            )
        )
        session.commit()


def make_invitation(
    session: Session,
    settings: Settings,
    *,
    vacancy: Vacancy | None = None,
    name: str = "Anna Petrova",
    email: str | None = "anna@example.com",
    language: str = "en",
    expired: bool = False,
) -> NewInvitation:
    ensure_organisation(session)
    vacancy = vacancy or make_vacancy(session)
    new = invite_candidate(
        session, settings=settings, vacancy=vacancy, name=name, email=email, language=language
    )
    if expired:
        new.invitation.expires_at = utcnow() - timedelta(minutes=1)
        session.add(new.invitation)
    session.commit()
    return new


def ie_questionnaire() -> Questionnaire:
    return product_questionnaires()["introversion_extraversion"]


def answers_for(q: Questionnaire, *, extravert: bool = True) -> dict[str, int]:
    """A consistent, attentive answer set leaning one way (attention checks answered right)."""
    answers = {}
    for item in q.items:
        if item.attention_check is not None:
            answers[item.id] = item.attention_check.expected
            continue
        top = q.points_of(item)
        high = top if extravert else 1
        reverse = getattr(item, "reverse", False)
        answers[item.id] = (top + 1 - high) if reverse else high
    return answers


def make_employee_link(
    session: Session, settings: Settings, *, name: str = "Olga Belova", role: str = "farmer"
) -> EmployeeLink:
    """A current employee (issue 18) and their assessment link, an invitation of the team's
    internal vacancy (``kind == "team"``). Without an email the link is returned, not sent.
    """
    ensure_organisation(session)
    employee = add_employee(
        session, name=name, email=None, role=role, team="", started_on=date(2024, 2, 1)
    )
    sent = invite_employee(
        session, settings=settings, employee=employee, created_by=None, title="Team assessment"
    )
    session.commit()
    return sent
