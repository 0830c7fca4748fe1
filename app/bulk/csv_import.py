"""Reading a list of candidates to invite from an uploaded CSV file.

Pure: bytes in, a typed ``CsvImport`` out; no database, no web. The parser never raises on
bad input (only on a bad ``default_language``, which is a programming error): a problem with
the whole file is a ``FileError`` and nothing is imported; a problem with one row is a
``Rejected`` entry and the other rows are still returned.

The rules, as a recruiter meets them:

* **Encoding.** UTF-8, with or without a byte-order mark ("CSV UTF-8" in Excel). If the bytes
  are not valid UTF-8 they are read as Windows-1251, which Excel on a Russian Windows uses for
  plain "CSV", but only when the result looks like Russian text: every non-ASCII character
  must be a Cyrillic letter or common cp1251 punctuation (« » „ “ ” – — № … and the no-break
  space), and no word may mix Latin and Cyrillic letters (a Western cp1252 file such as
  "José" would read as "Josй"). Anything else is refused with a message asking for CSV UTF-8.
  UTF-16 (Excel's "Unicode text") is recognised by its byte-order mark and refused the same way.
* **Delimiter.** Comma, semicolon (Excel in Russian locales) or tab, whichever occurs most
  often outside quotes in the header line. Quoted fields may hold delimiters, quotes written
  twice and line breaks; line endings may be CRLF, LF or CR.
* **Header.** Required, case-insensitive, any column order; Russian and English names are
  recognised (``HEADER_ALIASES``). A name column is required; email and language are optional.
  Other columns are ignored and mentioned in ``notes``.
* **Line numbers** are spreadsheet row numbers: the header is row 1 when it is the first row,
  a quoted cell spanning several text lines is still one row, and blank rows count.
* **Rows.** The name is trimmed, runs of whitespace (including line breaks and no-break spaces)
  become one space; at most ``NAME_MAX`` characters. Control characters and Unicode
  bidirectional overrides (which could disguise a name in reports) reject the row. A name
  beginning with = + - @ is kept as written: formula injection is defended where files are
  exported, not here. The email is optional; when given it must pass ``plausible_email``.
  A later row with an email already taken by an accepted row is rejected, naming that row.
  The language is optional (empty means ``default_language``); see ``LANGUAGE_ALIASES``.
  Blank rows are skipped silently. A row with more non-empty cells than the header has columns
  is rejected (typically an unquoted comma inside a name); extra empty cells, which Excel
  writes when a stray cell was once used, are ignored.
* **The whole file is refused** when it is empty, larger than ``max_bytes``, has more than
  ``max_rows`` non-blank data rows, is not text (NUL bytes, many control characters, an Excel
  workbook, a PDF), cannot be decoded, has unbalanced quotes, or has no usable header.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.bulk.wording import csv_message
from app.text import BIDI_CONTROL_CHARS, is_control, plausible_email
from questionnaires.schema import LANGUAGES

NAME_MAX = 200
# What a rejected row shows of itself in the report; enough to find it in the spreadsheet.
RAW_MAX = 200
DELIMITERS = (";", ",", "\t")

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": (
        "name",
        "full name",
        "fullname",
        "full_name",
        "candidate",
        "имя",
        "фио",
        "ф.и.о.",
        "ф. и. о.",
        "имя и фамилия",
        "фамилия и имя",
        "фамилия имя",
        "фамилия имя отчество",
        "кандидат",
    ),
    "email": (
        "email",
        "e-mail",
        "e mail",
        "mail",
        "email address",
        "e-mail address",
        "почта",
        "электронная почта",
        "эл. почта",
        "эл.почта",
        "адрес электронной почты",
        "емейл",
        "имейл",
    ),
    "language": ("language", "lang", "locale", "язык", "язык анкеты"),
    "phone": (
        "phone",
        "phone number",
        "mobile",
        "tel",
        "telephone",
        "телефон",
        "тел.",
        "тел",
        "мобильный",
        "мобильный телефон",
        "номер телефона",
    ),
}

LANGUAGE_ALIASES: dict[str, str] = {
    **dict.fromkeys(
        ("ru", "rus", "russian", "ru-ru", "ru_ru", "ру", "рус", "русск", "русский"),
        "ru",
    ),
    **dict.fromkeys(
        (
            "en",
            "eng",
            "english",
            "en-us",
            "en_us",
            "en-gb",
            "en_gb",
            "анг",
            "англ",
            "английский",
        ),
        "en",
    ),
}

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "excel_workbook"),  # .xlsx (and any ZIP)
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "excel_workbook"),  # .xls (OLE2)
    (b"%PDF", "not_text"),
)
_CP1251_PUNCTUATION = set("«»„“”‘’–—№…\u00a0•")
_MIXED_SCRIPT = re.compile(r"[A-Za-z][\u0400-\u04ff]|[\u0400-\u04ff][A-Za-z]")


@dataclass(frozen=True)
class InviteRow:
    line: int
    name: str
    email: str | None
    language: str
    phone: str | None = None


# Problems and notes carry a code and its values; ``text(language)`` says them
# (app/bulk/wording.py, through the catalogs).


@dataclass(frozen=True)
class Rejected:
    line: int
    reason_code: str
    # The row as written (cells joined by the file's delimiter), cut to RAW_MAX characters.
    raw: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def text(self, language: str) -> str:
        return csv_message(self.reason_code, self.values, language)


@dataclass(frozen=True)
class Note:
    code: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def text(self, language: str) -> str:
        return csv_message(self.code, self.values, language)


@dataclass(frozen=True)
class FileError:
    code: str
    values: Mapping[str, Any] = field(default_factory=dict)
    # Which message, when one code has several (UTF-16 is an "encoding" error too).
    message: str | None = None

    def text(self, language: str) -> str:
        return csv_message(self.message or self.code, self.values, language)


@dataclass
class CsvImport:
    rows: list[InviteRow] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    error: FileError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def parse_invitations_csv(
    data: bytes,
    *,
    default_language: str,
    max_bytes: int = 1_000_000,
    max_rows: int = 1000,
) -> CsvImport:
    """Read invitation rows from an uploaded CSV file; see the module docstring for the rules."""
    if default_language not in LANGUAGES:
        raise ValueError(f"default_language must be one of {LANGUAGES}, not {default_language!r}")
    table = read_table(data, max_bytes=max_bytes, max_rows=max_rows)
    if isinstance(table, FileError):
        return CsvImport(error=table)
    result = CsvImport()
    try:
        columns = _read_header(table.header, result)
    except _Refused as refused:
        return CsvImport(error=refused.error)
    if not table.data_rows:
        return CsvImport(error=_NO_ROWS, notes=result.notes)
    delimiter, header = table.delimiter, table.header
    first_row_of_email: dict[str, int] = {}
    for line, record in table.rows:
        if _blank(record):
            continue
        raw = delimiter.join(record)[:RAW_MAX]
        outcome = _read_row(
            line,
            record,
            columns=columns,
            header_width=len(header),
            default_language=default_language,
        )
        if isinstance(outcome, InviteRow) and outcome.email is not None:
            key = outcome.email.casefold()
            first = first_row_of_email.get(key)
            if first is not None:
                outcome = ("email_duplicate", {"row": first})
            else:
                first_row_of_email[key] = line
        if isinstance(outcome, InviteRow):
            result.rows.append(outcome)
        else:
            code, values = outcome
            result.rejected.append(Rejected(line, code, raw, values))
    return result


@dataclass(frozen=True)
class Table:
    """A CSV file's cells: the header and every row below it (blank rows included), with the
    spreadsheet's row numbers."""

    delimiter: str
    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]]

    @property
    def data_rows(self) -> int:
        return sum(1 for _, record in self.rows if not _blank(record))


