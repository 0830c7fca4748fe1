"""The ЦКП figures from deals, checked against hand-counted answers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.outcomes.crm import Outcome
from app.outcomes.figures import (
    Deal,
    figures,
    next_period,
    period_of,
    previous_period,
    shift_period,
)

W, L, OPEN = Outcome.won, Outcome.lost, Outcome.open


def deal(n, person, company, amount, outcome, closed, created=None, products=(), q=False):
    closed_on = date.fromisoformat(closed) if closed else None
    return Deal(
        person=person,
        company=company,
        deal_id=str(n),
        amount=Decimal(amount),
        outcome=outcome,
        qualified=q or outcome is W,
        created=date.fromisoformat(created) if created else (closed_on or date(2026, 1, 1)),
        closed=closed_on,
        products=tuple(products),
    )


DEALS = [
    # Farmer 1: Alpha buys in Q1 and Q2 (repeat, retained); Beta buys in Q1 only (lost);
    # Gamma, first bought in 2025-Q1 from person 2, comes back in 2026-Q2 (reactivated).
    deal(1, 1, "Alpha", 100, W, "2026-01-10", products=["a", "b"]),
    deal(2, 1, "Beta", 50, W, "2026-02-10", products=["a"]),
    deal(3, 1, "Alpha", 200, W, "2026-04-05", products=["c"]),
    deal(4, 2, "Gamma", 70, W, "2025-02-01"),
    deal(5, 1, "Gamma", 30, W, "2026-05-01"),
    deal(6, 1, "Delta", 999, L, "2026-05-02"),
    # Scout 3: two qualified leads in Q1, one not qualified.
    deal(7, 3, "", 0, OPEN, None, created="2026-01-05", q=True),
    deal(8, 3, "", 0, OPEN, None, created="2026-02-05", q=True),
    deal(9, 3, "", 0, OPEN, None, created="2026-02-06"),
]


def by(rows, person, period):
    return next(r for r in rows if r.person == person and r.period == period)


def test_it_counts_a_farmers_quarters_by_hand() -> None:
    rows = figures(DEALS, period="quarter", lapse_months=6)
    q1, q2 = by(rows, 1, "2026-Q1"), by(rows, 1, "2026-Q2")
    assert (q1.won_deals, q1.revenue, q1.new_clients) == (2, Decimal(150), 2)
    assert q1.repeat_share == 0 and q1.retention is None
    assert q1.purchase_frequency == 1 and q1.average_deal == Decimal(75)
    assert q1.breadth == pytest.approx(1.5)  # Alpha 2 products, Beta 1
    assert (q2.won_deals, q2.revenue, q2.new_clients) == (2, Decimal(230), 0)
    assert q2.repeat_share == 1  # Alpha again, Gamma bought before (from person 2)
    assert q2.retention == 0.5  # of Alpha and Beta, Alpha came back
    assert q2.reactivated == 1  # Gamma, 15 months after its last purchase
    assert q2.first_deal_revenue == 0


def test_it_counts_a_scouts_qualified_leads_by_creation_period() -> None:
    rows = figures(DEALS, period="quarter")
    assert by(rows, 3, "2026-Q1").qualified_leads == 2


def test_a_quarter_without_sales_still_shows_the_clients_it_lost() -> None:
    only_q1 = [deal(1, 1, "Alpha", 100, W, "2026-01-10"), deal(2, 2, "Z", 1, W, "2026-04-01")]
    q2 = by(figures(only_q1, period="quarter"), 1, "2026-Q2")
    assert q2.won_deals == 0 and q2.retention == 0 and q2.average_deal is None


def test_it_has_no_breadth_when_the_export_has_no_products() -> None:
    rows = figures([deal(1, 1, "Alpha", 100, W, "2026-01-10")], period="month")
    assert rows[0].period == "2026-01" and rows[0].breadth is None


def test_periods_step_across_years() -> None:
    assert period_of(date(2026, 11, 3), "quarter") == "2026-Q4"
    assert next_period("2026-Q4") == "2027-Q1" and previous_period("2026-Q1") == "2025-Q4"
    assert next_period("2026-12") == "2027-01" and previous_period("2026-01") == "2025-12"
    assert shift_period("2026-Q3", 6) == "2028-Q1" and shift_period("2026-03", -15) == "2024-12"
    with pytest.raises(ValueError):
        period_of(date(2026, 1, 1), "week")
