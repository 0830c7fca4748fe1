"""The staff report of the extraversion questionnaire, and its band rule."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.reports.service import band_of, suggestion_of
from tests.factories import answers_for, ie_questionnaire, make_invitation
from tests.htmlq import parse
from tests.webflow import answer_everything, consent, token_of


@pytest.mark.parametrize(
    ("p_high", "band"),
    [
        (0.0, "clear_introvert"),
        (0.099, "clear_introvert"),
        (0.10, "moderate_introvert"),
        (0.299, "moderate_introvert"),
        (0.30, "borderline"),
        (0.5, "borderline"),
        (0.70, "borderline"),
        (0.701, "moderate_extravert"),
        (0.90, "moderate_extravert"),
        (0.901, "clear_extravert"),
        (1.0, "clear_extravert"),
    ],
)
def test_the_band_follows_the_documented_cuts(p_high: float, band: str) -> None:
    assert band_of(p_high) == band


def test_each_band_suggests_its_side() -> None:
    assert suggestion_of("clear_extravert") == suggestion_of("moderate_extravert") == "active_roles"
    assert suggestion_of("clear_introvert") == "client_or_operations"
    assert suggestion_of("moderate_introvert") == "client_or_operations"
    assert suggestion_of("borderline") == "no_lean"


def finished(client: TestClient, db: Session, settings, *, extravert: bool) -> int:
    new = make_invitation(db, settings)
    token = token_of(new.link)
    consent(client, token)
    answer_everything(client, token, answers_for(ie_questionnaire(), extravert=extravert))
    assert new.invitation.id is not None
    return new.invitation.id


def test_an_extravert_report_suggests_active_roles_and_asks_for_socionics(
    staff: TestClient, db: Session, settings
) -> None:
    invitation_id = finished(staff, db, settings, extravert=True)
    r = staff.get(f"/invitations/{invitation_id}/report")
    assert r.status_code == 200
    page = parse(r.text)
    assert page.one(class_="band").get("data-band") == "clear_extravert"
    assert int(page.one("strong", class_="score").text) == 100
    assert "Active roles" in r.text
    assert "socionics questionnaire as well" in page.one(class_="alert-info").text
    assert page.one("figure", class_="chart").find("svg") is not None  # the gauge


def test_an_introvert_report_suggests_client_work(staff: TestClient, db: Session, settings) -> None:
    invitation_id = finished(staff, db, settings, extravert=False)
    page = parse(staff.get(f"/invitations/{invitation_id}/report").text)
    assert page.one(class_="band").get("data-band") == "clear_introvert"
    assert int(page.one("strong", class_="score").text) == 0
    assert "Client manager (farmer) or sales operations" in page.text


def test_a_report_before_completion_says_so(staff: TestClient, db: Session, settings) -> None:
    new = make_invitation(db, settings)
    page = parse(staff.get(f"/invitations/{new.invitation.id}/report").text)
    assert page.find(class_="band") is None
    assert "has not finished" in page.one("section").text


def test_an_unknown_report_is_404(staff: TestClient) -> None:
    assert staff.get("/invitations/424242/report").status_code == 404


def test_the_report_speaks_russian_when_asked(staff: TestClient, db: Session, settings) -> None:
    invitation_id = finished(staff, db, settings, extravert=True)
    page = parse(staff.get(f"/invitations/{invitation_id}/report?lang=ru").text)
    assert page.one(class_="band").text == "Явный экстраверт"
