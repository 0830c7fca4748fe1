"""Deals from a CRM's export file (CSV or XLSX): column mappings and parsing. Pure: no database.

A mapping names, for each field rolefit reads, the column titles that carry it, and which
stage values mean won, lost, or a qualified lead handed over. Two ready mappings use the
default Russian column titles of Bitrix24's deal export and amoCRM's lead export; any other
CRM (or 1C) gets a mapping made on the mapping screen from the same fields.

A file is read whole or refused whole: the first problems are reported with their row numbers
(as a spreadsheet shows them: the header is row 1) and nothing is returned, so an import is
never half done.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from app.bulk.csv_import import parse_day
from app.i18n import N_

MAX_ROWS = 200_000
MAX_ERRORS = 20
FIELDS = ("deal_id", "responsible", "amount", "stage", "company", "created", "closed", "product")
REQUIRED = ("deal_id", "responsible", "stage", "created")


class Outcome(StrEnum):
    won = "won"
    lost = "lost"
    open = "open"


@dataclass(frozen=True)
class Mapping:
    name: str
    # field -> the column titles that may carry it, first match wins (compared case-blind)
    columns: dict[str, tuple[str, ...]]
    won: tuple[str, ...]
    lost: tuple[str, ...]
    qualified: tuple[str, ...] = ()

    def outcome(self, stage: str) -> Outcome:
        key = stage.strip().casefold()
        if key in {s.casefold() for s in self.won}:
            return Outcome.won
        if key in {s.casefold() for s in self.lost}:
            return Outcome.lost
        return Outcome.open

    def is_qualified(self, stage: str) -> bool:
        return stage.strip().casefold() in {s.casefold() for s in self.qualified}


BITRIX24 = Mapping(
    name="bitrix24",
    columns={
        "deal_id": ("ID",),
        "responsible": ("Ответственный",),
        "amount": ("Сумма",),
        "stage": ("Стадия сделки", "Стадия"),
        "company": ("Компания",),
        "created": ("Дата создания",),
        "closed": ("Дата закрытия", "Предполагаемая дата закрытия"),
        "product": ("Товары", "Товар"),
    },
    won=("Сделка успешна", "Успешно"),
    lost=("Сделка провалена", "Провал", "Анализ причины провала"),
    qualified=("Квалификация пройдена", "Подготовка документов", "Счёт на предоплату"),
)
AMOCRM = Mapping(
    name="amocrm",
    columns={
        "deal_id": ("ID",),
        "responsible": ("Ответственный",),
        "amount": ("Бюджет", "Бюджет ₽"),
        "stage": ("Статус", "Этап сделки", "Этап"),
        "company": ("Компания", "Название компании"),
        "created": ("Дата создания",),
        "closed": ("Дата закрытия",),
        "product": ("Товары",),
    },
    won=("Успешно реализовано",),
    lost=("Закрыто и не реализовано",),
    qualified=("Квалифицирован", "Переговоры", "Принимают решение"),
)
READY = {m.name: m for m in (BITRIX24, AMOCRM)}


@dataclass(frozen=True)
class DealRow:
    row: int  # as the spreadsheet shows it (header = 1)
    deal_id: str
    responsible: str
    amount: Decimal
    stage: str
    outcome: Outcome
    qualified: bool
    company: str
    created: date
    closed: date | None
    products: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    row: int  # 0: the file as a whole
    message: str  # a msgid, translated where it is shown, with %(name)s placeholders
    params: dict[str, str | int] = field(default_factory=dict)

    def text(self, gettext: Callable[[str], str] = lambda m: m) -> str:
        return gettext(self.message) % self.params if self.params else gettext(self.message)


@dataclass
class DealFileError(Exception):
    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        """Each problem as a sentence of its own (the messages end with their full stop)."""
        return " ".join(
            _sentence(f"Row {p.row}: {p.text()}" if p.row else p.text()) for p in self.problems
        )


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


OLD_EXCEL = N_(
    "This is an .xls file (an old Excel file, or the web page Bitrix24 saves as Excel), not "
    "CSV or XLSX. Export the deals as CSV, or open the file in Excel and save it as .xlsx."
)


def read_table(data: bytes) -> list[list[str]]:
    """The file's cells as text, header first: XLSX by its signature, otherwise CSV in UTF-8
    (with or without BOM) or Windows-1251, separated by ``;``, ``,`` or tabs."""
    if data[:2] == b"PK":
        return _read_xlsx(data)
    # Bitrix24's "Excel" export is a web page named .xls; older Excel files are binary.
    if data[:4] == b"\xd0\xcf\x11\xe0" or data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
        raise DealFileError([Problem(0, OLD_EXCEL)])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1251")
        except UnicodeDecodeError:  # cp1251 leaves one byte (0x98) undefined
            raise DealFileError([Problem(0, N_("The file is not a CSV or XLSX table."))]) from None
    if "\x00" in text:
        raise DealFileError([Problem(0, N_("The file is not a CSV or XLSX table."))])
    first = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first.count)
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if any(row)]


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise DealFileError([Problem(0, N_("The XLSX file cannot be read."))]) from exc
    sheet = book.worksheets[0]
    rows = []
    for values in sheet.iter_rows(values_only=True):
        cells = [_cell_text(v) for v in values]
        if any(cells):
            rows.append(cells)
    book.close()
    return rows


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def columns_of(header: list[str], mapping: Mapping) -> dict[str, int]:
    """Which column carries each field; refuses a file missing a required one."""
    titles = {t.strip().casefold(): i for i, t in reversed(list(enumerate(header)))}
    found: dict[str, int] = {}
    for name in FIELDS:
        for title in mapping.columns.get(name, ()):
            if title.strip().casefold() in titles:
                found[name] = titles[title.strip().casefold()]
                break
    missing = [n for n in REQUIRED if n not in found]
    if missing:
        wanted = ", ".join(f'"{mapping.columns.get(n, (n,))[0]}"' for n in missing)
        raise DealFileError(
            [Problem(1, N_("Columns not found: %(columns)s."), {"columns": wanted})]
        )
    return found


_SPACES = re.compile(r"[\s\u00a0\u202f]")
_CURRENCY = re.compile(r"(руб\.?|₽|rub|usd|eur|\$|€)", re.IGNORECASE)


def parse_amount(text: str) -> Decimal:
    """1 234 567,89 / 1234567.89 / 1,234,567.89 / "150 000 руб." -> Decimal; empty is 0."""
    s = _CURRENCY.sub("", _SPACES.sub("", text))
    if not s:
        return Decimal(0)
    if "," in s and "." in s:
        s = s.replace(",", "") if s.rfind(".") > s.rfind(",") else s.replace(".", "")
    s = s.replace(",", ".")
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise ValueError("not an amount") from None
    if not value.is_finite() or value < 0:
        raise ValueError("not an amount")
    return value


_DATE_FORMATS = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")


def parse_date(text: str) -> date:
    day = parse_day(text, _DATE_FORMATS)
    if day is not None:
        return day
    try:
        return datetime.fromisoformat(text.strip()).date()
    except ValueError:
        raise ValueError("not a date") from None


def parse_deals(data: bytes, mapping: Mapping) -> list[DealRow]:
    """Every deal in the file, or DealFileError with the first problems and their rows."""
    table = read_table(data)
    if not table:
        raise DealFileError([Problem(0, N_("The file is empty."))])
    if len(table) - 1 > MAX_ROWS:
        raise DealFileError(
            [Problem(0, N_("The file has more than %(max)s rows."), {"max": MAX_ROWS})]
        )
    where = columns_of(table[0], mapping)
    problems: list[Problem] = []
    deals: list[DealRow] = []
    seen: dict[str, int] = {}

    def cell(cells: list[str], name: str) -> str:
        i = where.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    for n, cells in enumerate(table[1:], start=2):
        if len(problems) >= MAX_ERRORS:
            break
        deal_id, responsible, stage = (cell(cells, k) for k in ("deal_id", "responsible", "stage"))
        if not deal_id:
            problems.append(Problem(n, N_("The deal has no ID.")))
            continue
        if deal_id in seen:
            problems.append(
                Problem(
                    n,
                    N_("Deal %(id)s is also on row %(row)s."),
                    {"id": deal_id[:64], "row": seen[deal_id]},
                )
            )
            continue
        seen[deal_id] = n
        if not responsible:
            problems.append(Problem(n, N_("No responsible person.")))
            continue
        try:
            amount = parse_amount(cell(cells, "amount"))
        except ValueError:
            problems.append(
                Problem(
                    n, N_('"%(value)s" is not an amount.'), {"value": cell(cells, "amount")[:40]}
                )
            )
            continue
        try:
            created = parse_date(cell(cells, "created"))
            closed_text = cell(cells, "closed")
            closed = parse_date(closed_text) if closed_text else None
        except ValueError:
            problems.append(Problem(n, N_("A date is not in a known format (DD.MM.YYYY).")))
            continue
        outcome = mapping.outcome(stage)
        if outcome is not Outcome.open and closed is None:
            closed = created
        products = tuple(
            p.strip() for p in re.split(r"[;,\n]", cell(cells, "product")) if p.strip()
        )
        deals.append(
            DealRow(
                row=n,
                deal_id=deal_id[:64],
                responsible=responsible[:200],
                amount=amount,
                stage=stage[:100],
                outcome=outcome,
                qualified=mapping.is_qualified(stage) or outcome is Outcome.won,
                company=cell(cells, "company")[:200],
                created=created,
                closed=closed,
                products=products,
            )
        )
    if problems:
        raise DealFileError(problems)
    return deals


# --- the mapping screen: a first guess from the file, then the admin's choices -----------------

MAX_STAGES = 60
# Titles other CRMs and 1C commonly use, tried after the ready mappings' own titles.
_OTHER_TITLES: dict[str, tuple[str, ...]] = {
    "deal_id": ("id", "deal id", "номер", "номер сделки", "№"),
    "responsible": ("responsible", "owner", "manager", "менеджер", "ответственный менеджер"),
    "amount": ("amount", "sum", "total", "сумма документа", "сумма сделки"),
    "stage": ("stage", "status", "статус сделки", "этап"),
    "company": ("company", "client", "account", "контрагент", "клиент"),
    "created": ("created", "date", "дата", "дата документа"),
    "closed": ("closed", "close date", "дата оплаты", "дата отгрузки"),
    "product": ("product", "products", "номенклатура", "товар"),
}
_WON_WORDS = ("успеш", "выигран", "оплачен", "won")
_LOST_WORDS = ("провал", "отказ", "проигран", "не реализ", "lost")


def guess_columns(header: list[str]) -> dict[str, int]:
    """For each field, the column a ready mapping or a common title would take (may be empty)."""
    titles = {t.strip().casefold(): i for i, t in reversed(list(enumerate(header)))}
    guess: dict[str, int] = {}
    for name in FIELDS:
        known = [t for m in READY.values() for t in m.columns.get(name, ())]
        for title in (*known, *_OTHER_TITLES.get(name, ())):
            i = titles.get(title.casefold())
            if i is not None and i not in guess.values():
                guess[name] = i
                break
    return guess


def stage_values(table: list[list[str]], column: int) -> list[str]:
    """The different values of the stage column, in the order they first appear."""
    seen: dict[str, None] = {}
    for cells in table[1:]:
        value = cells[column].strip() if column < len(cells) else ""
        if value:
            seen.setdefault(value, None)
        if len(seen) > MAX_STAGES:
            raise DealFileError(
                [
                    Problem(
                        0,
                        N_(
                            "The stage column has more than %(max)s different values: "
                            "choose the column that holds the deal's stage or status."
                        ),
                        {"max": MAX_STAGES},
                    )
                ]
            )
    return list(seen)


def guess_stage(value: str) -> str:
    """won, lost, qualified or open: a ready mapping's meaning, else a cautious word match."""
    key = value.strip().casefold()
    for m in READY.values():
        if m.outcome(value) is not Outcome.open:
            return m.outcome(value).value
        if m.is_qualified(value):
            return "qualified"
    if any(w in key for w in _LOST_WORDS):
        return Outcome.lost.value
    if any(w in key for w in _WON_WORDS):
        return Outcome.won.value
    return Outcome.open.value


