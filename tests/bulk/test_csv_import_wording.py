"""The CSV import's problems in words: every code reads in English and in Russian through the
catalogs, with Babel's plural forms where a number is counted."""

from __future__ import annotations

import re

import pytest

from app.bulk.csv_import import FileError, Note, Rejected, parse_invitations_csv
from app.bulk.wording import SIMPLE, csv_message

CYRILLIC = re.compile(r"[\u0400-\u04ff]")
SPECIAL = {
    "too_many_cells": {"cells": 3, "columns": 2},
    "name_too_long": {"length": 201, "max": 200},
    "too_many_rows": {"limit": 1000},
    "too_large": {"size": 3_200_000, "limit": 1_000_000},
    "duplicate_column": {"column": "email", "first": 2, "second": 4},
    "columns_ignored": {"labels": ("City",), "more": 0},
    "team_too_long": {"max": 100},
    "employee_columns_missing": {"columns": ("role", "started_on")},
    "employee_no_header": {"columns": ("name", "email")},
    "employee_name_rows": {"rows": "2, 5"},
}
VALUES = {"row": 7, "value": "x@", "detail": "unexpected end of data"}


@pytest.mark.parametrize("code", sorted(SIMPLE) + sorted(SPECIAL))
def test_every_message_reads_in_both_languages(code: str) -> None:
    values = SPECIAL.get(code, VALUES)
    en, ru = csv_message(code, values, "en"), csv_message(code, values, "ru")
    assert en and ru and en != ru
    assert not CYRILLIC.search(en) and CYRILLIC.search(ru)
    assert "%(" not in en + ru


def test_the_parsers_problems_say_themselves_in_the_asked_language() -> None:
    result = parse_invitations_csv(
        b"name,email\nAnna,a@example.com\nBob,a@example.com\nC,c@x.com,extra\n",
        default_language="ru",
    )
    assert [r.text("en") for r in result.rejected] == [
        "This email is already in row 2",
        "The row has 3 cells but the header has 2 columns; a comma or semicolon inside a "
        "name must be in quotes",
    ]
    assert [r.text("ru") for r in result.rejected] == [
        "Этот адрес уже указан в строке 2",
        "В строке 3 ячейки, а в заголовке 2 столбца; запятую или точку с запятой внутри "
        "имени нужно взять в кавычки",
    ]


@pytest.mark.parametrize(
    ("n", "ru_chars", "ru_rows"),
    [
        (1, "1 символ", "больше 1 кандидата"),
        (2, "2 символа", "больше 2 кандидатов"),
        (5, "5 символов", "больше 5 кандидатов"),
        (11, "11 символов", "больше 11 кандидатов"),
        (21, "21 символ", "больше 21 кандидата"),
    ],
)
def test_counted_words_take_the_russian_plural(n: int, ru_chars: str, ru_rows: str) -> None:
    long_name = Rejected(2, "name_too_long", "", {"length": n, "max": 200})
    assert long_name.text("ru") == f"В имени {ru_chars}; допускается не больше 200"
    assert long_name.text("en").startswith(f"The name has {n} character{'' if n == 1 else 's'};")
    assert ru_rows in FileError("too_many_rows", {"limit": n}).text("ru")


def test_sizes_are_written_as_each_language_writes_numbers() -> None:
    assert FileError("too_large", {"size": 1_500, "limit": 999}).text("en") == (
        "The file is 1.5 KB; the limit is 999 bytes."
    )
    assert FileError("too_large", {"size": 1_500, "limit": 22}).text("ru") == (
        "Размер файла 1,5 КБ; допускается не больше 22 байта."
    )


def test_a_utf16_file_and_an_unknown_encoding_share_a_code_but_not_a_message() -> None:
    utf16 = parse_invitations_csv("name\nAnna\n".encode("utf-16"), default_language="ru")
    assert utf16.error is not None and utf16.error.code == "encoding"
    assert "UTF-16" in utf16.error.text("en") and "UTF-16" in utf16.error.text("ru")
    assert "UTF-16" not in FileError("encoding").text("en")


def test_ignored_columns_are_quoted_as_each_language_quotes() -> None:
    note = Note("columns_ignored", {"labels": tuple(f"c{i}" for i in range(10)), "more": 2})
    assert note.text("en").endswith("“c8”, “c9” (+2).")
    assert note.text("ru").endswith("«c8», «c9» (+2).")
