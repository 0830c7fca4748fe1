"""No surface claims more certainty than the data support: a candidate whose every answer sits
at a pole is shown at most 95% (and at least 5%), in steps of 5%, on the report, the PDF's
page, the candidate table, the comparison, the CSV, the XLSX and the API. Today's code said
">99%" and "100%" and wrote type_probability 1.0."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from app.exports.pdf import report_html
from app.exports.tabular import COLUMNS, headers
from app.reports.build import build_report
from questionnaires.shown import shown_percent, shown_probability
from tests.factories import make_invitation, make_vacancy
from tests.fitflow import IE, SOC, answer_questionnaire, finish, ie_answers, socionics_answers
from tests.htmlq import parse
from tests.webflow import consent, token_of

PERCENT = re.compile(r"(?<![\d.])(\d{1,3}(?:[.,]\d+)?)\s?%")


@pytest.mark.parametrize(
    ("p", "shown"),
    [
        (0.0, 0.05),
        (0.02, 0.05),
        (0.074, 0.05),
        (0.075, 0.1),
        (0.5, 0.5),
        (0.724, 0.7),
        (0.725, 0.75),
        (0.9749, 0.95),
        (0.999, 0.95),
        (1.0, 0.95),
    ],
)
def test_a_probability_is_shown_in_steps_of_five_within_five_to_ninety_five(p, shown) -> None:
    assert shown_probability(p) == shown
    assert shown_percent(p) == f"{round(shown * 100)}%"


def test_no_probability_is_shown_as_a_dash() -> None:
    assert shown_probability(None) is None and shown_percent(None) == "—"
    assert shown_probability(float("nan")) is None


def _percents(text: str) -> list[float]:
    return [float(x.replace(",", ".")) for x in PERCENT.findall(text)]


def _assert_shown(html: str, where: str) -> None:
    # What a reader sees: the text, not the markup (layout widths in % live in attributes).
    text = re.sub(r"<[^>]*>", " ", re.sub(r"<style.*?</style>", " ", html, flags=re.S))
    assert "100%" not in text and ">99" not in text and "&gt;99" not in text, where
    found = _percents(text)
    for value in found:
        assert 5 <= value <= 95 and value % 5 == 0, (where, value)


@pytest.fixture
def clear_candidates(staff: TestClient, db: Session, settings) -> tuple[int, list[int]]:
    """Two candidates answering at the poles of every scale (the most certain answers)."""
    vacancy = make_vacancy(db, placement="farmer")
    vacancy.questionnaire_ids = [IE, SOC]
    db.add(vacancy)
    db.commit()
    ids = []
    for code, extravert in (("ESI", False), ("SLE", True)):
        new = make_invitation(db, settings, vacancy=vacancy)
        token = token_of(new.link)
        consent(staff, token)
        answer_questionnaire(staff, token, IE, ie_answers(extravert=extravert))
        answer_questionnaire(staff, token, SOC, socionics_answers(code))
        finish(staff, token)
        assert new.invitation.id is not None
        ids.append(new.invitation.id)
    assert vacancy.id is not None
    return vacancy.id, ids


def test_no_surface_shows_more_than_95_or_less_than_5_percent(
    staff: TestClient, api: TestClient, db: Session, clear_candidates
) -> None:
    vacancy_id, ids = clear_candidates
    for lang in ("en", "ru"):
        for i in ids:
            page = staff.get(f"/invitations/{i}/report?lang={lang}")
            assert page.status_code == 200
            _assert_shown(page.text, f"report {lang}")
            pdf_page = report_html(build_report(db, invitation_id=i, language=lang))
            _assert_shown(pdf_page, f"pdf {lang}")
        table = staff.get(f"/vacancies/{vacancy_id}?lang={lang}")
        assert table.status_code == 200
        _assert_shown(table.text, f"candidate table {lang}")
        compare = staff.get(f"/vacancies/{vacancy_id}/compare?id={ids[0]}&id={ids[1]}&lang={lang}")
        assert compare.status_code == 200
        _assert_shown(compare.text, f"comparison {lang}")
    # The report did show probabilities (else this test proves nothing), and says what they mean.
    assert _percents(staff.get(f"/invitations/{ids[0]}/report").text)
    for lang, words in (("en", "about 80 in 100 would describe themselves"), ("ru", "80 из 100")):
        page = parse(staff.get(f"/invitations/{ids[0]}/report?lang={lang}").text)
        said = page.one("p", id="how-sure-help").text
        assert (words in said and "OEJTS" in said and "1,079" in said) or "1 079" in said
        assert "95%" in said and "%%" not in said
        # A new installation: no self-descriptions learned yet, and the report says so.
        learned = page.one("p", id="how-sure-learned").text
        assert ("Not learned here yet" in learned or "ещё не настроено" in learned) and (
            "S/N" in learned and "25" in learned
        )

    rows = list(
        csv.DictReader(io.StringIO(staff.get(f"/vacancies/{vacancy_id}/export.csv?lang=en").text))
    )
    # The exports' headers follow the reader's language (English here).
    type_probability = headers("en")[COLUMNS.index("type_probability")]
    values = [float(r[type_probability]) for r in rows]
    assert len(values) == 2 and all(0.05 <= v <= 0.95 for v in values)
    assert all(round(v * 20, 6) == round(v * 20) for v in values)

    book = load_workbook(
        io.BytesIO(staff.get(f"/vacancies/{vacancy_id}/export.xlsx?lang=en").content),
        read_only=True,
    )
    sheet = book.worksheets[0]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    column = header.index(type_probability)
    cells = [r[column].value for r in sheet.iter_rows(min_row=2)]
    assert cells and all(0.05 <= float(v) <= 0.95 for v in cells)

    for i in ids:
        body = api.get(f"/api/v1/candidates/{i}/results").json()
        numbers = []
        for result in body["questionnaires"]:
            for d in result["dichotomies"].values():
                numbers += [d["probability"], d["p_high"]]
        t = body["type"]
        numbers += [t["probability"], *t["probabilities"].values()]
        assert numbers and all(0.05 <= x <= 0.95 for x in numbers if x is not None), numbers