_MAPPING_NAME = re.compile(r"^[\w .-]{1,32}$")


def mapping_from_choices(
    *, name: str, header: list[str], columns: dict[str, int], stages: dict[str, str]
) -> Mapping:
    """The mapping the admin chose on the screen, or DealFileError saying what to fix.

    columns: field -> column index in ``header``; stages: stage value -> won/lost/qualified/open.
    """
    problems: list[Problem] = []
    name = name.strip()
    if not _MAPPING_NAME.match(name) or name.casefold() in READY:
        problems.append(
            Problem(
                0,
                N_(
                    "Give the mapping a name of up to 32 letters, digits, spaces, dots or "
                    "dashes, other than bitrix24 and amocrm."
                ),
            )
        )
    chosen = {f: i for f, i in columns.items() if f in FIELDS and 0 <= i < len(header)}
    missing = [f for f in REQUIRED if f not in chosen]
    if missing:
        problems.append(Problem(0, N_("Choose a column for every required field.")))
    if len(set(chosen.values())) < len(chosen):
        problems.append(Problem(0, N_("One column is chosen for two fields.")))
    meanings = {v: m for v, m in stages.items() if m in ("won", "lost", "qualified", "open")}
    if "won" not in meanings.values():
        problems.append(
            Problem(0, N_("Mark at least one stage value that means the deal was won."))
        )
    if problems:
        raise DealFileError(problems)
    return Mapping(
        name=name,
        columns={f: (header[i].strip(),) for f, i in chosen.items()},
        won=tuple(v for v, m in meanings.items() if m == "won"),
        lost=tuple(v for v, m in meanings.items() if m == "lost"),
        qualified=tuple(v for v, m in meanings.items() if m == "qualified"),
    )
