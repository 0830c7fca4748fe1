"""The team pages: employees, the CRM import screen, the evidence page and accepting a proposal."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.matrix.service import current
from app.models import AuditEvent, Deal, Employee, MatrixVersion
from app.outcomes import routes as team_routes
from app.outcomes.service import RoleOutcomes, add_employee
from socionics.evidence import Interval, RoleEvidence, TypeEvidence
from tests.factories import make_user
from tests.htmlq import csrf_of, form_fields, parse
from tests.webflow import STAFF_PASSWORD, login

EXPORT = (
    "ID;Стадия сделки;Сумма;Ответственный;Компания;Дата создания;Дата закрытия\n"
    "1;Сделка успешна;120 000;Ольга Белова;ООО Лес;01.03.2026;05.03.2026\n"
    "2;Сделка успешна;80 000;Пётр Иванов;ООО Поле;02.03.2026;06.03.2026\n"
)


@pytest.fixture
def admin(client: TestClient, db: Session) -> TestClient:
    make_user(db, email="boss@example.com", password=STAFF_PASSWORD, role="admin")
    login(client, "boss@example.com", STAFF_PASSWORD)
    return client


def _csrf(client: TestClient) -> str:
    return csrf_of(client.get("/account").text)


def _upload(client: TestClient, data: bytes, mapping: str = "bitrix24"):
    return client.post(
        "/team/deals",
        data={"csrf_token": _csrf(client), "mapping": mapping},
        files={"file": ("deals.csv", data, "text/csv")},
    )


def test_an_admin_adds_an_employee_and_sees_them_in_the_team(admin: TestClient, db) -> None:
    r = admin.post(
        "/team/employees",
        data={
            "csrf_token": _csrf(admin),
            "name": "Ольга Белова",
            "role": "hunter",
            "team": "Москва",
            "started_on": "2024-02-01",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = admin.get("/team").text
    assert "Ольга Белова" in page and "Москва" in page
    assert db.exec(select(Employee)).one().started_on == date(2024, 2, 1)


def test_an_admin_changes_an_employees_team_and_dates_on_the_team_page(
    admin: TestClient, db
) -> None:
    row = add_employee(
        db,
        name="Ольга Белова",
        email=None,
        role="hunter",
        team="Москва",
        started_on=date(2024, 1, 1),
    )
    db.commit()
    page = admin.get("/team").text
    form = parse(page).one("form", id=f"edit-{row.id}")
    # Each field is there to edit, not carried along hidden.
    kinds = {el.get("name"): el.get("type") for el in form.find_all("input")}
    assert kinds["team"] == "text" and kinds["started_on"] == kinds["ended_on"] == "date"
    fields = form_fields(page, id=f"edit-{row.id}")
    fields.update(role="farmer", team="Казань", started_on="2024-03-01", ended_on="2026-10-31")
    r = admin.post(f"/team/employees/{row.id}", data=fields, follow_redirects=False)
    assert r.status_code == 303
    db.refresh(row)
    assert (row.role, row.team, row.started_on, row.ended_on) == (
        "farmer",
        "Казань",
        date(2024, 3, 1),
        date(2026, 10, 31),
    )
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "employee.update")).one()
    assert event.details["fields"] == ["dates", "role", "team"]
    log = admin.get("/admin/audit?lang=ru").text
    assert "Команда или территория" in log and "Даты начала и окончания" in log
    fields.update(ended_on="2023-01-01")
    r = admin.post(f"/team/employees/{row.id}", data=fields)
    assert r.status_code == 422 and "Дата увольнения раньше даты начала работы." in r.text


def test_the_add_form_stops_typing_at_the_lengths_the_server_takes(admin: TestClient) -> None:
    """A longer name was refused with a bare "invalid value" page that lost the form."""
    page = parse(admin.get("/team").text)
    form = page.one("form", action="/team/employees")
    lengths = {el.get("name"): el.get("maxlength") for el in form.find_all("input")}
    assert lengths["name"] == "200" and lengths["email"] == "254" and lengths["team"] == "100"


def test_a_second_employee_with_the_same_email_is_refused(admin: TestClient, db) -> None:
    add_employee(
        db,
        name="Ольга Белова",
        email="olga@example.com",
        role="hunter",
        team="",
        started_on=date(2024, 1, 1),
    )
    db.commit()
    r = admin.post(
        "/team/employees",
        data={
            "csrf_token": _csrf(admin),
            "name": "Ольга Б.",
            "email": "Olga@Example.com",
            "role": "farmer",
            "started_on": "2024-02-01",
        },
    )
    assert r.status_code == 422 and "already on the team" in r.text
    assert 'value="Ольга Б."' in r.text
    assert len(db.exec(select(Employee)).all()) == 1


def test_a_bad_date_keeps_what_was_typed_and_says_why(admin: TestClient) -> None:
    r = admin.post(
        "/team/employees",
        data={"csrf_token": _csrf(admin), "name": "Ольга", "role": "hunter", "started_on": "1.2"},
    )
    assert r.status_code == 422
    assert "YYYY-MM-DD" in r.text and 'value="Ольга"' in r.text


def test_an_import_shows_what_it_did_and_the_names_left_to_match(admin: TestClient, db) -> None:
    olga = add_employee(
        db, name="Ольга Белова", email=None, role="hunter", team="", started_on=date(2024, 1, 1)
    )
    db.commit()
    r = _upload(admin, EXPORT.encode("cp1251"))
    assert r.status_code == 200
    assert "2 new, 0 updated, 0 unchanged" in r.text
    again = _upload(admin, EXPORT.encode("cp1251"))
    assert "0 new, 0 updated, 2 unchanged" in again.text
    team = admin.get("/team").text
    assert "Пётр Иванов" in team  # listed for matching
    r = admin.post(
        "/team/deals/resolve",
        data={"csrf_token": _csrf(admin), "responsible": "Пётр Иванов", "employee_id": olga.id},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert (
        db.exec(select(func.count()).select_from(Deal).where(Deal.employee_id == olga.id)).one()
        == 2
    )


def test_an_unmatched_name_is_given_to_no_one_until_the_admin_chooses(
    admin: TestClient, db
) -> None:
    """The list once preselected the first employee: one click gave the deals to them."""
    add_employee(
        db, name="Ольга Белова", email=None, role="hunter", team="", started_on=date(2024, 1, 1)
    )
    db.commit()
    _upload(admin, EXPORT.encode("cp1251"))
    form = parse(admin.get("/team").text).one("form", action="/team/deals/resolve")
    chosen = [o for o in form.find_all("option") if "selected" in o.attrs]
    assert [o.get("value") for o in chosen] == ["0"]
    fields = form_fields(admin.get("/team").text, action="/team/deals/resolve")
    r = admin.post("/team/deals/resolve", data={**fields, "employee_id": "0"})
    assert r.status_code == 422
    # Where the names come from: an erased employee's name can come back from the next export.
    note = parse(admin.get("/team?lang=en").text).one("p", id="unmatched-source").text
    assert "come from the CRM file itself" in note and "erased" in note
    note = parse(admin.get("/team?lang=ru").text).one("p", id="unmatched-source").text
    assert "из самого файла CRM" in note
    assert db.exec(select(Deal).where(Deal.responsible == "Пётр Иванов")).one().employee_id is None


def test_a_broken_file_is_refused_whole_with_its_rows(admin: TestClient, db) -> None:
    broken = EXPORT + "3;Сделка успешна;дорого;Ольга Белова;;01.03.2026;\n"
    r = _upload(admin, broken.encode())
    assert r.status_code == 422
    assert "Nothing was imported" in r.text and "Row 4:" in r.text
    assert db.exec(select(func.count()).select_from(Deal)).one() == 0


def test_a_binary_file_is_refused_with_a_reason_not_a_server_error(admin: TestClient, db) -> None:
    # Bytes that neither UTF-8 nor Windows-1251 decode (0x98), as in an image or old .xls.
    r = _upload(admin, bytes(range(256)) * 4)
    assert r.status_code == 422
    assert "not a CSV or XLSX table" in r.text
    r = admin.post(
        "/team/deals/mapping",
        data={"csrf_token": _csrf(admin)},
        files={"file": ("deals.csv", bytes(range(256)) * 4, "text/csv")},
    )
    assert r.status_code == 422 and "not a CSV or XLSX table" in r.text


def test_the_evidence_page_says_what_is_missing_for_a_small_team(admin: TestClient, db) -> None:
    add_employee(db, name="Ольга", email=None, role="farmer", team="", started_on=date(2024, 1, 1))
    db.commit()
    page = admin.get("/team/evidence").text
    assert "Not enough evidence for this role: 0 people" in page
    assert "Not enough evidence yet: 0 people" in page
    assert "Accept as a new matrix version" not in page


def test_the_demo_team_gets_a_verdict_for_the_whole_team(admin: TestClient, db, settings) -> None:
    from app.main import load_questionnaires
    from app.models import User
    from app.outcomes.demo import add_demo_team

    boss = db.exec(select(User)).one()
    add_demo_team(db, settings=settings, admin=boss, catalog=load_questionnaires())
    db.commit()
    page = admin.get("/team/evidence?lang=ru").text
    assert "Вся команда" in page and "40 человек" in page
    # 30 client managers get the verdict, chart, best third and proposal; 2 to 4 people in
    # each other role are not enough.
    assert page.count("Недостаточно данных по этой роли") == 4
    # The type chart, and one chart per headline figure of the client manager (retention,
    # repeat sales, reactivated clients) against the fit and the four letters.
    assert page.count('class="rf-chart"') == 1 + 3
    assert "Каждый показатель роли в сравнении с оценкой" in page
    for figure in ("retention", "repeat_share", "reactivated"):
        chart = page.split(f'<figure class="chart" data-figure="{figure}">', 1)[1]
        chart = chart.split("</figure>", 1)[0]
        assert chart.count('class="rf-row"') == 5, figure
        assert "Соответствие, +10" in chart and "Рациональность (J)" in chart
    assert "Результаты согласуются с матрицей." in page
    assert "Ячейки, которые данные предлагают изменить" in page
    assert "Куда указывают данные (90%-й интервал)" in page
    assert "встречаются: ЛИИ (LII)." in page  # what the best third suggests for hiring
    lii = page.split("ЛИИ (LII)</td>", 1)[1].split("</tr>", 1)[0]
    assert " … " in lii  # the moved cell's interval on the 0-100 scale
    assert "Принять как новую версию матрицы" in page

    # 40 people answered both questionnaires: too few to read extraversion from both yet.
    assert "Экстраверсия оценивается только по соционическому опроснику" in page
    assert "200 человек" in page


def test_the_evidence_page_says_when_extraversion_is_read_from_both_questionnaires(
    admin: TestClient, db, settings, monkeypatch
) -> None:
    from app.main import load_questionnaires
    from app.models import User
    from app.outcomes import service
    from app.outcomes.demo import add_demo_team

    add_demo_team(
        db, settings=settings, admin=db.exec(select(User)).one(), catalog=load_questionnaires()
    )
    db.commit()
    monkeypatch.setattr(service, "MIN_SAMPLE", 30)
    rho = service.extraversion_correlation(db)
    assert rho is not None
    page = admin.get("/team/evidence").text
    assert "extraversion is read from both" in page
    assert f"correlation of their true scores: {rho:.2f}" in page


def test_accepting_the_demo_teams_proposal_stores_a_new_matrix_version(
    admin: TestClient, db, settings
) -> None:
    from app.main import load_questionnaires
    from app.models import User
    from app.outcomes.demo import add_demo_team

    boss = db.exec(select(User)).one()
    add_demo_team(db, settings=settings, admin=boss, catalog=load_questionnaires())
    before = current(db)
    db.commit()
    assert before.matrix.fit("LII", "farmer") == 25
    fields = form_fields(admin.get("/team/evidence").text, action="/team/evidence/accept")
    r = admin.post("/team/evidence/accept", data=fields, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin/matrix?saved=1"
    db.expire_all()
    after = current(db)
    assert after.version.id != before.version.id
    assert after.matrix.fit("LII", "farmer") >= 60
    # Only the evidence's cell changed.
    changed = [
        (code, role)
        for code, fits in after.matrix.to_dict()["types"].items()
        for role, fit in fits["fit"].items()
        if before.matrix.to_dict()["types"][code]["fit"][role] != fit
    ]
    assert changed == [("LII", "farmer")]
    assert after.version.note.startswith("evidence: LII/farmer: 25→")
    assert re.search(r"\(n≈\d+, 90%: \d+–\d+\)", after.version.note), after.version.note
    # With LII where the evidence put it, the page has nothing more to propose.
    page = admin.get("/team/evidence").text
    assert "Accept as a new matrix version" not in page


def test_accepting_the_proposal_stores_a_new_matrix_version(
    admin: TestClient, db, monkeypatch
) -> None:
    same = Interval(0.0, -0.1, 0.1)

    def fake(session, *, role, figure=None, period="quarter", today=None, lapse_months=6):
        moved = role == "farmer"
        types = (TypeEvidence("ILI", 10, 40.0, same, Interval(1.0, 0.5, 1.5), moved, 40),)
        ev = RoleEvidence(role, 200, True, types, same, same)
        return RoleOutcomes(role, "repeat_share", 200, 200, 200, ev)

    monkeypatch.setattr(team_routes, "evidence_for_role", fake)
    current(db)  # the file's matrix, stored as version 1 when first needed
    db.commit()
    before = db.exec(select(func.count()).select_from(MatrixVersion)).one()
    fields = form_fields(admin.get("/team/evidence").text, action="/team/evidence/accept")
    r = admin.post("/team/evidence/accept", data=fields, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin/matrix?saved=1"
    newest = db.exec(select(MatrixVersion).order_by(MatrixVersion.id.desc())).first()
    assert db.exec(select(func.count()).select_from(MatrixVersion)).one() == before + 1
    assert newest.content["types"]["ILI"]["fit"]["farmer"] == 40
    assert "ILI/farmer: 10→40" in newest.note


def _monthly_proposal(monkeypatch) -> None:
    """Evidence that moves ILI/farmer on monthly figures only."""
    same = Interval(0.0, -0.1, 0.1)

    def fake(session, *, role, figure=None, period="quarter", today=None, lapse_months=6):
        moved = role == "farmer" and period == "month"
        types = (TypeEvidence("ILI", 10, 40.0, same, Interval(1.0, 0.5, 1.5), moved, 40),)
        ev = RoleEvidence(role, 200, True, types, same, same)
        return RoleOutcomes(role, "repeat_share", 200, 200, 200, ev)

    monkeypatch.setattr(team_routes, "evidence_for_role", fake)


def test_accepting_takes_the_proposal_of_the_period_shown(admin: TestClient, db, monkeypatch):
    _monthly_proposal(monkeypatch)
    current(db)
    db.commit()
    fields = form_fields(
        admin.get("/team/evidence?period=month").text, action="/team/evidence/accept"
    )
    assert fields["period"] == "month"
    r = admin.post("/team/evidence/accept", data=fields, follow_redirects=False)
    assert r.headers["location"] == "/admin/matrix?saved=1"
    assert current(db).matrix.fit("ILI", "farmer") == 40


def test_a_proposal_that_changed_since_the_page_was_shown_is_not_accepted(
    admin: TestClient, db, monkeypatch
) -> None:
    _monthly_proposal(monkeypatch)
    before = current(db).version.id
    db.commit()
    fields = form_fields(
        admin.get("/team/evidence?period=month").text, action="/team/evidence/accept"
    )
    fields["proposal"] = "0" * 12  # what another page showed before new deals came in
    r = admin.post("/team/evidence/accept", data=fields, follow_redirects=False)
    assert r.headers["location"] == "/team/evidence?period=month&changed=1"
    assert current(db).version.id == before
    assert parse(admin.get(r.headers["location"]).text).one(id="proposal-changed")


def test_an_admin_rejects_the_proposal_and_the_matrix_stays(
    admin: TestClient, db, monkeypatch
) -> None:
    _monthly_proposal(monkeypatch)
    before = current(db).version.id
    db.commit()
    page = admin.get("/team/evidence?period=month").text
    fields = form_fields(page, action="/team/evidence/reject")
    r = admin.post("/team/evidence/reject", data=fields, follow_redirects=False)
    assert r.headers["location"] == "/team/evidence?period=month&rejected=1"
    assert current(db).version.id == before
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "evidence.reject")).one()
    assert event.details == {"period": "month", "proposed_cells": 1, "proposal": fields["proposal"]}
    page = parse(admin.get("/team/evidence?period=month").text)
    assert page.one(id="proposal-rejected")
    assert page.find_all("form", action="/team/evidence/reject") == []
    # It can still be accepted.
    assert page.one("form", action="/team/evidence/accept")


def test_a_role_with_enough_people_shows_its_chart_proposal_and_best_third(
    admin: TestClient, monkeypatch
) -> None:
    from socionics.evidence import TopThirdShare
    from socionics.model import type_codes

    same = Interval(0.0, -0.1, 0.1)

    def fake(session, *, role, figure=None, period="quarter", today=None, lapse_months=6):
        types = tuple(
            TypeEvidence(c, 50, 10.0, Interval(0.2, -0.3, 0.7), same, c == "ILI", 80)
            for c in type_codes()
        )
        ev = RoleEvidence(role, 120, True, types, same, Interval(0.4, 0.1, 0.7))
        bench = [
            TopThirdShare(c, 0.1, 0.05, Interval(0.05, 0.01, 0.09) if c == "ESE" else same)
            for c in type_codes()
        ]
        return RoleOutcomes(role, HEADLINE_OF[role], 120, 120, 120, ev, bench)

    HEADLINE_OF = {r: f[0] for r, f in team_routes.HEADLINE.items()}
    monkeypatch.setattr(team_routes, "evidence_for_role", fake)
    page = admin.get("/team/evidence?lang=ru").text
    assert page.count('class="rf-chart"') == 5 and page.count('class="rf-row"') == 5 * 16
    assert "Результаты согласуются с матрицей." in page
    assert "Принять как новую версию матрицы" in page
    assert "ЭСЭ (ESE) ✓" in page and "ИЛИ (ILI) ✓" not in page
    assert (
        "Для найма: среди лучшей трети в этой роли чаще" in page
        and "встречаются: ЭСЭ (ESE)." in page
    )
    # A verdict clear of zero needs no word on what the data could have seen.
    assert "была бы видна в четырёх случаях из пяти" not in page


def test_when_the_data_cannot_tell_the_page_says_what_difference_they_could_see(
    admin: TestClient, monkeypatch
) -> None:
    same = Interval(0.0, -0.1, 0.1)

    def fake(session, *, role, figure=None, period="quarter", today=None, lapse_months=6):
        types = tuple(TypeEvidence(c, 50, 10.0, same, same, False, 50) for c in type_codes())
        # Half-width 0.3 at 90%: SE 0.182, so 80% power at (1.645 + 0.842) * 0.182 = 0.45.
        ev = RoleEvidence(role, 120, True, types, same, Interval(0.1, -0.2, 0.4))
        bench = [TopThirdShare(c, 0.06, 0.06, same) for c in type_codes()]
        return RoleOutcomes(role, HEADLINE_OF[role], 120, 120, 120, ev, bench)

    from socionics.evidence import TopThirdShare
    from socionics.model import type_codes

    HEADLINE_OF = {r: f[0] for r, f in team_routes.HEADLINE.items()}
    monkeypatch.setattr(team_routes, "evidence_for_role", fake)
    page = admin.get("/team/evidence?lang=ru").text
    assert page.count("Данные пока не позволяют судить: в интервал попадает") == 5
    assert page.count("настоящая разница в 0.5 стандартного отклонения была бы видна") == 5
    assert page.count("эти результаты не подсказывают, какой тип предпочесть") == 5
    english = admin.get("/team/evidence?lang=en").text
    assert "a true difference of 0.5 standard deviations would be seen four times in five" in (
        english
    )


def test_the_figures_page_shows_each_roles_headline_figures_by_period(
    admin: TestClient, db
) -> None:
    add_employee(
        db, name="Ольга Белова", email=None, role="farmer", team="", started_on=date(2024, 1, 1)
    )
    db.commit()
    _upload(admin, EXPORT.encode("cp1251"))
    page = admin.get("/team/figures?lang=ru").text
    assert "Удержание клиентов" in page and "1-й кв. 2026" in page and ">2026-Q1" not in page
    assert "Ольга Белова" in page
    assert admin.get("/team/figures?period=month").status_code == 200


def test_the_figures_page_shows_any_figure_for_every_role(admin: TestClient, db) -> None:
    """Won deals, revenue, average deal...: every figure, not only each role's headline ones."""
    add_employee(
        db, name="Ольга Белова", email=None, role="farmer", team="", started_on=date(2024, 1, 1)
    )
    db.commit()
    _upload(admin, EXPORT.encode("cp1251"))
    page = parse(admin.get("/team/figures?lang=en").text)
    assert page.one("a", href="/team/figures?period=quarter&figure=revenue")
    page = parse(admin.get("/team/figures?figure=revenue&period=month").text)
    tables = page.find_all("table", class_="figures")
    assert [t.get("data-figure") for t in tables] == ["revenue"]
    assert "120 000" in tables[0].text and "March 2026" in tables[0].text
    assert page.one("a", href="/team/figures?period=quarter&figure=revenue")
    # An unknown figure falls back to the headline ones.
    page = parse(admin.get("/team/figures?figure=nonsense").text)
    assert [t.get("data-figure") for t in page.find_all("table", class_="figures")] == [
        "retention",
        "repeat_share",
        "reactivated",
    ]


