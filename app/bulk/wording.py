"""The words of the CSV import's problems and notes: ``csv_import`` reports a code and its
values, and this module says them in the reader's language through the catalogs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from babel.numbers import format_decimal
from babel.support import NullTranslations

from app.i18n import N_, translations

SIMPLE: dict[str, str] = {
    # rows
    "email_duplicate": N_("This email is already in row %(row)s"),
    "person_duplicate": N_("The same name and phone are already in row %(row)s"),
    "control_chars": N_("The row contains invisible control characters"),
    "name_missing": N_("The name is empty"),
    "email_invalid": N_("“%(value)s” does not look like an email address"),
    "phone_invalid": N_("“%(value)s” does not look like a phone number"),
    "language_unknown": N_("Unknown language “%(value)s”; use ru or en"),
    # the whole file
    "empty": N_("The file is empty."),
    "not_text": N_("This is not a CSV text file. Save the list as CSV UTF-8 and upload that file."),
    "excel_workbook": N_(
        "This looks like an Excel workbook; save it as CSV (File → Save As → CSV UTF-8) and "
        "upload the CSV file."
    ),
    "utf16": N_("The file is in UTF-16 (Excel's “Unicode text”); save it as CSV UTF-8."),
    "encoding": N_(
        "The file's encoding was not recognised: it is neither UTF-8 nor Russian Windows-1251 "
        "text. Save it as CSV UTF-8."
    ),
    "no_header": N_("The first row must be a header with the column names: name, email, language."),
    "name_column_missing": N_(
        "The header has no name column. Expected columns: name, email, language."
    ),
    "no_rows": N_("The file has a header but no candidates below it."),
    # the team's file (employees_csv)
    "employee_email_missing": N_("The email is empty; it is how the employee is found again"),
    "role_unknown": N_(
        "Unknown role “%(value)s”; use scout, hunter, closer, client manager or sales operations"
    ),
    "team_too_long": N_("The team or territory is longer than %(max)s characters"),
    "date_invalid": N_("“%(value)s” is not a date; write it as DD.MM.YYYY"),
    "end_before_start": N_("The end date is before the start date"),
    "employee_no_rows": N_("The file has a header but no employees below it."),
    "employee_name_shared": N_(
        "More than one employee on the team has this name and no email: the row could be any "
        "of them, so it is skipped rather than guessed"
    ),
    "employee_name_rows": N_(
        "Rows %(rows)s have the same name, and the employee of that name on the team has no "
        "email: which row is them cannot be told, so these rows are skipped"
    ),
    "malformed": N_(
        "The file cannot be read as CSV near row %(row)s (%(detail)s); check the quotes there."
    ),
}


def csv_message(code: str, values: Mapping[str, Any], language: str) -> str:
    """A problem or note of the CSV import as a sentence in ``language``."""
    t = translations(language)
    _ = t.gettext
    if code in SIMPLE:
        return _(SIMPLE[code]) % values
    if code == "too_many_cells":
        return _(
            "The row has %(cells)s but the header has %(columns)s; a comma or semicolon inside "
            "a name must be in quotes"
        ) % {
            "cells": t.ngettext("%(num)s cell", "%(num)s cells", int(values["cells"]))
            % {"num": values["cells"]},
            "columns": t.ngettext("%(num)s column", "%(num)s columns", int(values["columns"]))
            % {"num": values["columns"]},
        }
    if code == "name_too_long":
        n = int(values["length"])
        return t.ngettext(
            "The name has %(num)s character; at most %(max)s are allowed",
            "The name has %(num)s characters; at most %(max)s are allowed",
            n,
        ) % {"num": n, "max": values["max"]}
    if code == "too_many_rows":
        n = int(values["limit"])
        return t.ngettext(
            "The file has more than %(num)s candidate; split it into several files.",
            "The file has more than %(num)s candidates; split it into several files.",
            n,
        ) % {"num": n}
    if code == "too_large":
        return _("The file is %(size)s; the limit is %(limit)s.") % {
            "size": size(t, int(values["size"]), language),
            "limit": size(t, int(values["limit"]), language),
        }
    if code == "duplicate_column":
        return _("The header has two %(column)s columns (%(first)s and %(second)s); keep one.") % {
            "column": _column(t, str(values["column"])),
            "first": values["first"],
            "second": values["second"],
        }
    if code in ("employee_columns_missing", "employee_no_header"):
        wanted = ", ".join(
            str(t.pgettext("a column named in a list", "“%(label)s”"))
            % {"label": _column(t, str(c))}
            for c in values["columns"]
        )
        message = (
            N_("The header has no column for: %(columns)s.")
            if code == "employee_columns_missing"
            else N_(
                "The first row must be a header with the column names: name, email, role, "
                "team, start date, end date. Missing: %(columns)s."
            )
        )
        return _(message) % {"columns": wanted}
    if code == "columns_ignored":
        listed = ", ".join(
            str(t.pgettext("a column named in a list", "“%(label)s”")) % {"label": label}
            for label in values["labels"]
        )
        more = int(values["more"])
        return _("These columns were ignored: %(columns)s.") % {
            "columns": listed + (f" (+{more})" if more else "")
        }
    raise KeyError(f"no words for the CSV import's {code!r}")


def _column(t: NullTranslations, column: str) -> str:
    """A header column as a message names it (in Russian by its Russian name)."""
    names = {
        "name": t.pgettext("a CSV column", "name"),
        "email": t.pgettext("a CSV column", "email"),
        "language": t.pgettext("a CSV column", "language"),
        "phone": t.pgettext("a CSV column", "phone"),
        "role": t.pgettext("a CSV column", "role"),
        "team": t.pgettext("a CSV column", "team"),
        "started_on": t.pgettext("a CSV column", "start date"),
        "ended_on": t.pgettext("a CSV column", "end date"),
    }
    return str(names[column])


def size(t: NullTranslations, n: int, language: str) -> str:
    """A file size the way a spreadsheet user reads it: 3.2 MB, 900 KB, 12 bytes."""
    if n < 1000:
        return t.ngettext("%(num)s byte", "%(num)s bytes", n) % {"num": n}
    value, unit = (
        (n / 1_000_000, N_("%(num)s MB")) if n >= 1_000_000 else (n / 1000, N_("%(num)s KB"))
    )
    number = format_decimal(round(value, 1), format="0.#", locale=language)
    return t.gettext(unit) % {"num": number}
