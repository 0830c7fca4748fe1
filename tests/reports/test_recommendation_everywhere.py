"""One recommendation, the same everywhere: every demo candidate shows the same type, the same
certainty and the same placement (or "no suitable sales role", or "not interpretable") on the
report page, the PDF's print template, the candidate table, the comparison, the CSV, the XLSX,
the API and the webhook payload. All of them take it from socionics.recommend.decide."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, select

from app.api.keys import create_api_key
from app.config import Settings
from app.demo import COMPLETED, add_demo_candidates
from app.exports.pdf import report_html
from app.exports.tabular import COLUMNS
from app.main import load_questionnaires
from app.models import Candidate, FitRecord, Invitation, Result, User, Vacancy
from app.reports.build import build_report
from app.scoring.service import update_fit, worst_quality
from app.staff.service import create_vacancy
from app.web.labels import placement_label
from app.webhooks.service import recommendation_payload
from socionics.recommend import NO_SUITABLE_ROLE, NOT_INTERPRETABLE, Recommendation, decide
from tests.factories import make_user
from tests.htmlq import parse
from tests.webflow import login

PASSWORD = "correct horse battery"
PERCENT = re.compile(r"[<>]?\d+%")


def _with(element, attr: str) -> list:
    return [e for e in element.iter() if e.get(attr) is not None]


def _percent(text: str) -> str:
    found = PERCENT.findall(text.replace("\u2009", ""))
    assert found, text
    return found[-1]


@pytest.fixture
def demo(db: Session, settings: Settings) -> Vacancy:
    admin = make_user(db, email="ada@example.com", role="admin")
    vacancy = create_vacancy(
        db,
        title="Demo",
        placement="farmer",
        language="en",
        questionnaire_ids=["introversion_extraversion", "socionics_16"],
        created_by=admin,
    )
    add_demo_candidates(
        db, settings=settings, vacancy=vacancy, admin=admin, catalog=load_questionnaires()
    )
    db.commit()
    return vacancy


def _surfaces(
    app: FastAPI, client: TestClient, db: Session, vacancy: Vacancy
) -> dict[str, dict[int, tuple[str | None, str | None]]]:
    """invitation id -> (outcome or placement code, type code) per surface, plus the shown
    certainty per HTML surface."""
    assert vacancy.id is not None
    login(client, "ada@example.com", PASSWORD)
    fits = {f.invitation_id: f for f in db.exec(select(FitRecord)).all()}
    ids = sorted(fits)
    out: dict[str, dict[int, tuple[str | None, str | None]]] = {}

    # The report page and the PDF's print template.
    out["report"], out["pdf"], out["report_pct"] = {}, {}, {}
    for i in ids:
        page = parse(client.get(f"/invitations/{i}/report").text)
        retake = page.find_all(id="unusable-warning")
        if retake:
            out["report"][i] = (NOT_INTERPRETABLE, None)
        else:
            (strong,) = _with(page.one(id="answer"), "data-outcome")
            code = strong.get("data-placement") or strong.get("data-outcome")
            out["report"][i] = (code, page.one(id="type-code").text.split()[0].rstrip(","))
            (how_sure,) = [
                d.one("dd")
                for d in page.one(id="answer").find_all("div")
                if d.find("dt") and d.one("dt").text == "How sure"
            ]
            out["report_pct"][i] = (_percent(how_sure.text), None)
        report = build_report(db, invitation_id=i, language="en")
        html = parse(report_html(report))
        if html.find_all(id="unusable-warning"):
            out["pdf"][i] = (NOT_INTERPRETABLE, None)
        else:
            shown = html.one("strong", **{"data-outcome": report.headline.outcome or ""}).text
            assert shown == report.headline.placement_name
            h = report.headline
            out["pdf"][i] = (h.placement or h.outcome, h.type_code)

    # The candidate table.
    table = parse(client.get(f"/vacancies/{vacancy.id}/candidates").text)
    out["table"], out["table_pct"] = {}, {}
    for i in ids:
        cell = table.one("tr", **{"data-invitation": str(i)}).one("td", **{"data-col": "placement"})
        (outcome,) = _with(cell, "data-outcome")
        kind = outcome.get("data-outcome")
        typed = _with(cell, "data-type")
        code = fits[i].placement if kind in ("placement", "too_close_to_call") else kind
        out["table"][i] = (code, typed[0].get("data-type") if typed else None)
        if typed:
            out["table_pct"][i] = (_percent(typed[0].text), None)

    # The comparison (all five at once).
    query = "&".join(f"id={i}" for i in ids)
    compare = parse(client.get(f"/vacancies/{vacancy.id}/compare?{query}").text)
    cells = compare.find_all("td", **{"data-field": "placement"})
    types = compare.find_all("td", **{"data-field": "type"})
    out["compare"], out["compare_pct"] = {}, {}
    for i, cell, t in zip(ids, cells, types, strict=True):
        kind = cell.get("data-outcome")
        code = fits[i].placement if kind in ("placement", "too_close_to_call") else kind
        shown_type = None if t.text.strip() == "—" else t.text.split()[0].rstrip(",")
        out["compare"][i] = (code, shown_type)
        if shown_type:
            out["compare_pct"][i] = (_percent(t.text), None)

    # CSV and XLSX.
    text = client.get(f"/vacancies/{vacancy.id}/export.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))[1:]
    where, typed_at = COLUMNS.index("recommended_placement"), COLUMNS.index("type_code")
    # The exports name the decision in the reader's language (English here): read it back.
    code_of = {
        placement_label(c, "en"): c
        for c in ("hunter", "farmer", "sales_operations", NO_SUITABLE_ROLE, NOT_INTERPRETABLE)
    }
    out["csv"] = {int(r[0]): (code_of[r[where]], r[typed_at] or None) for r in rows if r[where]}
    book = load_workbook(io.BytesIO(client.get(f"/vacancies/{vacancy.id}/export.xlsx").content))
    sheet = book.worksheets[0]
    out["xlsx"] = {
        int(r[0]): (code_of[r[where]], r[typed_at] or None)
        for r in sheet.iter_rows(min_row=2, values_only=True)
        if r[where]
    }

    # The API and the webhook payload.
    admin = db.exec(select(User).where(User.email == "ada@example.com")).one()
    key = create_api_key(db, name="walk", scope="read", created_by=admin).secret
    db.commit()
    out["api"], out["webhook"] = {}, {}
    with TestClient(app, headers={"Authorization": f"Bearer {key}"}) as api:
        for i in ids:
            body = api.get(f"/api/v1/candidates/{i}/results").json()
            fit = body["role_fit"]
            code = fit["placement"] if fit["placement"] is not None else fit["outcome"]
            out["api"][i] = (code, body["type"]["code"] if body["type"] else None)
            payload = recommendation_payload(fits[i])
            assert payload is not None
            out["webhook"][i] = (payload["placement"] or payload["outcome"], payload["type_code"])
    return out


def test_every_demo_candidate_shows_the_same_type_certainty_and_placement_everywhere(
    app: FastAPI, client: TestClient, db: Session, demo: Vacancy
) -> None:
    surfaces = _surfaces(app, client, db, demo)
    fits = {f.invitation_id: f for f in db.exec(select(FitRecord)).all()}
    assert len(fits) == len(COMPLETED)
    for i, fit in fits.items():
        quality = worst_quality(
            [r.quality_level for r in db.exec(select(Result).where(Result.invitation_id == i))]
        )
        verdict = decide(Recommendation.model_validate(fit.data), quality_level=quality)
        expected = (verdict.code, fit.type_code if verdict.shows_type else None)
        for name in ("report", "pdf", "table", "compare", "csv", "xlsx", "api", "webhook"):
            assert surfaces[name][i] == expected, (name, i, surfaces[name][i], expected)
        if verdict.shows_type:
            shown = {surfaces[n][i] for n in ("report_pct", "table_pct", "compare_pct")}
            assert len(shown) == 1, (i, shown)


def test_the_not_for_sales_demo_candidate_has_no_suitable_sales_role_anywhere(
    app: FastAPI, client: TestClient, db: Session, demo: Vacancy
) -> None:
    ili = next(name for name, code, *_ in COMPLETED if code == "ILI")
    candidate = db.exec(select(Candidate).where(Candidate.name == ili)).one()
    invitation = db.exec(select(Invitation).where(Invitation.candidate_id == candidate.id)).one()
    assert invitation.id is not None
    surfaces = _surfaces(app, client, db, demo)
    for name in ("report", "pdf", "table", "compare", "csv", "xlsx", "api", "webhook"):
        assert surfaces[name][invitation.id][0] == NO_SUITABLE_ROLE, name
    page = client.get(f"/invitations/{invitation.id}/report").text
    (shown,) = _with(parse(page).one(id="answer"), "data-outcome")
    assert shown.text == placement_label(NO_SUITABLE_ROLE, "en") == "No suitable sales role"
    assert "not for sales" in parse(page).one(id="explanation").text


def test_unusable_answers_carry_no_type_and_no_placement_on_any_surface(
    app: FastAPI, client: TestClient, db: Session, demo: Vacancy
) -> None:
    """The careless demo candidate, its answers unusable (set so here whatever the quality
    rule decides) and re-scored: every surface says "not interpretable" and names no type."""
    careless = next(entry[0] for entry in COMPLETED if entry[-1] is not None)
    candidate = db.exec(select(Candidate).where(Candidate.name == careless)).one()
    invitation = db.exec(select(Invitation).where(Invitation.candidate_id == candidate.id)).one()
    for r in db.exec(select(Result).where(Result.invitation_id == invitation.id)).all():
        r.quality_level = "unusable"
        db.add(r)
    update_fit(db, invitation=invitation)
    db.commit()
    assert invitation.id is not None
    surfaces = _surfaces(app, client, db, demo)
    for name in ("report", "pdf", "table", "compare", "csv", "xlsx", "api", "webhook"):
        assert surfaces[name][invitation.id] == (NOT_INTERPRETABLE, None), name


def test_each_placement_has_one_name_on_every_russian_page(
    client: TestClient, db: Session, demo: Vacancy
) -> None:
    login(client, "ada@example.com", PASSWORD)
    names = {n: c for n, c, *_ in COMPLETED}
    anna = db.exec(select(Candidate).where(Candidate.name == "Анна Смирнова")).one()
    invitation = db.exec(select(Invitation).where(Invitation.candidate_id == anna.id)).one()
    assert invitation.id is not None and names["Анна Смирнова"] == "ESI"
    report = build_report(db, invitation_id=invitation.id, language="ru")
    # The vacancy's target, the recommendation and the sentences name farmer the same way.
    assert report.vacancy.placement_name == report.headline.placement_name
    assert report.headline.placement_name == "Фермер (клиентский менеджер)"
    pages = [
        client.get(f"/invitations/{i}/report?lang=ru").text
        for i in [f.invitation_id for f in db.exec(select(FitRecord)).all()]
    ]
    pages.append(client.get(f"/vacancies/{demo.id}/candidates?lang=ru").text)
    for text in pages:
        assert "привлекает новых клиентов" not in text
        assert "Сопровождение продаж (операционист)" not in text
    assert "Охотник (активные продажи)" in "".join(pages)


def test_a_flag_raised_twice_is_listed_once(client: TestClient, db: Session, demo: Vacancy) -> None:
    login(client, "ada@example.com", PASSWORD)
    invitation = db.exec(select(Invitation).where(Invitation.completed_at.is_not(None))).first()  # type: ignore[union-attr]
    assert invitation is not None and invitation.id is not None
    fast = {"code": "too_fast", "severity": "doubtful", "detail": "median 1.0 s per item"}
    for r in db.exec(select(Result).where(Result.invitation_id == invitation.id)).all():
        data = dict(r.data)
        quality = dict(data["quality"])
        quality["flags"] = [fast, fast]  # by page times and by item times
        data["quality"] = quality
        r.data = data
        r.quality_level = "doubtful"
        db.add(r)
    db.commit()
    report = build_report(db, invitation_id=invitation.id, language="en")
    assert report.quality_flags == ["too_fast"]
    page = parse(client.get(f"/invitations/{invitation.id}/report").text)
    assert len(page.find_all("li", **{"data-flag": "too_fast"})) == 1


def test_the_migration_decides_stored_rows_as_decide_does(db: Session, demo: Vacancy) -> None:
    """20261205_since_010 (its h14rec step) recomputes fit_records.placement from the stored
    JSON; on every demo candidate, at every quality level, it agrees with
    socionics.recommend.decide."""
    import importlib

    migration = importlib.import_module("app.migrations.versions.20261205_since_010")
    for fit in db.exec(select(FitRecord)).all():
        rec = Recommendation.model_validate(fit.data)
        for quality in ("good", "doubtful", "unusable"):
            verdict = decide(rec, quality_level=quality)
            assert migration._decide(fit.data, quality) == (
                verdict.code,
                verdict.outcome == "too_close_to_call",
            )
