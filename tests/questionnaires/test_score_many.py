"""The vectorized path gives the one-by-one path's numbers, row by row."""

from __future__ import annotations

import math

import numpy as np
import pytest

from questionnaires.engine import score, score_many
from questionnaires.result import ScaleCalibration
from tests.questionnaires.qhelpers import build, mixed


def _random_answers(q, rng, n, missing_share):
    points = np.array([q.points_of(i) for i in q.items])
    m = rng.integers(1, points + 1, size=(n, len(points))).astype(float)
    m[rng.random(m.shape) < missing_share] = np.nan
    return m


def _compare(q, m, *, calibration=None, model="sem", exact=True):
    table = score_many(q, m, calibration=calibration, model=model)
    same = (lambda a, b: a == b) if exact else (lambda a, b: math.isclose(a, b, abs_tol=1e-9))
    for row in range(m.shape[0]):
        answers = {
            item.id: int(v) for item, v in zip(q.items, m[row], strict=True) if not np.isnan(v)
        }
        r = score(q, answers, calibration=calibration, model=model)
        for j, name in enumerate(table.scales):
            s = r.scales[name]
            assert table.scored[row, j] == s.scored
            assert table.prorated[row, j] == s.prorated
            assert table.answered[row, j] == s.answered
            assert same(table.answered_sum[row, j], s.answered_sum)
            if s.scored:
                assert same(table.raw[row, j], s.raw)
                assert same(table.normalized[row, j], s.normalized)
            else:
                assert np.isnan(table.raw[row, j]) and np.isnan(table.normalized[row, j])
        for j, name in enumerate(table.dichotomies):
            d = r.dichotomies[name]
            codes = table.pole_codes(name)
            if d.scored:
                assert codes[row] == d.pole
                assert same(table.p_high[row, j], d.p_high)
                assert same(table.probability[row, j], d.probability)
                assert table.borderline[row, j] == d.borderline
            else:
                assert codes[row] == "" and np.isnan(table.p_high[row, j])
                assert not table.borderline[row, j]
    return table


@pytest.mark.parametrize("model", ["sem", "kelley"])
def test_score_many_equals_score_exactly_with_missing_answers_and_every_item_kind(model):
    rng = np.random.default_rng(7)
    q = mixed()
    m = _random_answers(q, rng, 400, 0.12)
    cal = {"s": ScaleCalibration(reliability=0.7, mean=20, sd=4.5, n=300, source="sample")}
    table = _compare(q, m, calibration=cal, model=model)
    # the random data really exercised every branch
    assert table.prorated.any() and (~table.scored).any() and table.scored.any()
    assert table.high.any() and (~table.high & table.scored[:, [0]].repeat(2, 1)).any()


def test_score_many_equals_score_with_arbitrary_weights_to_rounding():
    rng = np.random.default_rng(11)
    items = [
        {"id": f"i{k}", "response": "a7", "scale": "s", "weight": float(w), "reverse": k % 3 == 0}
        for k, w in enumerate(rng.uniform(0.1, 3, size=12))
    ] + [{"id": "x", "kind": "bipolar", "scale": "u", "weight": 0.3}]
    q = build(
        items,
        dichotomies=[{"id": "D", "scale": "s", "low": {"code": "L"}, "high": {"code": "H"}}],
    )
    _compare(q, _random_answers(q, rng, 300, 0.08), exact=False)


def test_score_many_takes_zero_as_missing_and_rejects_out_of_range_codes():
    q = mixed()
    m = np.zeros((2, len(q.items)))
    table = score_many(q, m)
    assert not table.scored.any()
    m[1, 0] = 6
    with pytest.raises(ValueError, match=r"row 1, item a1: answer 6 outside 1\.\.5"):
        score_many(q, m)
    with pytest.raises(ValueError, match="columns"):
        score_many(q, np.zeros((2, 3)))
