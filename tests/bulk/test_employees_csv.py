"""The team's CSV file: the invitation import's reader (encodings, delimiters, row numbers) with
the team's columns, roles in Russian or English, dates, and rows refused with their reason."""

from __future__ import annotations

from datetime import date

import pytest

from app.bulk.employees_csv import parse_employees_csv, parse_role

HEADER_RU = "ФИО;Почта;Роль;Команда;Дата начала;Дата окончания\n"


def test_a_russian_excel_file_in_windows_1251_is_read() -> None:
    text = (
        HEADER_RU
        + "Ольга Белова;olga@example.com;Клиентский менеджер;Москва;01.02.2024;\n"
        + "Пётр Иванов;PETR@example.com;охотник;Казань;15.03.2023;31.12.2025\n"
    )
    parsed = parse_employees_csv(text.encode("cp1251"))
    assert parsed.error is None and parsed.rejected == []
    olga, petr = parsed.rows
    assert (olga.line, olga.name, olga.role, olga.team) == (2, "Ольга Белова", "farmer", "Москва")
    assert (olga.started_on, olga.ended_on) == (date(2024, 2, 1), None)
    assert (petr.email, petr.role, petr.ended_on) == (
        "petr@example.com",
        "hunter",
        date(2025, 12, 31),
    )


def test_an_english_file_with_commas_and_a_bom_is_read() -> None:
    text = (
        "name,email,role,team,start date,end date\n"
        "Anna Smith,anna@example.com,sales operations,North,2024-01-10,\n"
        '"Lee, Jo",jo@example.com,Closer,,2023-05-01,2024-06-30\n'
    )
    parsed = parse_employees_csv(b"\xef\xbb\xbf" + text.encode())
    assert [(r.name, r.role) for r in parsed.rows] == [
        ("Anna Smith", "sales_operations"),
        ("Lee, Jo", "closer"),
    ]


@pytest.mark.parametrize(
    ("word", "role"),
    [
        ("Разведчик", "scout"),
        ("ТМ", "scout"),
        ("активный менеджер", "hunter"),
        ("Клозер", "closer"),
        ("Фермер", "farmer"),
        ("КМ", "farmer"),
        ("client manager", "farmer"),
        ("СОП", "sales_operations"),
        ("операционист", "sales_operations"),
        ("Sales Operations", "sales_operations"),
    ],
)
def test_roles_are_recognised_in_both_languages(word: str, role: str) -> None:
    assert parse_role(word) == role


def test_broken_rows_are_listed_with_their_row_and_reason_and_the_rest_is_kept() -> None:
    text = (
        HEADER_RU
        + "Ольга Белова;olga@example.com;фермер;Москва;01.02.2024;\n"
        + "Без почты;;фермер;;01.02.2024;\n"
        + "Плохая дата;bad@example.com;фермер;;31.02.2024;\n"
        + "Кто-то;who@example.com;директор;;01.02.2024;\n"
        + "Наоборот;back@example.com;охотник;;01.02.2024;01.01.2024\n"
        + "Повтор;OLGA@example.com;охотник;;01.02.2024;\n"
        + "Скрытый\u202eтекст;rtl@example.com;охотник;;01.02.2024;\n"
        + "Адрес;not-an-email;охотник;;01.02.2024;\n"
    )
    parsed = parse_employees_csv(text.encode())
    assert [r.name for r in parsed.rows] == ["Ольга Белова"]
    reasons = {r.line: (r.reason_code, dict(r.values)) for r in parsed.rejected}
    assert reasons == {
        3: ("employee_email_missing", {}),
        4: ("date_invalid", {"value": "31.02.2024"}),
        5: ("role_unknown", {"value": "директор"}),
        6: ("end_before_start", {}),
        7: ("email_duplicate", {"row": 2}),
        8: ("control_chars", {}),
        9: ("email_invalid", {"value": "not-an-email"}),
    }
    # Each reason is a sentence in both languages.
    for r in parsed.rejected:
        assert r.text("ru") and r.text("en") and r.text("ru") != r.text("en")
    assert "31.02.2024" in parsed.rejected[1].text("ru")


def test_a_formula_or_markup_in_a_name_is_kept_as_text() -> None:
    text = (
        "name;email;role;start date\n"
        '=HYPERLINK("http://x");f@example.com;hunter;01.01.2024\n'
        "<script>alert(1)</script>;s@example.com;hunter;01.01.2024\n"
    )
    parsed = parse_employees_csv(text.encode())
    assert [r.name for r in parsed.rows] == ['=HYPERLINK("http://x")', "<script>alert(1)</script>"]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        ("name;email;role;start date\n".encode("utf-16"), "encoding"),
        ("ФИО;Почта\nJosé;j@example.com\n".encode("cp1252", "replace"), "encoding"),
        (b"PK\x03\x04 an xlsx", "excel_workbook"),
        (b"\xd0\x9e\xff\xfe\x00garbage", "not_text"),
        (b"name;email\n\x98\xd0\x00", "not_text"),
        (
            "ФИО;Почта;Роль;Дата начала\nИван;i@example.com;охотник;01.01.2024\n".encode()
            + b"\x98",
            "encoding",
        ),
        ("ФИО;Почта\nОльга;o@example.com\n".encode(), "employee_columns_missing"),
        (b"foo;bar\n1;2\n", "employee_no_header"),
        (b"name;email;role;start date\n", "employee_no_rows"),
        (b"name;email;name;role;start date\n", "duplicate_column"),
        (b'name;email;role;start date\n"open quote;a@b.c;hunter;01.01.2024\n', "malformed"),
    ],
)
def test_a_file_that_cannot_be_used_is_refused_whole(data: bytes, code: str) -> None:
    parsed = parse_employees_csv(data)
    assert parsed.error is not None and parsed.error.code == code, parsed.error
    assert parsed.rows == []
    assert parsed.error.text("ru") and parsed.error.text("en")


def test_missing_columns_are_named_in_russian() -> None:
    parsed = parse_employees_csv("ФИО;Почта\nОльга;o@example.com\n".encode())
    assert parsed.error is not None
    message = parsed.error.text("ru")
    assert "роль" in message and "дата начала" in message