def read_table(data: bytes, *, max_bytes: int, max_rows: int) -> Table | FileError:
    """Every upload's first step (the module docstring's encoding, delimiter and whole-file
    rules): the cells, or the ``FileError`` that refuses the file."""
    try:
        text = _decode(data, max_bytes=max_bytes)
    except _Refused as refused:
        return refused.error
    delimiter = _detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    line = 0
    data_rows = 0
    try:
        for line, record in enumerate(reader, start=1):
            if not records and _blank(record):
                continue  # blank rows above the header
            if records and not _blank(record):
                data_rows += 1
                if data_rows > max_rows:
                    return _too_many_rows(max_rows)
            records.append((line, record))
    except csv.Error as exc:
        return _malformed(line + 1, str(exc))
    if not records:
        return _EMPTY
    return Table(delimiter, records[0][1], records[0][0], records[1:])


def map_header(
    header: list[str], aliases: Mapping[str, Sequence[str]]
) -> tuple[dict[str, int], Note | None]:
    """Which column holds each field (``aliases``: each field's header labels, lower case),
    and a note naming the columns ignored; ``FileError`` "duplicate_column" when a field is
    named twice (raised as ``HeaderRefused``)."""
    lookup = {alias: column for column, names in aliases.items() for alias in names}
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, cell in enumerate(header):
        label = header_label(cell)
        if not label:
            continue
        column = lookup.get(label)
        if column is None:
            ignored.append(_clip(" ".join(cell.split()), 60))
        elif column in columns:
            raise HeaderRefused(
                FileError(
                    "duplicate_column",
                    {"column": column, "first": columns[column] + 1, "second": index + 1},
                )
            )
        else:
            columns[column] = index
    note = None
    if ignored:
        values = {"labels": tuple(ignored[:10]), "more": max(len(ignored) - 10, 0)}
        note = Note("columns_ignored", values)
    return columns, note


