"""A vacancy's results as CSV or XLSX: one row per candidate (invitation), streamed.

Columns, in order (header names are these ids, the same in every language, so a script that
reads the file does not depend on the interface language):

| column | meaning |
|---|---|
| invitation_id | the invitation's number (the report's URL is /invitations/<id>/report) |
| candidate_name | as entered when invited |
| candidate_email | empty when none was given |
| status | invited, started, completed, expired or revoked |
| invited_at | UTC, ISO 8601 |
| completed_at | UTC, ISO 8601; empty until the candidate submits |
| recommended_placement | hunter, farmer, sales_operations, no_suitable_role, not_interpretable |
| best_role | the role with the highest expected fit |
| best_fit | its expected fit, 0–100 |
| target_fit | expected fit for the vacancy's target placement, 0–100; empty when undecided |
| type_code | the most probable socionics type (e.g. ESE); empty when not interpretable |
| type_probability | how likely they would call themselves that type; 0.05–0.95 in 0.05 steps |
| quality | answer quality: good, doubtful, unusable |
| decision | the current decision: advance, hold, reject; empty when none |
| decision_note | the note written with it |
| decided_by | the email of who decided |
| decided_at | UTC, ISO 8601 |

CSV is UTF-8 with a byte order mark (so Excel reads Cyrillic right), comma-separated, or
semicolon-separated with ``sep=semicolon`` (what Excel expects in a Russian locale). Text that a
spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) is
prefixed with an apostrophe in both formats.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from app.dashboard.service import TableRow
from questionnaires.shown import shown_probability

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


def _iso(at: datetime | None) -> str:
    return at.isoformat(timespec="seconds") if at else ""


def _round(x: float | None, digits: int) -> float | None:
    return None if x is None else round(x, digits)


def row_values(row: TableRow) -> list[Any]:
    """One candidate's cells, typed: numbers stay numbers, text is neutralized."""
    raw: list[Any] = [
        row.invitation_id,
        row.name,
        row.email or "",
        row.status,
        _iso(row.invited_at),
        _iso(row.completed_at),
        row.placement or "",
        row.best_role if row.shown_type else "",
        _round(row.best_fit, 1) if row.shown_type else None,
        _round(row.target_fit, 1) if row.shown_type else None,
        row.shown_type or "",
        shown_probability(row.shown_type_probability),
        row.quality or "",
        row.decision or "",
        row.decision_note or "",
        row.decided_by or "",
        _iso(row.decided_at),
    ]
    return [neutralize(v) if isinstance(v, str) else v for v in raw]


def csv_chunks(rows: Iterable[TableRow], *, delimiter: str = ",") -> Iterator[bytes]:
    """The CSV as UTF-8 byte chunks (BOM first), about 64 KB each."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    first = True
    for row in rows:
        writer.writerow(["" if v is None else v for v in row_values(row)])
        if buffer.tell() >= CHUNK:
            yield (("\ufeff" if first else "") + buffer.getvalue()).encode("utf-8")
            first = False
            buffer.seek(0)
            buffer.truncate()
    yield (("\ufeff" if first else "") + buffer.getvalue()).encode("utf-8")


def write_xlsx(rows: Iterable[TableRow], *, path: str, title: str) -> None:
    """Write the XLSX to ``path`` in openpyxl's write-only mode (rows are not kept)."""
    # openpyxl is imported where it is used: it adds about 25 MB to a server process that may
    # never export a spreadsheet (bench/load/README.md).
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(title))
    sheet.freeze_panes = "A2"
    sheet.append(COLUMNS)
    for row in rows:
        cells = []
        for value in row_values(row):
            if isinstance(value, str):
                # XML 1.0 cannot hold control characters: openpyxl raises on them (a 500 for a
                # name typed with one), so they are shown as U+FFFD instead.
                value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text
            cells.append(cell)
        sheet.append(cells)
    book.save(path)


def _sheet_title(title: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # lazily, as in write_xlsx

    cleaned = "".join(ch for ch in ILLEGAL_CHARACTERS_RE.sub("", title) if ch not in "[]:*?/\\")
    cleaned = cleaned.strip()
    return (cleaned or "results")[:31]


def xlsx_chunks(rows: Iterable[TableRow], *, title: str) -> Iterator[bytes]:
    """Build the XLSX in a temporary file, then stream it out and delete it."""
    fd, path = tempfile.mkstemp(prefix="rolefit-", suffix=".xlsx")
    os.close(fd)
    try:
        write_xlsx(rows, path=path, title=title)
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                yield chunk
    finally:
        os.unlink(path)
