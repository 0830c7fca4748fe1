"""The team's internal vacancy (issue 18) on every hiring URL: 404, as for a vacancy that does
not exist. Its invitations (employees' assessments) open only as the individual report, for
the roles the employee consent names as seeing the result: "only the administrators and
recruiters ... Your line manager does not receive your individual result". Every route of
``tests/auth/test_permissions_urls.py``'s table with a vacancy or invitation id is walked, so
a new hiring route is covered without being listed here."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import Settings
from app.models import Vacancy, VacancyAssignment
from tests.auth.test_permissions_urls import EXPECTED, OK, _answer, _call
from tests.factories import make_employee_link, make_user
from tests.fitflow import IE, SOC, answer_questionnaire, finish, ie_answers, socionics_answers
from tests.htmlq import csrf_of, parse
from tests.webflow import STAFF_PASSWORD, consent, login, token_of

ROLES = ("admin", "recruiter", "manager")
NOWHERE = dict.fromkeys(ROLES, 404)
# What is not 404 for the team's vacancy: the employee's report for admins and recruiters;
# "add to the team" is refused to non-admins before the invitation is looked at.
ANSWERS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/invitations/{invitation_id}/report"): {**NOWHERE, "admin": OK, "recruiter": OK},
    ("GET", "/invitations/{invitation_id}/hire"): {**NOWHERE, "recruiter": 403, "manager": 403},
    ("POST", "/invitations/{invitation_id}/hire"): {**NOWHERE, "recruiter": 403, "manager": 403},
}
BY_ID = sorted(k for k in EXPECTED if "{vacancy_id}" in k[1] or "{invitation_id}" in k[1])


@pytest.fixture
def team_world(app: FastAPI, db: Session, settings: Settings) -> dict[str, Any]:
    users = {
        "admin": make_user(db, email="ada@example.com", password=STAFF_PASSWORD, role="admin"),
        "recruiter": make_user(
            db, email="rita@example.com", password=STAFF_PASSWORD, role="recruiter"
        ),
        "manager": make_user(
            db, email="mila@example.com", password=STAFF_PASSWORD, role="hiring_manager"
        ),
    }
    sent = make_employee_link(db, settings)
    # Through the employee's own link, so the result attaches to the employee (the team page).
    token = token_of(sent.link)
    with TestClient(app) as employee:
        consent(employee, token)
        answer_questionnaire(employee, token, IE, ie_answers(extravert=True))
        answer_questionnaire(employee, token, SOC, socionics_answers("ESE"))
        finish(employee, token)
    team = db.get(Vacancy, sent.invitation.vacancy_id)
    assert team is not None and team.kind == "team"
    # Even an assignment (made before this fix, or by hand) gives a manager nothing here.
    db.add(VacancyAssignment(vacancy_id=team.id, user_id=users["manager"].id))
    db.commit()
    return {
        "users": {role: u.email for role, u in users.items()},
        "params": {"vacancy_id": team.id, "invitation_id": sent.invitation.id},
    }


def test_the_walk_covers_the_hiring_pages() -> None:
    paths = {p for _m, p in BY_ID}
    for path in (
        "/vacancies/{vacancy_id}",
        "/vacancies/{vacancy_id}/candidates",
        "/vacancies/{vacancy_id}/compare",
        "/vacancies/{vacancy_id}/export.zip",
        "/vacancies/{vacancy_id}/edit",
        "/invitations/{invitation_id}/report.pdf",
        "/invitations/{invitation_id}/decision",
    ):
        assert path in paths


@pytest.mark.parametrize(("method", "path"), BY_ID, ids=lambda v: str(v))
def test_a_team_vacancy_answers_404_on_every_hiring_url(
    app: FastAPI, team_world: dict[str, Any], method: str, path: str
) -> None:
    url = path.format(**team_world["params"], candidate_id=0)
    want = ANSWERS.get((method, path), NOWHERE)
    got = {}
    for role in ROLES:
        with TestClient(app) as client:
            login(client, team_world["users"][role], STAFF_PASSWORD)
            csrf = csrf_of(client.get("/account").text)
            got[role] = _answer(_call(client, method, url, csrf))
    assert got == want


def test_the_employees_report_opens_from_the_team_page_without_hiring_actions(
    app: FastAPI, team_world: dict[str, Any]
) -> None:
    invitation_id = team_world["params"]["invitation_id"]
    with TestClient(app) as client:
        login(client, team_world["users"]["recruiter"], STAFF_PASSWORD)
        team = parse(client.get("/team?lang=en").text)
        assert team.one("a", href=f"/invitations/{invitation_id}/report")
        page = parse(client.get(f"/invitations/{invitation_id}/report").text)
    assert page.one("a", id="back-to-team").get("href") == "/team"
    for hiring in ("pdf-link", "decision-link", "compare-link", "checklist"):
        assert page.find_all(id=hiring) == []
    assert page.find_all("a", href=f"/vacancies/{team_world['params']['vacancy_id']}") == []


def test_search_and_the_vacancy_counts_leave_the_team_out(
    app: FastAPI, team_world: dict[str, Any]
) -> None:
    with TestClient(app) as client:
        login(client, team_world["users"]["admin"], STAFF_PASSWORD)
        found = parse(client.get("/search?q=Olga&lang=en").text)
        closed = parse(client.get("/vacancies?state=closed&lang=en").text)
    report = f"/invitations/{team_world['params']['invitation_id']}/report"
    assert found.find_all("a", href=report) == []
    assert "Olga Belova" not in found.text
    # No hiring vacancy is open: the closed list's link to the open ones counts none.
    assert "Open vacancies (0)" in closed.text
