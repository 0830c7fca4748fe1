"""Every staff URL, walked as an anonymous visitor, as each role, and as a hiring manager of
another vacancy. The table below must name every route of the app (outside the candidate,
API and public areas): a new staff URL without an entry fails
``test_every_staff_route_is_in_the_table``.

Answers: "login" (a redirect to the login page), 403, 404, or "ok" (anything else that is not an
error: 200, a 303 after a form, a 422 for an incomplete form).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import Settings
from app.models import VacancyAssignment
from tests.factories import make_invitation, make_user, make_vacancy
from tests.htmlq import csrf_of
from tests.webflow import STAFF_PASSWORD, login

ROLES = ["anonymous", "admin", "recruiter", "manager", "other_manager"]
# Routes not for staff sessions: candidates' links, the token-authenticated API, public pages.
NOT_STAFF = ("/a/", "/join/", "/api/", "/static")
PUBLIC = {"/healthz", "/login", "/logout", "/logout-everywhere", "/organisation/logo"}

OK, LOGIN = "ok", "login"
ALL_STAFF = {"admin": OK, "recruiter": OK, "manager": OK, "other_manager": OK}
# A vacancy (or its invitation) assigned to "manager" and not to "other_manager".
ASSIGNED = {"admin": OK, "recruiter": OK, "manager": OK, "other_manager": 404}
# Recruiters' work on a vacancy: the assigned manager may see it but not do this (403).
RECRUITING = {"admin": OK, "recruiter": OK, "manager": 403, "other_manager": 404}
RECRUITERS = {"admin": OK, "recruiter": OK, "manager": 403, "other_manager": 403}
ADMINS = {"admin": OK, "recruiter": 403, "manager": 403, "other_manager": 403}

# (method, path) -> expected answer by role ("anonymous" is always a login redirect).
EXPECTED: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/"): ALL_STAFF,
    ("GET", "/account"): ALL_STAFF,
    ("POST", "/account/password"): ALL_STAFF,
    ("POST", "/account/sessions/{key}/end"): ALL_STAFF,
    ("GET", "/vacancies"): ALL_STAFF,
    ("GET", "/vacancies/new"): RECRUITERS,
    ("POST", "/vacancies"): RECRUITERS,
    ("GET", "/vacancies/{vacancy_id}"): ASSIGNED,
    ("POST", "/vacancies/{vacancy_id}/invitations"): RECRUITING,
    ("GET", "/vacancies/{vacancy_id}/candidates"): ASSIGNED,
    ("GET", "/vacancies/{vacancy_id}/team"): RECRUITING,
    ("POST", "/vacancies/{vacancy_id}/team"): RECRUITING,
    ("GET", "/vacancies/{vacancy_id}/compare"): ASSIGNED,
    ("GET", "/vacancies/{vacancy_id}/export.zip"): RECRUITING,
    ("GET", "/vacancies/{vacancy_id}/export.csv"): RECRUITING,
    ("GET", "/vacancies/{vacancy_id}/export.xlsx"): RECRUITING,
    ("POST", "/vacancies/{vacancy_id}/options"): RECRUITING,
    ("POST", "/vacancies/{vacancy_id}/open-link"): RECRUITING,
    ("GET", "/vacancies/{vacancy_id}/import"): RECRUITING,
    ("POST", "/vacancies/{vacancy_id}/import"): RECRUITING,
    # Without a stored upload there is nothing to confirm: 409, which counts as "ok" here.
    ("POST", "/vacancies/{vacancy_id}/import/confirm"): RECRUITING,
    ("GET", "/invitations/{invitation_id}/report"): ASSIGNED,
    ("POST", "/invitations/{invitation_id}/checklist"): ASSIGNED,
    ("GET", "/invitations/{invitation_id}/report.pdf"): RECRUITING,
    ("GET", "/invitations/{invitation_id}/decision"): ASSIGNED,
    ("POST", "/invitations/{invitation_id}/decision"): ASSIGNED,
    ("GET", "/invitations/{invitation_id}/revoke"): RECRUITING,
    ("POST", "/invitations/{invitation_id}/revoke"): RECRUITING,
    ("POST", "/invitations/{invitation_id}/resend"): RECRUITING,
    ("POST", "/invitations/{invitation_id}/extend"): RECRUITING,
    ("POST", "/invitations/{invitation_id}/remind"): RECRUITING,
    ("GET", "/candidates/{candidate_id}/privacy"): ADMINS,
    ("GET", "/candidates/{candidate_id}/export.json"): ADMINS,
    # Without the confirmation box: the admin gets the form back (422), nothing is erased.
    ("POST", "/candidates/{candidate_id}/erase"): ADMINS,
    ("GET", "/outbox"): ADMINS,
    ("GET", "/outbox/{name}"): {**ADMINS, "admin": 404},
    ("GET", "/emails"): RECRUITERS,
    ("POST", "/emails/{email_id}/retry"): {**RECRUITERS, "admin": 404, "recruiter": 404},
    ("GET", "/admin/matrix"): ADMINS,
    ("POST", "/admin/matrix"): ADMINS,
    ("GET", "/admin/matrix/rescore"): ADMINS,
    ("POST", "/admin/matrix/rescore"): ADMINS,
    ("GET", "/admin/matrix/versions/{version_id}"): {**ADMINS, "admin": 404},
    ("GET", "/admin/stats"): ADMINS,
    ("GET", "/admin/audit"): ADMINS,
    ("GET", "/admin/users"): ADMINS,
    ("POST", "/admin/users"): ADMINS,
    ("POST", "/admin/users/{user_id}/role"): ADMINS,
    ("POST", "/admin/users/{user_id}/active"): ADMINS,
    ("POST", "/admin/users/{user_id}/unlock"): ADMINS,
    ("GET", "/admin/api-keys"): ADMINS,
    ("POST", "/admin/api-keys"): ADMINS,
    ("POST", "/admin/api-keys/{key_id}/revoke"): {**ADMINS, "admin": 404},
    ("GET", "/admin/webhooks"): ADMINS,
    ("POST", "/admin/webhooks"): ADMINS,
    ("POST", "/admin/webhooks/{endpoint_id}/active"): {**ADMINS, "admin": 404},
    ("POST", "/admin/webhooks/{endpoint_id}/test"): {**ADMINS, "admin": 404},
    ("POST", "/admin/webhooks/deliveries/{delivery_id}/retry"): {**ADMINS, "admin": 404},
    ("GET", "/vacancies/{vacancy_id}/experience"): ASSIGNED,
    # Issue 15: editing, closing and reopening a vacancy; an empty edit form answers 422, a
    # reopen page of an open vacancy sends back to the vacancy (303).
    ("GET", "/vacancies/{vacancy_id}/edit"): RECRUITING,
    ("POST", "/vacancies/{vacancy_id}/edit"): RECRUITING,
    ("GET", "/vacancies/{vacancy_id}/close"): RECRUITING,
    ("POST", "/vacancies/{vacancy_id}/close"): RECRUITING,
    ("GET", "/vacancies/{vacancy_id}/reopen"): RECRUITING,
    ("POST", "/vacancies/{vacancy_id}/reopen"): RECRUITING,
    # Every staff member searches, within the vacancies they may see (tests/staff/).
    ("GET", "/search"): ALL_STAFF,
    ("GET", "/admin/organisation"): ADMINS,
    ("POST", "/admin/organisation"): ADMINS,
    ("GET", "/admin/texts/{kind}/{language}"): ADMINS,
    ("POST", "/admin/texts/{kind}/{language}"): ADMINS,
    ("GET", "/team"): RECRUITERS,
    ("POST", "/team/employees"): {**RECRUITERS, "recruiter": 403},
    ("POST", "/team/employees/{employee_id}"): {**RECRUITERS, "recruiter": 403, "admin": 404},
    ("POST", "/team/deals/resolve"): {**RECRUITERS, "recruiter": 403},
    ("GET", "/team/deals"): RECRUITERS,
    ("POST", "/team/deals"): {**RECRUITERS, "recruiter": 403},
    ("GET", "/team/import"): {**RECRUITERS, "recruiter": 403},
    ("POST", "/team/import"): {**RECRUITERS, "recruiter": 403},
    ("POST", "/team/import/confirm"): {**RECRUITERS, "recruiter": 403},
    ("POST", "/team/invite-all"): {**RECRUITERS, "recruiter": 403},
    ("POST", "/team/employees/{employee_id}/invite"): {
        **RECRUITERS,
        "recruiter": 403,
        "admin": 404,
    },
    ("POST", "/team/employees/{employee_id}/withdraw"): {
        **RECRUITERS,
        "recruiter": 403,
        "admin": 404,
    },
    ("GET", "/team/deals/mapping"): {**RECRUITERS, "recruiter": 403},
    ("POST", "/team/deals/mapping"): {**RECRUITERS, "recruiter": 403},
    ("POST", "/team/deals/mapping/stages"): {**RECRUITERS, "recruiter": 403},
    ("POST", "/team/deals/mapping/save"): {**RECRUITERS, "recruiter": 403},
    ("GET", "/team/evidence"): RECRUITERS,
    ("GET", "/team/figures"): RECRUITERS,
    ("GET", "/team/evidence.pdf"): RECRUITERS,
    # The world's invitation is not completed: the admin gets 404, the others are refused first.
    ("GET", "/invitations/{invitation_id}/hire"): {**ADMINS, "admin": 404},
    ("POST", "/invitations/{invitation_id}/hire"): {**ADMINS, "admin": 404},
    ("POST", "/team/evidence/accept"): {**RECRUITERS, "recruiter": 403},
    ("POST", "/team/evidence/reject"): {**RECRUITERS, "recruiter": 403},
}


def _routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for route in routes:
        inner = getattr(route, "original_router", None)  # FastAPI's lazily included routers
        if inner is not None:
            sub = getattr(getattr(route, "include_context", None), "prefix", "") or ""
            yield from _routes(inner.routes, prefix + sub)
            continue
        path = prefix + getattr(route, "path", "")
        for method in sorted(getattr(route, "methods", None) or ()):
            if method != "HEAD":
                yield method, path


def staff_routes(app: FastAPI) -> set[tuple[str, str]]:
    return {
        (m, p) for m, p in _routes(app.routes) if not p.startswith(NOT_STAFF) and p not in PUBLIC
    }


def test_every_staff_route_is_in_the_table(app: FastAPI) -> None:
    routes = staff_routes(app)
    assert routes - EXPECTED.keys() == set(), "add these staff routes to EXPECTED"
    assert EXPECTED.keys() - routes == set(), "these routes are gone: remove them from EXPECTED"


@pytest.fixture
def world(db: Session, settings: Settings) -> dict[str, Any]:
    admin = make_user(db, email="boss.admin@example.com", password=STAFF_PASSWORD, role="admin")
    recruiter = make_user(
        db, email="rita.recruiter@example.com", password=STAFF_PASSWORD, role="recruiter"
    )
    manager = make_user(
        db, email="mila.manager@example.com", password=STAFF_PASSWORD, role="hiring_manager"
    )
    other = make_user(
        db, email="oleg.manager@example.com", password=STAFF_PASSWORD, role="hiring_manager"
    )
    target = make_user(db, email="someone.else@example.com", role="recruiter")
    mine = make_vacancy(db, title="Клиентский менеджер")
    theirs = make_vacancy(db, title="Hunter")
    new = make_invitation(db, settings, vacancy=mine, name="Анна Петрова")
    db.add(VacancyAssignment(vacancy_id=mine.id, user_id=manager.id))
    db.add(VacancyAssignment(vacancy_id=theirs.id, user_id=other.id))
    db.commit()
    return {
        "users": {
            "admin": admin.email,
            "recruiter": recruiter.email,
            "manager": manager.email,
            "other_manager": other.email,
        },
        "params": {
            "vacancy_id": mine.id,
            "invitation_id": new.invitation.id,
            "candidate_id": new.invitation.candidate_id,
            "user_id": target.id,
            "name": "nothing-here.eml",
            "email_id": 999999,
            "key_id": 999999,
            "endpoint_id": 999999,
            "delivery_id": 999999,
            "version_id": 999999,
            "kind": "consent",
            "language": "ru",
            "employee_id": 999999,
            "key": "0" * 64,
        },
    }


def _answer(r: Any) -> Any:
    if r.status_code in (302, 303, 307) and r.headers["location"].startswith("/login"):
        return LOGIN
    if r.status_code in (403, 404):
        return r.status_code
    if r.status_code >= 500:
        return r.status_code
    return OK


def _call(client: TestClient, method: str, url: str, csrf: str) -> Any:
    if method == "GET":
        return client.get(url, follow_redirects=False)
    return client.request(method, url, data={"csrf_token": csrf}, follow_redirects=False)


@pytest.mark.parametrize(("method", "path"), sorted(EXPECTED), ids=lambda v: str(v))
def test_each_role_gets_the_right_answer(
    app: FastAPI, world: dict[str, Any], method: str, path: str
) -> None:
    url = path.format(**world["params"])
    got: dict[str, Any] = {}
    # Roles that must be refused go first, so a POST that changes something runs last.
    order = sorted(ROLES[1:], key=lambda role: EXPECTED[(method, path)][role] == OK)
    for role in ["anonymous", *order]:
        with TestClient(app) as client:
            if role != "anonymous":
                login(client, world["users"][role], STAFF_PASSWORD)
            csrf = csrf_of(client.get("/login" if role == "anonymous" else "/account").text)
            got[role] = _answer(_call(client, method, url, csrf))
    want = {"anonymous": LOGIN, **EXPECTED[(method, path)]}
    assert got == want
