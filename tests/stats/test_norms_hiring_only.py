"""Norms are the hiring population's (issue 18): a candidate's percentile, and the statistics
page's n, mean and percentiles, count candidates of hiring vacancies, never the current sales
team assessed through the team's vacancy. Reliability still counts every result."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import Settings
from app.reports.build import build_report
from app.stats.service import questionnaire_statistics
from questionnaires.loader import product_questionnaires
from tests.api.helpers import complete
from tests.factories import make_employee_link, make_invitation, make_user, make_vacancy
from tests.fitflow import IE
from tests.htmlq import parse
from tests.webflow import STAFF_PASSWORD, login


def _extraversion_norm(db: Session, invitation_id: int) -> tuple[float | None, int]:
    report = build_report(db, invitation_id=invitation_id, language="en")
    (norm,) = [n for n in report.norms if n.questionnaire == IE and n.scale == "extraversion"]
    return norm.percentile, norm.n


def _candidates_and_an_employee(db: Session, settings: Settings) -> int:
    vacancy = make_vacancy(db)
    high = make_invitation(db, settings, vacancy=vacancy, name="High", email=None).invitation
    low = make_invitation(db, settings, vacancy=vacancy, name="Low", email=None).invitation
    complete(db, high, extravert=True)
    complete(db, low, extravert=False)
    assert high.id is not None
    return high.id


def test_an_employees_result_changes_no_candidates_percentile_or_n(
    db: Session, settings: Settings
) -> None:
    candidate = _candidates_and_an_employee(db, settings)
    before = _extraversion_norm(db, candidate)
    assert before == (75.0, 2)
    employee = make_employee_link(db, settings).invitation
    employee.language = "en"  # the candidate's language: the same norm group
    db.add(employee)
    db.commit()
    complete(db, employee, extravert=False)
    assert _extraversion_norm(db, candidate) == before


def test_the_statistics_take_norms_over_candidates_and_reliability_over_everyone(
    app, db: Session, settings: Settings
) -> None:
    _candidates_and_an_employee(db, settings)
    employee = make_employee_link(db, settings).invitation
    complete(db, employee, extravert=False)
    (stats,) = [
        s
        for s in questionnaire_statistics(db, catalog=product_questionnaires())
        if s.questionnaire.id == IE
    ]
    assert (stats.results, stats.candidates) == (3, 2)
    row = next(s for s in stats.scales if s.scale == "extraversion" and s.language is None)
    assert (row.n_scored, row.n_complete) == (2, 3)
    admin = make_user(db, email="admin@example.com", password=STAFF_PASSWORD, role="admin")
    with TestClient(app) as client:
        login(client, admin.email, STAFF_PASSWORD)
        page = parse(client.get("/admin/stats?lang=en").text)
    assert "current employees' included" in page.one("p", id="who-counts").text
    section = page.one("section", **{"aria-labelledby": f"q-{IE}"})
    assert section.one("span", class_="norm-sample").text == "norms: 2 candidates"
