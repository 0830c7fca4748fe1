"""A vacancy's results as CSV or XLSX: one row per candidate (invitation), streamed, in the
staff member's language (headers and coded values).

Columns, in order (``COLUMNS``; the header is ``HEADERS[column]`` in the reader's language):

| column | meaning |
|---|---|
| invitation_id | the invitation's number (the report's URL is /invitations/<id>/report) |
| candidate_name | as entered when invited |
| candidate_email | empty when none was given |
| status | invited, started, completed, expired or revoked (as on the candidate table) |
| invited_at | UTC |
| completed_at | UTC; empty until the candidate submits |
| recommended_placement | the placement, "no suitable sales role" or "not interpretable" |
| best_role | the role with the highest expected fit; empty when not interpretable |
| best_fit | its expected fit, 0–100 |
| target_fit | expected fit for the vacancy's target placement, 0–100; empty when undecided |
| type_code | the most probable socionics type (ESE; ЭСЭ in Russian); empty when not interpretable |
| type_probability | how likely they would call themselves that type; 0.05–0.95 in 0.05 steps |
| quality | answer quality: good, doubtful, unusable |
| decision | the current decision: advance, hold, reject; empty when none |
| decision_note | the note written with it |
| decided_by | the email of who decided |
| decided_at | UTC |

CSV is UTF-8 with a byte order mark (so Excel reads Cyrillic right). The plain CSV is
comma-separated with ISO 8601 dates and decimal points. The "CSV for Excel" variant
(``sep=semicolon``) is what Excel in a Russian locale opens by double-click: semicolons, a
decimal comma (with a dot Excel turns 27.1 into a date) and dates as DD.MM.YYYY HH:MM:SS, which
it reads as dates. The XLSX holds typed numbers and dates (UTC), column widths, an autofilter and
a frozen header row. Text that a spreadsheet would run as a formula (starting with = + - @, a tab
or a carriage return) is prefixed with an apostrophe in every format.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from app.dashboard.service import TableRow
from app.i18n import N_, translations
from app.web.labels import DECISION_NAMES, placement_label
from questionnaires.shown import shown_probability
from socionics.matrix import ROLE_NAMES
from socionics.model import get_type

COLUMNS = [
    "invitation_id",
    "candidate_name",
    "candidate_email",
    "status",
    "invited_at",
    "completed_at",
    "recommended_placement",
    "best_role",
    "best_fit",
    "target_fit",
    "type_code",
    "type_probability",
    "quality",
    "decision",
    "decision_note",
    "decided_by",
    "decided_at",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 64 * 1024


def neutralize(value: str) -> str:
    """Text a spreadsheet would evaluate is kept as text: prefixed with an apostrophe."""
    return "'" + value if value.startswith(FORMULA_START) else value


HEADERS = {
    "invitation_id": N_("Invitation no."),
    "candidate_name": N_("Candidate"),
    "candidate_email": N_("Email"),
    "status": N_("Status"),
    "invited_at": N_("Invited (UTC)"),
    "completed_at": N_("Completed (UTC)"),
    "recommended_placement": N_("Recommended placement"),
    "best_role": N_("Best role"),
    "best_fit": N_("Best role's fit (of 100)"),
    "target_fit": N_("Fit for the vacancy's role (of 100)"),
    "type_code": N_("Type"),
    "type_probability": N_("Type probability"),
    "quality": N_("Answer quality"),
    "decision": N_("Decision"),
    "decision_note": N_("Decision note"),
    "decided_by": N_("Decided by"),
    "decided_at": N_("Decided (UTC)"),
}
# The labels of the stored codes: the same msgids as the candidate table's.
VALUE_LABELS = {
    "status": {
        "invited": N_("Invited"),
        "started": N_("Started"),
        "completed": N_("Completed"),
        "expired": N_("Expired"),
        "revoked": N_("Revoked"),
    },
    "quality": {"good": N_("Good"), "doubtful": N_("Doubtful"), "unusable": N_("Unusable")},
    "decision": DECISION_NAMES,
}
DATES = ("invited_at", "completed_at", "decided_at")
# XLSX column widths in characters, by column (the rest: DEFAULT_WIDTH).
WIDTHS = {
    "candidate_name": 28,
    "candidate_email": 28,
    "recommended_placement": 30,
    "best_role": 26,
    "decision_note": 40,
    "decided_by": 24,
    **dict.fromkeys(DATES, 18),
}
DEFAULT_WIDTH = 14


def headers(language: str) -> list[str]:
    gettext = translations(language).gettext
    return [gettext(HEADERS[c]) for c in COLUMNS]


def _label(column: str, code: str | None, language: str) -> str:
    if not code:
        return ""
    return translations(language).gettext(VALUE_LABELS[column].get(code, code))


def _utc(at: datetime | None) -> datetime | None:
    """Naive UTC for a spreadsheet cell (Excel has no time zones; the header says UTC)."""
    if at is None:
        return None
    return (
        at.replace(tzinfo=None, microsecond=0)
        if at.tzinfo is None
        else (at.astimezone(UTC).replace(tzinfo=None, microsecond=0))
    )


def _round(x: float | None, digits: int) -> float | None:
    return None if x is None else round(x, digits)


def _type(code: str | None, language: str) -> str:
    if not code:
        return ""
    return get_type(code).cyrillic if language == "ru" else code


def _role(role: str | None, language: str) -> str:
    if not role or role not in ROLE_NAMES:
        return role or ""
    name = ROLE_NAMES[role].get(language)
    return name[:1].upper() + name[1:]


def row_values(row: TableRow, *, language: str = "en") -> list[Any]:
    """One candidate's cells, typed: numbers stay numbers, dates are datetimes (naive UTC),
    coded values are labels in ``language``, text is neutralized."""
    shown = row.shown_type is not None
    raw: list[Any] = [
        row.invitation_id,
        row.name,
        row.email or "",
        _label("status", row.status, language),
        _utc(row.invited_at),
        _utc(row.completed_at),
        placement_label(row.placement, language),
        _role(row.best_role, language) if shown else "",
        _round(row.best_fit, 1) if shown else None,
        _round(row.target_fit, 1) if shown else None,
        _type(row.shown_type, language),
        shown_probability(row.shown_type_probability),
        _label("quality", row.quality, language),
        _label("decision", row.decision, language),
        row.decision_note or "",
        row.decided_by or "",
        _utc(row.decided_at),
    ]
    return [neutralize(v) if isinstance(v, str) else v for v in raw]


def _csv_cell(value: Any, *, excel: bool) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M:%S") if excel else value.isoformat()
    if isinstance(value, float) and excel:
        return repr(value).replace(".", ",")
    return value


def csv_chunks(
    rows: Iterable[TableRow], *, language: str = "en", excel: bool = False
) -> Iterator[bytes]:
    """The CSV as UTF-8 byte chunks (BOM first), about 64 KB each. ``excel``: the variant
    Russian-locale Excel opens as it is (semicolons, decimal comma, DD.MM.YYYY dates)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if excel else ",", lineterminator="\r\n")
    writer.writerow(headers(language))
    first = True
    for row in rows:
        writer.writerow([_csv_cell(v, excel=excel) for v in row_values(row, language=language)])
        if buffer.tell() >= CHUNK:
            yield (("\ufeff" if first else "") + buffer.getvalue()).encode("utf-8")
            first = False
            buffer.seek(0)
            buffer.truncate()
    yield (("\ufeff" if first else "") + buffer.getvalue()).encode("utf-8")


