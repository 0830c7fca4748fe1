"""CRM export files: the ready Bitrix24 and amoCRM mappings, formats, and whole refusals."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook

from app.outcomes.crm import (
    AMOCRM,
    BITRIX24,
    DealFileError,
    Outcome,
    parse_amount,
    parse_date,
    parse_deals,
)

BITRIX_CSV = (
    "ID;Название сделки;Стадия сделки;Сумма;Валюта;Ответственный;Компания;Дата создания;"
    "Дата закрытия;Товары\n"
    "101;Поставка;Сделка успешна;150 000,50;RUB;Анна Смирнова;ООО Ромашка;01.02.2026;"
    "15.02.2026 12:30:00;Бумага, Тонер\n"
    '102;Поставка 2;Сделка провалена;"1 200";RUB;Игорь Волков;АО Вектор;03.02.2026;;\n'
    "103;Новая;Квалификация пройдена;;RUB;Игорь Волков;;05.02.2026;;\n"
)


def test_it_reads_a_bitrix24_deal_export_in_windows_1251() -> None:
    deals = parse_deals(BITRIX_CSV.encode("cp1251"), BITRIX24)
    assert [d.deal_id for d in deals] == ["101", "102", "103"]
    first, lost, lead = deals
    assert first.outcome is Outcome.won and first.amount == Decimal("150000.50")
    assert first.closed == date(2026, 2, 15) and first.products == ("Бумага", "Тонер")
    assert first.responsible == "Анна Смирнова" and first.company == "ООО Ромашка"
    assert lost.outcome is Outcome.lost and lost.closed == date(2026, 2, 3)  # no date: created
    assert lead.outcome is Outcome.open and lead.qualified and lead.amount == 0


def test_it_reads_an_amocrm_lead_export_as_xlsx() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        [
            "ID",
            "Название сделки",
            "Бюджет",
            "Ответственный",
            "Статус",
            "Компания",
            "Дата создания",
            "Дата закрытия",
        ]
    )
    sheet.append(
        [
            7,
            "Сделка",
            99000,
            "Мария Ким",
            "Успешно реализовано",
            "ИП Ким",
            datetime(2026, 3, 1, 10, 0),
            datetime(2026, 3, 20, 18, 0),
        ]
    )
    sheet.append(
        [
            8,
            "Сделка",
            5000.5,
            "Мария Ким",
            "Закрыто и не реализовано",
            "",
            "02.03.2026",
            "04.03.2026",
        ]
    )
    buf = io.BytesIO()
    book.save(buf)
    deals = parse_deals(buf.getvalue(), AMOCRM)
    assert [(d.deal_id, d.outcome, d.amount) for d in deals] == [
        ("7", Outcome.won, Decimal(99000)),
        ("8", Outcome.lost, Decimal("5000.5")),
    ]
    assert deals[0].created == date(2026, 3, 1) and deals[0].closed == date(2026, 3, 20)


def test_it_refuses_a_file_whole_naming_each_broken_row() -> None:
    broken = (
        "ID,Ответственный,Стадия сделки,Сумма,Дата создания\n"
        "1,Анна,Сделка успешна,100,01.01.2026\n"
        "2,Анна,Сделка успешна,сто рублей,01.01.2026\n"
        "1,Анна,Сделка успешна,100,01.01.2026\n"
        "3,,Сделка успешна,100,01.01.2026\n"
        "4,Анна,Сделка успешна,100,32.13.2026\n"
    )
    with pytest.raises(DealFileError) as err:
        parse_deals(broken.encode(), BITRIX24)
    rows = [(p.row, p.message) for p in err.value.problems]
    assert [r for r, _ in rows] == [3, 4, 5, 6]
    assert "not an amount" in err.value.problems[0].text()
    assert "also on row 2" in err.value.problems[1].text()


def test_it_names_the_columns_a_file_lacks() -> None:
    with pytest.raises(DealFileError) as err:
        parse_deals("ID;Сумма\n1;100\n".encode(), AMOCRM)
    text = err.value.problems[0].text()
    assert '"Ответственный"' in text and '"Статус"' in text and '"Дата создания"' in text


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"PK\x03\x04broken",
        b"\x00\x01\x02",
        # Neither UTF-8 nor Windows-1251 (which leaves 0x98 undefined): once a 500.
        bytes(range(256)) * 4,
        b"ID;\x98\n",
    ],
)
def test_it_refuses_files_that_are_not_tables(data: bytes) -> None:
    with pytest.raises(DealFileError):
        parse_deals(data, BITRIX24)


@pytest.mark.parametrize(
    "data",
    [
        "<html><table><tr><td>ID</td><td>Ответственный</td></tr></table></html>".encode(),
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200),
    ],
)
def test_it_says_an_xls_file_must_be_saved_as_csv_or_xlsx(data: bytes) -> None:
    with pytest.raises(DealFileError) as err:
        parse_deals(data, BITRIX24)
    assert ".xlsx" in err.value.problems[0].text()


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 234 567,89", "1234567.89"),
        ("1\u00a0234,5 руб.", "1234.5"),
        ("1,234,567.89", "1234567.89"),
        ("1.234.567,89", "1234567.89"),
        ("150000 ₽", "150000"),
        ("", "0"),
    ],
)
def test_it_reads_amounts_as_russian_and_english_exports_write_them(text: str, value: str) -> None:
    assert parse_amount(text) == Decimal(value)


@pytest.mark.parametrize("text", ["-5", "NaN", "Infinity", "12a"])
def test_it_refuses_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text)


def test_it_reads_the_date_formats_crms_export() -> None:
    for text in ("05.02.2026", "05.02.2026 13:45", "05.02.2026 13:45:10", "2026-02-05"):
        assert parse_date(text) == date(2026, 2, 5)