def parse_day(value: str, formats: Sequence[str]) -> date | None:
    """The date in ``value`` (spaces around it ignored) in the first of ``formats`` that fits."""
    text = value.strip()
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def header_label(cell: str) -> str:
    """A header cell as the alias tables spell it: spaces collapsed, lower case, ё as е."""
    return " ".join(cell.split()).casefold().replace("ё", "е").rstrip(":*").strip()


def has_hidden_characters(value: str) -> bool:
    """Control characters or bidirectional overrides: a cell that could disguise a name."""
    return any(_is_control(ch) or ch in BIDI_CONTROL_CHARS for ch in value)


def normalize_language(value: str, default_language: str) -> str | None:
    """ru/en from what a person types in a language column; None when not recognised."""
    key = " ".join(value.split()).casefold().replace("ё", "е").rstrip(".")
    if not key:
        return default_language
    return LANGUAGE_ALIASES.get(key)


# --- decoding ---------------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, error: FileError) -> None:
        super().__init__(error.code)
        self.error = error


class HeaderRefused(_Refused):
    """The header cannot be used; ``error`` says why."""


def _decode(data: bytes, *, max_bytes: int) -> str:
    if len(data) > max_bytes:
        raise _Refused(_too_large(len(data), max_bytes))
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise _Refused(_EMPTY)
    for signature, code in _SIGNATURES:
        if data.startswith(signature):
            raise _Refused(_EXCEL if code == "excel_workbook" else _NOT_TEXT)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _Refused(_UTF16)
    if b"\x00" in data:
        raise _Refused(_NOT_TEXT)
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            text = data[3:].decode("utf-8")
        except UnicodeDecodeError:
            raise _Refused(_ENCODING) from None
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _decode_cp1251(data)
    # A few stray control characters are a row's problem; many mean this is not text at all.
    controls = sum(1 for ch in text if _is_control(ch))
    if controls * 20 > len(text):
        raise _Refused(_NOT_TEXT)
    return text


