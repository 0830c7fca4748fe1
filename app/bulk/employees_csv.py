"""Reading the sales team from an uploaded CSV file: name, email, role, team, start and end date.

Pure, like ``csv_import`` (whose reader it uses: the same encodings, delimiters, row numbers
and whole-file refusals), with the team's own columns and rules:

* **Header.** Russian or English names (``HEADER_ALIASES``), any order; name, email, role and
  start date are required, team and end date optional.
* **Email** is required: it is how a later file finds the same employee again, so importing
  the same file twice changes nothing. One email per file.
* **Role**: scout, hunter, closer, farmer (client manager), sales operations, in Russian or
  English words (``ROLE_ALIASES``).
* **Dates**: ``ДД.ММ.ГГГГ`` (also with ``/``), or ISO ``YYYY-MM-DD``; the end date, when given,
  is not before the start.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from datetime import date

from app.bulk.csv_import import (
    HEADER_ALIASES as INVITE_ALIASES,
)
from app.bulk.csv_import import (
    NAME_MAX,
    RAW_MAX,
    FileError,
    HeaderRefused,
    ParsedFile,
    Rejected,
    has_hidden_characters,
    header_label,
    map_header,
    parse_day,
    read_table,
)
from app.text import plausible_email

TEAM_MAX = 100
REQUIRED = ("name", "email", "role", "started_on")

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": (*INVITE_ALIASES["name"], "employee", "сотрудник", "менеджер"),
    "email": INVITE_ALIASES["email"],
    "role": ("role", "position", "роль", "должность", "роль в продажах"),
    "team": (
        "team",
        "territory",
        "team or territory",
        "region",
        "команда",
        "территория",
        "команда или территория",
        "регион",
        "отдел",
    ),
    "started_on": (
        "start date",
        "started",
        "start",
        "hired",
        "works since",
        "дата начала",
        "начало работы",
        "дата приема",
        "принят",
        "работает с",
    ),
    "ended_on": (
        "end date",
        "ended",
        "left",
        "left on",
        "дата окончания",
        "дата увольнения",
        "уволен",
        "окончание работы",
    ),
}

ROLE_ALIASES: dict[str, str] = {
    **dict.fromkeys(("scout", "telemarketer", "разведчик", "тм", "телемаркетолог"), "scout"),
    **dict.fromkeys(
        ("hunter", "охотник", "активный менеджер", "коммерсант", "менеджер по продажам"),
        "hunter",
    ),
    **dict.fromkeys(("closer", "клозер"), "closer"),
    **dict.fromkeys(
        (
            "farmer",
            "client manager",
            "account manager",
            "фермер",
            "клиентский менеджер",
            "км",
            "менеджер по работе с клиентами",
        ),
        "farmer",
    ),
    **dict.fromkeys(
        (
            "sales operations",
            "sales_operations",
            "sales support",
            "operations",
            "сопровождение продаж",
            "соп",
            "операционист",
        ),
        "sales_operations",
    ),
}
_DATE_FORMATS = ("%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%d")


@dataclass(frozen=True)
class EmployeeRow:
    line: int
    name: str
    email: str  # lower case
    role: str
    team: str
    started_on: date
    ended_on: date | None
    # The row as written (cells joined by the file's delimiter, cut to RAW_MAX): a row refused
    # later, against the team, is shown as the reader's own rows are.
    raw: str = ""


class EmployeeFile(ParsedFile[EmployeeRow]):
    """The team file (``parse_employees_csv``)."""


def parse_role(value: str) -> str | None:
    return ROLE_ALIASES.get(header_label(value).rstrip("."))


def parse_employees_csv(
    data: bytes, *, max_bytes: int = 1_000_000, max_rows: int = 2000
) -> EmployeeFile:
    """The team's rows of an uploaded CSV; see the module docstring for the rules."""
    table = read_table(data, max_bytes=max_bytes, max_rows=max_rows)
    if isinstance(table, FileError):
        return EmployeeFile(error=table)
    try:
        columns, note = map_header(table.header, HEADER_ALIASES)
    except HeaderRefused as refused:
        return EmployeeFile(error=refused.error)
    result = EmployeeFile(notes=[note] if note else [])
    missing = tuple(c for c in REQUIRED if c not in columns)
    if missing:
        code = "employee_columns_missing" if columns else "employee_no_header"
        return EmployeeFile(error=FileError(code, {"columns": missing}), notes=result.notes)
    if not table.data_rows:
        return EmployeeFile(error=FileError("employee_no_rows"), notes=result.notes)
    first_row_of_email: dict[str, int] = {}
    width = len(table.header)
    for line, record in table.rows:
        if not any(cell.strip() for cell in record):
            continue
        outcome = _read_row(line, record, columns=columns, width=width)
        raw = table.delimiter.join(record)[:RAW_MAX]
        if isinstance(outcome, EmployeeRow):
            first = first_row_of_email.get(outcome.email)
            if first is None:
                first_row_of_email[outcome.email] = line
                result.rows.append(replace(outcome, raw=raw))
                continue
            outcome = ("email_duplicate", {"row": first})
        code, values = outcome
        result.rejected.append(Rejected(line, code, raw, values))
    return result


def _clip(value: str, limit: int) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _read_row(
    line: int, record: list[str], *, columns: dict[str, int], width: int
) -> EmployeeRow | tuple[str, dict[str, object]]:
    if any(cell.strip() for cell in record[width:]):
        return ("too_many_cells", {"cells": len(record), "columns": width})

    def cell(column: str) -> str:
        index = columns.get(column)
        return record[index] if index is not None and index < len(record) else ""

    if any(has_hidden_characters(cell(c)) for c in HEADER_ALIASES):
        return ("control_chars", {})
    name = " ".join(unicodedata.normalize("NFC", cell("name")).split())
    if not name:
        return ("name_missing", {})
    if len(name) > NAME_MAX:
        return ("name_too_long", {"length": len(name), "max": NAME_MAX})
    email = cell("email").strip().lower()
    if not email:
        return ("employee_email_missing", {})
    if not plausible_email(email):
        return ("email_invalid", {"value": _clip(email, 60)})
    role = parse_role(cell("role"))
    if role is None:
        return ("role_unknown", {"value": _clip(cell("role"), 40)})
    team = " ".join(cell("team").split())
    if len(team) > TEAM_MAX:
        return ("team_too_long", {"max": TEAM_MAX})
    started_on = parse_day(cell("started_on"), _DATE_FORMATS)
    if started_on is None:
        return ("date_invalid", {"value": _clip(cell("started_on"), 30)})
    ended_on = None
    if cell("ended_on").strip():
        ended_on = parse_day(cell("ended_on"), _DATE_FORMATS)
        if ended_on is None:
            return ("date_invalid", {"value": _clip(cell("ended_on"), 30)})
        if ended_on < started_on:
            return ("end_before_start", {})
    return EmployeeRow(line, name, email, role, team, started_on, ended_on)