@pytest.mark.parametrize(
    ("query", "heading"),
    [
        ("period=quarter&lang=ru", "1-й кв. 2026"),
        ("period=quarter&lang=en", "Q1 2026"),
        ("period=month&lang=ru", "март 2026"),
        ("period=month&lang=en", "March 2026"),
    ],
)
def test_the_figures_page_names_periods_as_its_reader_writes_them(
    admin: TestClient, db, query: str, heading: str
) -> None:
    add_employee(
        db, name="Ольга Белова", email=None, role="farmer", team="", started_on=date(2024, 1, 1)
    )
    db.commit()
    _upload(admin, EXPORT.encode("cp1251"))
    page = parse(admin.get(f"/team/figures?{query}").text)
    table = page.find_all("table", class_="figures")[0]
    first = table.find_all("th", scope="col")[1]
    # The stored key stays as it was; only the heading is in words.
    assert first.text == heading and first.get("data-period") in ("2026-Q1", "2026-03")


@pytest.mark.parametrize(
    ("lang", "summary", "retention"),
    [
        ("ru", "Как считается каждый показатель", "купил у него снова"),
        ("en", "How each figure is counted", "bought from them again"),
    ],
)
def test_the_figures_page_explains_every_figure_on_the_page(
    admin: TestClient, lang: str, summary: str, retention: str
) -> None:
    """Not a repository path a user of the app cannot open: every figure in words, here."""
    html = admin.get(f"/team/figures?lang={lang}").text
    assert "docs/" not in html and "outcomes.md" not in html
    help_ = parse(html).one("details", id="figure-help")
    assert help_.one("summary").text == summary
    explained = [d.get("data-figure") for d in help_.iter() if d.get("data-figure")]
    assert explained == list(team_routes.FIGURE_NAMES)
    for div in help_.iter():
        if div.get("data-figure"):
            assert div.one("dt").text and len(div.one("dd").text) > 20
    assert retention in help_.one("div", data_figure="retention").text


