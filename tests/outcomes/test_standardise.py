"""The two steps between the figures and the evidence model, shared by the evidence page and
bench/bench_evidence_pipeline.py: a person's average over periods, standardised within team."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.outcomes.figures import Figures, headline_by_person, standardised_within


def _row(person: int, period: str, retention: float | None) -> Figures:
    return Figures(
        person=person,
        period=period,
        won_deals=0,
        revenue=Decimal(0),
        new_clients=0,
        first_deal_revenue=Decimal(0),
        repeat_share=None,
        retention=retention,
        purchase_frequency=None,
        average_deal=None,
        reactivated=0,
        breadth=None,
        qualified_leads=0,
    )


def test_a_persons_figure_is_averaged_over_the_periods_where_it_is_defined() -> None:
    rows = [_row(1, "2026-Q1", 0.5), _row(1, "2026-Q2", None), _row(1, "2026-Q3", 1.0)]
    rows.append(_row(2, "2026-Q1", None))
    assert headline_by_person(rows, "retention") == {1: 0.75}


def test_values_are_standardised_within_their_own_team() -> None:
    values = [1.0, 3.0, 10.0, 30.0, 7.0]
    out = standardised_within(values, ["A", "A", "B", "B", "C"])
    assert out == pytest.approx([-1.0, 1.0, -1.0, 1.0, 0.0])