def write_xlsx(rows: Iterable[TableRow], *, path: str, title: str, language: str = "en") -> None:
    """Write the XLSX to ``path`` in openpyxl's write-only mode (rows are not kept)."""
    # openpyxl is imported where it is used: it adds about 25 MB to a server process that may
    # never export a spreadsheet (bench/load/README.md).
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    date_format = "DD.MM.YYYY HH:MM" if language == "ru" else "YYYY-MM-DD HH:MM"
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(title))
    # Write-only sheets take their layout before the first row: widths, the frozen header.
    for n, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = WIDTHS.get(column, DEFAULT_WIDTH)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for text in headers(language):
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        cells = []
        for value in row_values(row, language=language):
            if isinstance(value, str):
                # XML 1.0 cannot hold control characters: openpyxl raises on them (a 500 for a
                # name typed with one), so they are shown as U+FFFD instead.
                value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text
            elif isinstance(value, datetime):
                cell.number_format = date_format
            cells.append(cell)
        sheet.append(cells)
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"
    book.save(path)


def _sheet_title(title: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # lazily, as in write_xlsx

    cleaned = "".join(ch for ch in ILLEGAL_CHARACTERS_RE.sub("", title) if ch not in "[]:*?/\\")
    cleaned = cleaned.strip()
    return (cleaned or "results")[:31]


def xlsx_chunks(rows: Iterable[TableRow], *, title: str, language: str = "en") -> Iterator[bytes]:
    """Build the XLSX in a temporary file, then stream it out and delete it."""
    fd, path = tempfile.mkstemp(prefix="rolefit-", suffix=".xlsx")
    os.close(fd)
    try:
        write_xlsx(rows, path=path, title=title, language=language)
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                yield chunk
    finally:
        os.unlink(path)