def _decode_cp1251(data: bytes) -> str:
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError:  # byte 0x98 is undefined in cp1251
        raise _Refused(_ENCODING) from None
    for ch in text:
        if ord(ch) >= 128 and not ("\u0400" <= ch <= "\u04ff" or ch in _CP1251_PUNCTUATION):
            raise _Refused(_ENCODING)
    if _MIXED_SCRIPT.search(text):
        raise _Refused(_ENCODING)
    return text


def _detect_delimiter(text: str) -> str:
    """The delimiter occurring most often outside quotes in the header line; comma on a tie."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    started = False
    for ch in text:
        if ch == '"':
            quoted = not quoted  # a doubled quote toggles twice, which is what we want
        elif quoted:
            continue
        elif ch in "\r\n":
            if started:
                break
            continue  # blank lines above the header
        else:
            started = True
            if ch in counts:
                counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


# --- header and rows ----------------------------------------------------------------------------


def _read_header(header: list[str], result: CsvImport) -> dict[str, int]:
    try:
        columns, note = map_header(header, HEADER_ALIASES)
    except HeaderRefused as refused:
        raise _Refused(refused.error) from None
    if "name" not in columns:
        if columns:
            raise _Refused(_NAME_COLUMN_MISSING)
        raise _Refused(_NO_HEADER)
    if note is not None:
        result.notes.append(note)
    return columns


_RowProblem = tuple[str, dict[str, Any]]


def _read_row(
    line: int,
    record: list[str],
    *,
    columns: dict[str, int],
    header_width: int,
    default_language: str,
) -> InviteRow | _RowProblem:
    if any(cell.strip() for cell in record[header_width:]):
        return ("too_many_cells", {"cells": len(record), "columns": header_width})

    def cell(column: str) -> str:
        index = columns.get(column)
        return record[index] if index is not None and index < len(record) else ""

    raw_name, raw_email, raw_language = cell("name"), cell("email"), cell("language")
    raw_phone = cell("phone")
    if any(has_hidden_characters(v) for v in (raw_name, raw_email, raw_language, raw_phone)):
        return ("control_chars", {})
    name = " ".join(unicodedata.normalize("NFC", raw_name).split())
    if not name:
        return ("name_missing", {})
    if len(name) > NAME_MAX:
        return ("name_too_long", {"length": len(name), "max": NAME_MAX})
    email = raw_email.strip() or None
    if email is not None and not plausible_email(email):
        return ("email_invalid", {"value": _clip(email, 60)})
    language = normalize_language(raw_language, default_language)
    if language is None:
        return ("language_unknown", {"value": _clip(raw_language.strip(), 30)})
    phone = " ".join(raw_phone.split()) or None
    if phone is not None:
        digits = sum(ch.isdigit() for ch in phone)
        if (
            not 5 <= digits <= 15
            or len(phone) > 40
            or any(not (ch.isdigit() or ch in "+-() .") for ch in phone)
        ):
            return ("phone_invalid", {"value": _clip(phone, 40)})
    return InviteRow(line=line, name=name, email=email, language=language, phone=phone)


def _blank(record: list[str]) -> bool:
    return not any(cell.strip() for cell in record)


def _is_control(ch: str) -> bool:
    """C0/C1 control characters and DEL, except tab and line breaks (whitespace in a cell)."""
    return ch not in "\t\r\n" and is_control(ch)


def _clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


# --- file-level problems -----------------------------------------------------------------------

_EMPTY = FileError("empty")
_NOT_TEXT = FileError("not_text")
_EXCEL = FileError("excel_workbook")
_UTF16 = FileError("encoding", message="utf16")
_ENCODING = FileError("encoding")
_NO_HEADER = FileError("no_header")
_NAME_COLUMN_MISSING = FileError("name_column_missing")
_NO_ROWS = FileError("no_rows")


def _too_large(size: int, limit: int) -> FileError:
    return FileError("too_large", {"size": size, "limit": limit})


def _too_many_rows(limit: int) -> FileError:
    return FileError("too_many_rows", {"limit": limit})


def _malformed(line: int, detail: str) -> FileError:
    return FileError("malformed", {"row": line, "detail": detail})
