"""The book's "valuable final product" (ЦКП) figures per person and period, from deals. Pure.

Definitions (docs/outcomes.md repeats them for readers). A deal counts in the period its
closing date falls in when won; a lead counts in the period it was created in. "Client" is the
deal's company (a deal without a company is a client of its own). Every figure is over the
person's own deals, except where a client's history is needed: whether a client is new, or
lapsed, looks at every deal of that client in the file, whoever handled it.

- won_deals, revenue: won deals closed in the period and the sum of their amounts.
- new_clients: won deals that are the client's first won deal in the data; first_deal_revenue:
  their amounts.
- repeat_share: share of the period's won deals whose client had won an earlier deal.
- retention: of the clients who bought from the person in the previous period, the share who
  bought from them again in this one (None when there were none).
- purchase_frequency: won deals per buying client in the period.
- average_deal: revenue / won deals (None without won deals).
- reactivated: won deals whose client's previous won deal is more than ``lapse_months``
  months older.
- breadth: distinct products per buying client, averaged over the period's buying clients
  (None when the export has no products).
- qualified_leads: deals created in the period whose stage marks a qualified lead (or won).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.outcomes.crm import Outcome

PERIODS = ("month", "quarter")
# The figures each role is judged by first (domain.md, "What a client manager produces").
HEADLINE = {
    "farmer": ("retention", "repeat_share", "reactivated"),
    "hunter": ("new_clients", "first_deal_revenue"),
    "closer": ("new_clients", "first_deal_revenue"),
    "scout": ("qualified_leads",),
    "sales_operations": ("won_deals", "purchase_frequency"),
}


@dataclass(frozen=True)
class Deal:
    person: int
    company: str
    deal_id: str
    amount: Decimal
    outcome: Outcome
    qualified: bool
    created: date
    closed: date | None
    products: tuple[str, ...] = ()


@dataclass(frozen=True)
class Figures:
    person: int
    period: str  # "2026-03" or "2026-Q1": a key that sorts; shown as ``period_label`` words
    won_deals: int
    revenue: Decimal
    new_clients: int
    first_deal_revenue: Decimal
    repeat_share: float | None
    retention: float | None
    purchase_frequency: float | None
    average_deal: Decimal | None
    reactivated: int
    breadth: float | None
    qualified_leads: int


def period_of(day: date, kind: str) -> str:
    if kind == "month":
        return f"{day.year}-{day.month:02d}"
    if kind == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    raise ValueError(f"period is month or quarter, not {kind!r}")


def period_start(period: str) -> date:
    """The first day of a period key ("2026-Q2" -> 2026-04-01, "2026-03" -> 2026-03-01)."""
    year, rest = period.split("-")
    month = (int(rest[1:]) - 1) * 3 + 1 if rest.startswith("Q") else int(rest)
    return date(int(year), month, 1)


def shift_period(period: str, step: int) -> str:
    """The period ``step`` periods after ``period`` ("2026-Q4", 1 -> "2027-Q1"; "2026-01", -1
    -> "2025-12"): counted as an index from year 0, so the year turns over by itself."""
    year, rest = period.split("-")
    if rest.startswith("Q"):
        index = int(year) * 4 + int(rest[1:]) - 1 + step
        return f"{index // 4}-Q{index % 4 + 1}"
    index = int(year) * 12 + int(rest) - 1 + step
    return f"{index // 12}-{index % 12 + 1:02d}"


def previous_period(period: str) -> str:
    return shift_period(period, -1)


def next_period(period: str) -> str:
    return shift_period(period, 1)


def _months_between(earlier: date, later: date) -> float:
    return (
        (later.year - earlier.year) * 12
        + (later.month - earlier.month)
        + (later.day - earlier.day) / 31
    )


def figures(
    deals: Iterable[Deal], *, period: str = "quarter", lapse_months: int = 6
) -> list[Figures]:
    """Figures for every person and period that has a won deal or a lead; sorted."""
    all_deals = list(deals)
    client = {d.deal_id: d.company or f"deal:{d.deal_id}" for d in all_deals}
    won = sorted(
        (d for d in all_deals if d.outcome is Outcome.won and d.closed is not None),
        key=lambda d: (d.closed, d.deal_id),
    )
    # Each won deal's client history: the previous won deal of the same client, anyone's.
    previous_win: dict[str, date | None] = {}
    last_by_client: dict[str, date] = {}
    for d in won:
        c = client[d.deal_id]
        previous_win[d.deal_id] = last_by_client.get(c)
        assert d.closed is not None
        last_by_client[c] = d.closed

    by_key: dict[tuple[int, str], list[Deal]] = defaultdict(list)
    for d in won:
        assert d.closed is not None
        by_key[(d.person, period_of(d.closed, period))].append(d)
    leads: dict[tuple[int, str], int] = defaultdict(int)
    for d in all_deals:
        if d.qualified:
            leads[(d.person, period_of(d.created, period))] += 1
    has_products = any(d.products for d in all_deals)
    keys = set(by_key) | set(leads)
    if keys:
        # A period without a sale still counts for retention when the one before had buyers.
        last = max(when for _, when in keys)
        keys |= {(p, next_period(w)) for p, w in by_key if next_period(w) <= last}

    out = []
    for person, when in sorted(keys):
        mine = by_key.get((person, when), [])
        revenue = sum((d.amount for d in mine), Decimal(0))
        first = [d for d in mine if previous_win[d.deal_id] is None]
        clients = {client[d.deal_id] for d in mine}
        before = {client[d.deal_id] for d in by_key.get((person, previous_period(when)), [])}
        reactivated = sum(
            1
            for d in mine
            if (prev := previous_win[d.deal_id]) is not None
            and d.closed is not None
            and _months_between(prev, d.closed) > lapse_months
        )
        breadth = None
        if has_products and clients:
            bought: dict[str, set[str]] = defaultdict(set)
            for d in mine:
                bought[client[d.deal_id]].update(d.products)
            breadth = sum(len(v) for v in bought.values()) / len(clients)
        out.append(
            Figures(
                person=person,
                period=when,
                won_deals=len(mine),
                revenue=revenue,
                new_clients=len(first),
                first_deal_revenue=sum((d.amount for d in first), Decimal(0)),
                repeat_share=(len(mine) - len(first)) / len(mine) if mine else None,
                retention=len(before & clients) / len(before) if before else None,
                purchase_frequency=len(mine) / len(clients) if clients else None,
                average_deal=revenue / len(mine) if mine else None,
                reactivated=reactivated,
                breadth=breadth,
                qualified_leads=leads.get((person, when), 0),
            )
        )
    return out


def headline_by_person(rows: Iterable[Figures], figure: str) -> dict[int, float]:
    """Each person's ``figure`` averaged over the periods where it is defined."""
    values: dict[int, list[float]] = defaultdict(list)
    for f in rows:
        value = getattr(f, figure)
        if value is not None:
            values[f.person].append(float(value))
    return {person: sum(v) / len(v) for person, v in values.items()}


def standardised_within(values: list[float], groups: list[str]) -> list[float]:
    """Each value in SDs from its group's mean (markets and territories differ); 0 in a group
    whose values are all equal."""
    out = list(values)
    for group in set(groups):
        idx = [i for i, g in enumerate(groups) if g == group]
        mean = sum(values[i] for i in idx) / len(idx)
        sd = (sum((values[i] - mean) ** 2 for i in idx) / len(idx)) ** 0.5
        for i in idx:
            out[i] = (values[i] - mean) / sd if sd > 0 else 0.0
    return out
