"""Exports: one report as PDF (text checked with pdftotext), a vacancy's reports as a ZIP,
its results as CSV and XLSX (Cyrillic intact, formulas neutralized), each one audited."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, select

from app.exports.tabular import COLUMNS, headers, neutralize
from app.i18n import translations
from app.models import AuditEvent, Vacancy
from tests.factories import make_invitation, make_vacancy
from tests.fitflow import (
    IE,
    SOC,
    answer_questionnaire,
    finish,
    ie_answers,
    questionnaire,
    socionics_answers,
)
from tests.webflow import consent, token_of

NAME = "Анна Петрова-Щукина"


def vacancy_with_both(db: Session) -> Vacancy:
    vacancy = make_vacancy(db, title="Клиентский менеджер, Москва", placement="farmer")
    vacancy.questionnaire_ids = [IE, SOC]
    db.add(vacancy)
    db.commit()
    return vacancy


def complete(client: TestClient, db: Session, settings, vacancy: Vacancy, *, name: str) -> int:
    new = make_invitation(db, settings, vacancy=vacancy, name=name, language="ru")
    token = token_of(new.link)
    consent(client, token)
    answer_questionnaire(client, token, IE, ie_answers(extravert=False))
    answer_questionnaire(client, token, SOC, socionics_answers("ESI"))
    finish(client, token)
    assert new.invitation.id is not None
    return new.invitation.id


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    )
    return out.stdout


needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


@needs_poppler
def test_a_report_pdf_carries_the_candidate_the_versions_and_page_numbers(
    staff: TestClient, db: Session, settings, tmp_path: Path
) -> None:
    vacancy = vacancy_with_both(db)
    invitation_id = complete(staff, db, settings, vacancy, name=NAME)
    r = staff.get(f"/invitations/{invitation_id}/report.pdf?lang=ru")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert "attachment" in r.headers["content-disposition"]
    assert r.content.startswith(b"%PDF")
    text = pdf_text(r.content, tmp_path)
    if keep := os.environ.get("KEEP_PDF"):  # for looking at the pages: pdftoppm -png -r 70
        Path(keep).write_bytes(r.content)
    flat = " ".join(text.split())
    assert NAME in flat
    assert "ОТЧЁТ О СООТВЕТСТВИИ" in flat  # the print template, in Russian (kicker in capitals)
    # The versions in words: each questionnaire by its title, never by its id.
    for q in (questionnaire(IE), questionnaire(SOC)):
        assert f"{q.title.get('ru')}, версия {q.version}" in flat  # type: ignore[union-attr]
    assert "introversion_extraversion" not in flat and "socionics_16" not in flat
    pages = text.count("\f")
    assert pages >= 2
    assert f"стр. 1 из {pages}" in flat and f"стр. {pages} из {pages}" in flat
    assert "ESI" in flat


def test_the_pdf_is_for_recruiters_not_for_hiring_managers(staff: TestClient, db, settings):
    # The URL walk (test_permissions_urls) checks every role; here, the audit trail.
    vacancy = vacancy_with_both(db)
    invitation_id = complete(staff, db, settings, vacancy, name=NAME)
    assert staff.get(f"/invitations/{invitation_id}/report.pdf").status_code == 200
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "report.export_pdf")).one()
    assert event.object_id == str(invitation_id)
    assert event.vacancy_id == vacancy.id
    assert event.actor_email == "rita@example.com"
    assert NAME not in str(event.details)  # no personal data in the log


def test_the_zip_holds_one_pdf_per_completed_candidate(staff: TestClient, db, settings) -> None:
    vacancy = vacancy_with_both(db)
    first = complete(staff, db, settings, vacancy, name=NAME)
    second = complete(staff, db, settings, vacancy, name="Иван Сидоров")
    make_invitation(db, settings, vacancy=vacancy, name="Ещё не ответил")
    r = staff.get(f"/vacancies/{vacancy.id}/export.zip")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    assert archive.testzip() is None
    names = sorted(archive.namelist())
    assert names == sorted([f"Анна_Петрова-Щукина-{first}.pdf", f"Иван_Сидоров-{second}.pdf"])
    for name in names:
        assert archive.read(name).startswith(b"%PDF")


def test_the_csv_has_a_bom_one_row_per_candidate_and_no_formulas(
    staff: TestClient, db, settings
) -> None:
    vacancy = vacancy_with_both(db)
    complete(staff, db, settings, vacancy, name=NAME)
    make_invitation(db, settings, vacancy=vacancy, name='=HYPERLINK("http://evil")')
    r = staff.get(f"/vacancies/{vacancy.id}/export.csv")
    assert r.status_code == 200
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == headers("en")
    assert len(rows) == 3
    by_name = {row[1]: dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]}
    done = by_name[NAME]
    assert done["status"] == "Completed"
    assert done["recommended_placement"] == "Farmer (client manager)"
    assert done["type_code"] == "ESI"
    assert "." in done["target_fit"] and float(done["target_fit"]) > 0  # a decimal point
    assert datetime.fromisoformat(done["completed_at"])  # ISO 8601
    assert '\'=HYPERLINK("http://evil")' in by_name


def test_the_csv_speaks_the_readers_language(staff: TestClient, db, settings) -> None:
    vacancy = vacancy_with_both(db)
    complete(staff, db, settings, vacancy, name=NAME)
    r = staff.get(f"/vacancies/{vacancy.id}/export.csv?lang=ru")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["№ приглашения", "Кандидат", "Email", "Статус"]
    assert not any("_" in h for h in rows[0])  # no column ids, no snake_case codes
    done = dict(zip(COLUMNS, rows[1], strict=True))
    ru = translations("ru").gettext
    assert done["status"] == ru("Completed") != "Completed"
    assert done["recommended_placement"] == "Фермер (клиентский менеджер)"
    assert done["type_code"] == "ЭСИ"
    assert done["quality"] == ru("Good") != "Good"
    assert all("_" not in v for k, v in done.items() if k not in ("candidate_email",))


def test_the_csv_for_excel_uses_semicolons_decimal_commas_and_russian_dates(
    staff: TestClient, db, settings
) -> None:
    vacancy = vacancy_with_both(db)
    complete(staff, db, settings, vacancy, name=NAME)
    make_invitation(db, settings, vacancy=vacancy, name="-1+2; x")
    r = staff.get(f"/vacancies/{vacancy.id}/export.csv?sep=semicolon&lang=ru")
    text = r.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == headers("ru") and len(rows) == 3
    done = next(dict(zip(COLUMNS, row, strict=True)) for row in rows[1:] if row[1] == NAME)
    # 27.1 with a dot is a date to Russian Excel; with a comma it is a number.
    assert re.fullmatch(r"\d{1,3},\d", done["target_fit"]), done["target_fit"]
    assert re.fullmatch(r"0,\d{1,2}", done["type_probability"]), done["type_probability"]
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d", done["completed_at"])
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d", done["invited_at"])
    assert any(row[1] == "'-1+2; x" for row in rows[1:])  # still no formula


def test_the_xlsx_opens_with_cyrillic_intact(staff: TestClient, db, settings) -> None:
    vacancy = vacancy_with_both(db)
    complete(staff, db, settings, vacancy, name=NAME)
    make_invitation(db, settings, vacancy=vacancy, name="@SUM(A1:A9)")
    r = staff.get(f"/vacancies/{vacancy.id}/export.xlsx")
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.content), read_only=True)
    sheet = book.worksheets[0]
    assert sheet.title == "Клиентский менеджер, Москва"
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == headers("en")
    names = {row[1] for row in rows[1:]}
    assert names == {NAME, "'@SUM(A1:A9)"}
    book.close()
    actions = set(db.exec(select(AuditEvent.action)).all())
    assert "vacancy.export_xlsx" in actions


def test_the_xlsx_has_typed_cells_widths_a_filter_and_a_frozen_header(
    staff: TestClient, db, settings
) -> None:
    vacancy = vacancy_with_both(db)
    complete(staff, db, settings, vacancy, name=NAME)
    make_invitation(db, settings, vacancy=vacancy, name="Ещё не ответил")
    r = staff.get(f"/vacancies/{vacancy.id}/export.xlsx?lang=ru")
    sheet = load_workbook(io.BytesIO(r.content)).worksheets[0]
    assert [c.value for c in sheet[1]] == headers("ru")
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:Q{sheet.max_row}" and sheet.max_row == 3
    assert sheet.column_dimensions["B"].width >= 20  # the candidate's name
    assert all((sheet.column_dimensions[c].width or 0) >= 10 for c in "ABCDEFGHIJKLMNOPQ")
    done = next(row for row in sheet.iter_rows(min_row=2) if row[1].value == NAME)
    cell = dict(zip(COLUMNS, done, strict=True))
    assert isinstance(cell["invitation_id"].value, int)
    for column in ("invited_at", "completed_at"):
        assert isinstance(cell[column].value, datetime), column
        assert cell[column].is_date and "YYYY" in cell[column].number_format.upper()
    for column in ("best_fit", "target_fit", "type_probability"):
        assert isinstance(cell[column].value, float), column
    assert cell["recommended_placement"].value == "Фермер (клиентский менеджер)"
    assert cell["status"].data_type == "s"
    waiting = next(row for row in sheet.iter_rows(min_row=2) if row[1].value == "Ещё не ответил")
    assert dict(zip(COLUMNS, waiting, strict=True))["completed_at"].value is None


@pytest.mark.parametrize("text", ["=1+1", "+7 999", "-2", "@cmd", "\tx", "\rx"])
def test_cells_a_spreadsheet_would_run_are_kept_as_text(text: str) -> None:
    assert neutralize(text) == "'" + text
    assert neutralize("Анна") == "Анна"
