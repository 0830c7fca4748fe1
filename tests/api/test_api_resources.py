"""Vacancies, invitations, candidates (cursor pages) and results through /api/v1."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import Settings
from app.models import Invitation
from tests.api.helpers import complete
from tests.factories import make_invitation, make_vacancy
from tests.webflow import token_of


def new_vacancy(api: TestClient, **fields) -> dict:
    r = api.post("/api/v1/vacancies", json={"title": "Hunter", "language": "en", **fields})
    assert r.status_code == 201, r.text
    return r.json()


def test_a_vacancy_is_created_read_updated_and_closed(api: TestClient) -> None:
    v = new_vacancy(api, placement="hunter")
    assert v["status"] == "open" and v["placement"] == "hunter" and v["invited"] == 0
    assert api.get(f"/api/v1/vacancies/{v['id']}").json() == v
    r = api.patch(
        f"/api/v1/vacancies/{v['id']}", json={"title": "  Senior hunter ", "language": "ru"}
    )
    assert r.status_code == 200
    assert r.json()["title"] == "Senior hunter" and r.json()["placement"] == "hunter"
    closed = api.post(f"/api/v1/vacancies/{v['id']}/close").json()
    assert closed["status"] == "closed" and closed["closed_at"]
    assert [x["id"] for x in api.get("/api/v1/vacancies?status=closed").json()["data"]] == [v["id"]]
    assert api.get("/api/v1/vacancies?status=open").json()["data"] == []
    r = api.post(f"/api/v1/vacancies/{v['id']}/invitations", json={"candidates": [{"name": "A"}]})
    assert r.status_code == 409 and r.json()["type"].endswith("vacancy-closed")
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "reopen" in r.json()["detail"]
    reopened = api.post(f"/api/v1/vacancies/{v['id']}/reopen").json()
    assert reopened["status"] == "open" and reopened["closed_at"] is None
    r = api.post(f"/api/v1/vacancies/{v['id']}/invitations", json={"candidates": [{"name": "A"}]})
    assert r.status_code == 201


def test_a_bad_placement_names_the_field(api: TestClient) -> None:
    r = api.post("/api/v1/vacancies", json={"title": "x", "placement": "boss"})
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["placement"]


def test_many_invitations_return_links_that_work(api: TestClient) -> None:
    v = new_vacancy(api)
    people = [
        {"name": "Anna Petrova", "email": "anna@example.com", "language": "ru"},
        {"name": "Boris Orlov"},
    ]
    r = api.post(f"/api/v1/vacancies/{v['id']}/invitations", json={"candidates": people})
    assert r.status_code == 201, r.text
    made = r.json()["invitations"]
    assert [m["name"] for m in made] == ["Anna Petrova", "Boris Orlov"]
    assert made[0]["language"] == "ru" and made[1]["language"] == "en"  # the vacancy's
    assert all(m["status"] == "invited" for m in made)
    for m in made:
        assert m["link"].startswith("http://testserver/a/")
        page = api.get(f"/a/{token_of(m['link'])}")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert api.get(f"/api/v1/vacancies/{v['id']}").json()["invited"] == 2
    # The link is shown once: reading the candidate later does not return it.
    assert "link" not in api.get(f"/api/v1/candidates/{made[0]['id']}").json()


def test_a_revoked_invitation_stops_its_link(api: TestClient) -> None:
    v = new_vacancy(api)
    made = api.post(
        f"/api/v1/vacancies/{v['id']}/invitations", json={"candidates": [{"name": "Anna"}]}
    ).json()["invitations"][0]
    r = api.post(f"/api/v1/invitations/{made['id']}/revoke")
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    assert api.get(f"/a/{token_of(made['link'])}").status_code == 410
    assert api.post("/api/v1/invitations/999/revoke").status_code == 404


def test_a_completed_invitation_cannot_be_revoked(
    api: TestClient, db: Session, settings: Settings
) -> None:
    new = make_invitation(db, settings)
    complete(db, new.invitation)
    r = api.post(f"/api/v1/invitations/{new.invitation.id}/revoke")
    assert r.status_code == 409


def test_cursor_pages_cover_every_candidate_once(
    api: TestClient, db: Session, settings: Settings
) -> None:
    vacancy = make_vacancy(db)
    other = make_vacancy(db, title="Farmer")
    ids = [
        make_invitation(db, settings, vacancy=vacancy, name=f"C{n}").invitation.id
        for n in range(25)
    ]
    make_invitation(db, settings, vacancy=other, name="Elsewhere")
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params = {"vacancy_id": vacancy.id, "limit": 10} | ({"cursor": cursor} if cursor else {})
        body = api.get("/api/v1/candidates", params=params).json()
        seen += [c["id"] for c in body["data"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
        # A candidate added meanwhile neither repeats nor shifts what is left.
        if pages == 1:
            ids.append(make_invitation(db, settings, vacancy=vacancy, name="Late").invitation.id)
    assert seen == ids  # no duplicates, no gaps, in id order
    assert pages == 3


def test_candidates_filter_by_status(api: TestClient, db: Session, settings: Settings) -> None:
    vacancy = make_vacancy(db)
    done = make_invitation(db, settings, vacancy=vacancy, name="Done").invitation
    complete(db, done)
    old = make_invitation(db, settings, vacancy=vacancy, name="Old", expired=True).invitation
    fresh = make_invitation(db, settings, vacancy=vacancy, name="Fresh").invitation

    def ids(status: str) -> list[int]:
        return [c["id"] for c in api.get(f"/api/v1/candidates?status={status}").json()["data"]]

    assert ids("completed") == [done.id]
    assert ids("expired") == [old.id]
    assert ids("invited") == [fresh.id]
    assert ids("started") == [] and ids("revoked") == []


def test_a_cursor_that_was_not_issued_is_a_422_on_cursor(api: TestClient) -> None:
    for bad in ("nonsense", "eyJhZnRlciI6IC0xfQ", "%%%"):
        r = api.get("/api/v1/candidates", params={"cursor": bad})
        assert r.status_code == 422
        assert [e["field"] for e in r.json()["errors"]] == ["cursor"]


def test_results_of_a_completed_extraversion_assessment(
    api: TestClient, db: Session, settings: Settings
) -> None:
    new = make_invitation(db, settings)
    assert api.get(f"/api/v1/candidates/{new.invitation.id}/results").json()["complete"] is False
    complete(db, new.invitation, extravert=True)
    body = api.get(f"/api/v1/candidates/{new.invitation.id}/results").json()
    assert body["complete"] is True and body["status"] == "completed"
    (ie,) = body["questionnaires"]
    assert ie["questionnaire_id"] == "introversion_extraversion" and ie["questionnaire_version"]
    assert ie["dichotomies"]["EI"]["pole"] == "E" and ie["dichotomies"]["EI"]["p_high"] > 0.9
    assert ie["quality"]["level"] in ("good", "doubtful", "unusable")
    assert body["type"] is None and body["role_fit"] is None  # no socionics questionnaire


def test_results_with_socionics_carry_type_and_role_fit(
    api: TestClient, db: Session, settings: Settings
) -> None:
    new = make_invitation(db, settings)
    invitation = db.get(Invitation, new.invitation.id)
    assert invitation is not None
    invitation.questionnaire_ids = ["socionics_16", "introversion_extraversion"]
    db.add(invitation)
    db.commit()
    complete(db, invitation)
    body = api.get(f"/api/v1/candidates/{invitation.id}/results").json()
    assert [q["questionnaire_id"] for q in body["questionnaires"]] == [
        "socionics_16",
        "introversion_extraversion",
    ]
    t = body["type"]
    # Every probability as shown everywhere: 5% steps within 5-95% (so they need not add to 1).
    shown = list(t["probabilities"].values())
    assert len(shown) == 16 and all(round(p * 20, 9) % 1 == 0 and 0.05 <= p <= 0.95 for p in shown)
    assert shown == sorted(shown, reverse=True) and t["probability"] == shown[0]
    assert t["code"] == next(iter(t["probabilities"]))
    fit = body["role_fit"]
    assert fit["matrix_version"] and fit["matrix_version_id"]
    assert [r["rank"] for r in fit["roles"]] == list(range(1, len(fit["roles"]) + 1))
    assert fit["best_role"] == fit["roles"][0]["role"]
    assert fit["placement"] in ("hunter", "farmer", "sales_operations")


def test_unknown_candidates_are_404(api: TestClient) -> None:
    assert api.get("/api/v1/candidates/12345").status_code == 404
    assert api.get("/api/v1/candidates/12345/results").status_code == 404


def test_the_report_pdf_once_complete(api: TestClient, db: Session, settings: Settings) -> None:
    new = make_invitation(db, settings)
    r = api.get(f"/api/v1/candidates/{new.invitation.id}/report.pdf")
    assert r.status_code == 409 and r.json()["type"].endswith("report-not-ready")
    complete(db, new.invitation)
    r = api.get(f"/api/v1/candidates/{new.invitation.id}/report.pdf?language=ru")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF-") and len(r.content) > 5000
    assert api.get("/api/v1/candidates/999/report.pdf").status_code == 404


def test_result_flags_say_what_was_found(api: TestClient, db: Session, settings: Settings) -> None:
    from app.candidate.service import save_answers, submit
    from app.db import utcnow
    from questionnaires.loader import product_questionnaires
    from questionnaires.simulate import acquiesce
    from tests.factories import answers_for

    new = make_invitation(db, settings)
    q = product_questionnaires()["introversion_extraversion"]
    # careful answers, plus one step of agreement with every statement (yea-saying)
    answers = acquiesce(q, answers_for(q, extravert=True))
    save_answers(
        db, invitation=new.invitation, questionnaire_id=q.id, answers=answers, now=utcnow()
    )
    submit(db, invitation=new.invitation, q=q, now=utcnow())
    db.commit()
    body = api.get(f"/api/v1/candidates/{new.invitation.id}/results").json()
    (flag,) = body["questionnaires"][0]["quality"]["flags"]
    assert flag["code"] == "acquiescence" and flag["severity"] == "doubtful"
    assert "agrees whatever a statement says" in flag["detail"] and flag["scales"] == []
