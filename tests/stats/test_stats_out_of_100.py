"""The statistics page speaks the report's language: means, SDs and percentiles out of 100,
the same conversion the report uses (``questionnaires.engine.out_of_100``); raw sums only in the
part marked for a psychometrician."""

from __future__ import annotations

import re
import statistics

from fastapi.testclient import TestClient
from sqlmodel import Session

from questionnaires.engine import normalize, out_of_100, scale_range
from tests.factories import make_user
from tests.fitflow import IE, questionnaire
from tests.htmlq import Element, parse
from tests.scoring.test_scoring_calibration import store
from tests.webflow import STAFF_PASSWORD, login

NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _page(client: TestClient, db: Session, settings) -> tuple[Element, list[float]]:
    results = store(db, settings, n=40)
    admin = make_user(db, email="admin@example.com", password=STAFF_PASSWORD, role="admin")
    login(client, admin.email, STAFF_PASSWORD)
    r = client.get("/admin/stats?lang=ru")
    assert r.status_code == 200
    # What each candidate's report says: "NN из 100".
    scores = [
        out_of_100(s.normalized)
        for res in results
        if (s := res.scales["extraversion"]).scored and s.normalized is not None
    ]
    return parse(r.text), scores


def test_the_statistics_are_the_reports_scores_out_of_100(
    client: TestClient, db: Session, settings
) -> None:
    page, scores = _page(client, db, settings)
    table = page.one("table", **{"data-questionnaire": IE})
    row = table.one("tr", **{"data-scale": "extraversion", "data-language": "all"})
    assert float(row.one("td", class_="mean").text) == round(statistics.mean(scores), 1)
    assert float(row.one("td", class_="sd").text) == round(statistics.stdev(scores), 1)
    assert float(row.one("td", class_="p50").text) == round(statistics.median(scores))
    # Every figure of the main table is on the 0-100 scale (alpha and its interval 0-1).
    for tr in table.find("tbody").find_all("tr"):  # type: ignore[union-attr]
        for td in tr.find_all("td"):
            for n in NUMBER.findall(td.text):
                assert 0 <= float(n) <= 100, (tr.get("data-scale"), td.text)
    assert "из 100" in page.text


def test_raw_sums_are_kept_for_a_psychometrician_and_labelled(
    client: TestClient, db: Session, settings
) -> None:
    page, _scores = _page(client, db, settings)
    raw = page.one("details", class_="raw-scores", **{"data-questionnaire": IE})
    assert "Сырые суммы" in raw.one("summary").text
    row = raw.one("tr", **{"data-scale": "extraversion", "data-language": "all"})
    low, high = scale_range(questionnaire(IE), "extraversion")
    assert row.one("td", class_="range").text == f"{round(low)}–{round(high)}"
    raw_mean = float(row.one("td", class_="raw-mean").text)
    shown = page.one("table", **{"data-questionnaire": IE})
    mean = float(
        shown.one("tr", **{"data-scale": "extraversion", "data-language": "all"})
        .one("td", class_="mean")
        .text
    )
    assert low <= raw_mean <= high
    # The same people on the two scales: the raw mean goes back to the points through the
    # engine's one conversion.
    assert round(out_of_100(normalize(raw_mean, low, high)), 0) == round(mean, 0)


def test_percentiles_of_fewer_than_30_candidates_are_a_dash_as_in_the_report(
    client: TestClient, db: Session, settings
) -> None:
    store(db, settings, n=12)
    admin = make_user(db, email="admin@example.com", password=STAFF_PASSWORD, role="admin")
    login(client, admin.email, STAFF_PASSWORD)
    page = parse(client.get("/admin/stats").text)
    row = page.one("table", **{"data-questionnaire": IE}).one(
        "tr", **{"data-scale": "extraversion", "data-language": "all"}
    )
    assert [row.one("td", class_=f"p{p}").text.strip() for p in (10, 25, 50, 75, 90)] == ["—"] * 5
    assert NUMBER.fullmatch(row.one("td", class_="mean").text.strip())  # the mean stays