def test_the_figures_page_marks_the_period_not_over_yet(admin: TestClient, db) -> None:
    add_employee(
        db, name="Ольга Белова", email=None, role="farmer", team="", started_on=date(2024, 1, 1)
    )
    db.commit()
    today = date.today().strftime("%d.%m.%Y")
    export = EXPORT + f"3;Сделка успешна;10 000;Ольга Белова;ООО Лес;{today};{today}\n"
    _upload(admin, export.encode("cp1251"))
    page = parse(admin.get("/team/figures?lang=en").text)
    table = page.find_all("table", class_="figures")[0]
    heads = [th.text for th in table.find_all("th", scope="col")]
    assert heads[1] == "Q1 2026" and heads[-1].endswith("not over yet")
    assert sum("not over yet" in h for h in heads) == 1


def test_a_hired_candidate_joins_the_team_from_their_report(
    admin: TestClient, db, settings
) -> None:
    import random
    from datetime import timedelta

    from app.candidate.service import finish, record_consent, save_answers
    from app.db import utcnow
    from app.main import load_questionnaires
    from questionnaires.simulate import leaning_answers
    from tests.factories import make_invitation

    catalog = load_questionnaires()
    inv = make_invitation(db, settings, name="Вера Новикова").invitation
    now = utcnow()
    record_consent(db, invitation=inv, now=now, version=settings.consent_version)
    rng = random.Random(1)
    for qid in inv.questionnaire_ids:
        q = catalog[qid]
        answers = leaning_answers(q, {d.scale: True for d in q.dichotomies}, rng=rng)
        save_answers(db, invitation=inv, questionnaire_id=qid, answers=answers, now=now)
    finish(db, invitation=inv, catalog=catalog, now=now + timedelta(minutes=20))
    db.commit()

    report = admin.get(f"/invitations/{inv.id}/report").text
    assert f'href="/invitations/{inv.id}/hire"' in report
    # The report's own actions (issue 15): the PDF, a decision, a comparison.
    assert f'href="/invitations/{inv.id}/report.pdf"' in report
    assert f'href="/invitations/{inv.id}/decision"' in report
    assert f"/compare?id={inv.id}" in report
    form = admin.get(f"/invitations/{inv.id}/hire").text
    assert "Вера Новикова" in form and 'value="farmer" selected' in form
    r = admin.post(
        f"/invitations/{inv.id}/hire",
        data={
            "csrf_token": _csrf(admin),
            "role": "farmer",
            "team": "Казань",
            "started_on": "2026-12-01",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    employee = db.exec(select(Employee)).one()
    assert (employee.candidate_id, employee.invitation_id) == (inv.candidate_id, inv.id)
    assert (employee.team, employee.started_on) == ("Казань", date(2026, 12, 1))
    # Once on the team, the hire page says so and links to the team instead of the form.
    shown = parse(admin.get(f"/invitations/{inv.id}/hire?lang=en").text)
    note = shown.find(id="already-on-team")
    assert note is not None and "Вера Новикова is already on the sales team" in note.text
    assert (
        note.find("a", href="/team") is not None
        and shown.find("form", action=f"/invitations/{inv.id}/hire") is None
    )
    # A second submission (back button, a second tab) says the same, truthfully: no "added".
    again = admin.post(
        f"/invitations/{inv.id}/hire?lang=en",
        data={"csrf_token": _csrf(admin), "role": "hunter", "started_on": "2026-12-02"},
        follow_redirects=False,
    )
    assert again.status_code == 409 and "location" not in again.headers
    note = parse(again.text).find(id="already-on-team")
    assert note is not None and "nothing was added or changed" in note.text
    db.expire_all()
    employee = db.exec(select(Employee)).one()
    assert (employee.role, employee.started_on) == ("farmer", date(2026, 12, 1))
    # Once on the team, the report links to the team instead of offering to add them again.
    report = admin.get(f"/invitations/{inv.id}/report").text
    assert 'id="team-link"' in report and f'href="/invitations/{inv.id}/hire"' not in report


@pytest.mark.skipif(
    __import__("shutil").which("pdftotext") is None, reason="pdftotext (poppler-utils) missing"
)
def test_the_evidence_page_comes_as_a_pdf_in_the_readers_language(
    admin: TestClient, db, tmp_path
) -> None:
    import subprocess

    admin.get("/team?lang=ru")
    r = admin.get("/team/evidence.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    path = tmp_path / "evidence.pdf"
    path.write_bytes(r.content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Предсказывает ли матрица наши результаты?" in text
    assert "Недостаточно данных по этой роли" in text and "Вся команда" in text
    audit = db.exec(select(func.count()).select_from(AuditEvent)).one()
    assert audit >= 1


def test_the_pause_that_makes_a_client_reactivated_is_a_setting(admin: TestClient, db, app) -> None:
    """REACTIVATION_MONTHS reaches the figures (and the evidence through the same function):
    a client back after four and a half months is reactivated with 3, not with the default 6."""
    add_employee(
        db, name="Ольга Белова", email=None, role="farmer", team="", started_on=date(2024, 1, 1)
    )
    db.commit()
    export = (
        "ID;Стадия сделки;Сумма;Ответственный;Компания;Дата создания;Дата закрытия\n"
        "1;Сделка успешна;100;Ольга Белова;ООО Лес;02.01.2025;05.01.2025\n"
        "2;Сделка успешна;100;Ольга Белова;ООО Лес;15.05.2025;20.05.2025\n"
    )
    _upload(admin, export.encode("cp1251"))

    def q2_2025(page: str) -> str:
        table = page.split('data-figure="reactivated">', 1)[1].split("</table>", 1)[0]
        head = re.findall(r'data-period="([^"]+)"', table)
        cells = re.findall(r"<td>([^<]*)</td>", table)
        return cells[head.index("2025-Q2")]

    assert app.state.settings.reactivation_months == 6
    page = admin.get("/team/figures?figure=reactivated&lang=ru").text
    assert q2_2025(page) == "0"
    assert "больше чем за 6 месяцев до этой" in page

    app.state.settings = app.state.settings.model_copy(update={"reactivation_months": 3})
    page = admin.get("/team/figures?figure=reactivated&lang=ru").text
    assert q2_2025(page) == "1"
    assert "больше чем за 3 месяца до этой" in page
    english = admin.get("/team/figures?figure=reactivated&lang=en").text
    assert "more than 3 months earlier" in english
