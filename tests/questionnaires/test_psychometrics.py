"""Reliability, item-total correlations, norms and the sample calibration."""

from __future__ import annotations

import numpy as np
import pytest

from questionnaires.engine import score, score_many
from questionnaires.psychometrics import (
    alpha_ci,
    answers_matrix,
    calibration_from_responses,
    cronbach_alpha,
    format_statistics,
    item_total,
    percentile,
    scale_statistics,
)
from tests.questionnaires.qhelpers import build


def _alpha_from_covariance(m):
    # alpha = k/(k-1) * (1 - trace(C) / sum(C)), written from the covariance matrix
    c = np.cov(m, rowvar=False)
    k = c.shape[0]
    return k / (k - 1) * (1 - np.trace(c) / c.sum())


def _latent_items(rng, n, k, loading=0.7):
    t = rng.normal(size=(n, 1))
    raw = loading * t + np.sqrt(1 - loading**2) * rng.normal(size=(n, k))
    return np.clip(np.round(raw * 1.2 + 3), 1, 5)


def test_alpha_equals_the_covariance_matrix_formula():
    rng = np.random.default_rng(3)
    m = _latent_items(rng, 500, 8)
    assert cronbach_alpha(m) == pytest.approx(_alpha_from_covariance(m), abs=1e-12)


def test_alpha_drops_rows_with_a_missing_item():
    rng = np.random.default_rng(4)
    m = _latent_items(rng, 300, 6)
    holed = m.copy()
    holed[::7, 2] = np.nan
    keep = np.ones(300, dtype=bool)
    keep[::7] = False
    assert cronbach_alpha(holed) == pytest.approx(_alpha_from_covariance(m[keep]), abs=1e-12)


def test_feldt_interval_matches_a_published_example():
    # Chris Evans' feldt1.return(0.913, 873, 20) (MRC CBU stats wiki): 0.9044024 to 0.9211588
    low, high = alpha_ci(0.913, 873, 20)
    assert low == pytest.approx(0.9044024, abs=1e-7)
    assert high == pytest.approx(0.9211588, abs=1e-7)


def test_feldt_interval_covers_the_true_alpha_about_95_times_in_100():
    # parallel items with loading l: true alpha = k r / (1 + (k - 1) r), r = l^2
    rng = np.random.default_rng(5)
    k, n, loading = 6, 60, 0.6
    r = loading**2
    true = k * r / (1 + (k - 1) * r)
    hits = 0
    for _ in range(800):
        t = rng.normal(size=(n, 1))
        m = loading * t + np.sqrt(1 - r) * rng.normal(size=(n, k))
        low, high = alpha_ci(cronbach_alpha(m), n, k)
        hits += low <= true <= high
    assert 0.93 <= hits / 800 <= 0.97


def test_item_total_is_the_correlation_with_the_rest_of_the_items():
    rng = np.random.default_rng(6)
    m = _latent_items(rng, 200, 5)
    got = item_total(m)
    for j in range(5):
        rest = np.delete(m, j, axis=1).sum(axis=1)
        assert got[j] == pytest.approx(np.corrcoef(m[:, j], rest)[0, 1], abs=1e-12)


def test_percentile_counts_half_the_ties():
    assert percentile(3, [1, 2, 3, 3, 4]) == pytest.approx(100 * (2 + 1) / 5)
    assert percentile(0, [1, 2]) == 0
    assert percentile(9, [1, 2]) == 100
    assert percentile(1, []) is None


def _one_scale(n_items=6):
    return build(
        [{"id": f"i{k}", "response": "a5", "scale": "s", "reverse": k == 0} for k in range(n_items)]
        + [{"id": "x", "kind": "bipolar", "scale": "u"}],
        dichotomies=[{"id": "D", "scale": "s", "low": {"code": "L"}, "high": {"code": "H"}}],
    )


def test_calibration_switches_from_prior_to_sample_at_200_complete_responses():
    q = _one_scale()
    rng = np.random.default_rng(8)
    m = np.c_[_latent_items(rng, 260, 6), rng.integers(1, 6, size=(260, 1))]
    m[:61, 1] = 0  # 199 complete rows on scale s
    cal = calibration_from_responses(q, m)
    assert cal["s"].source == "prior" and cal["u"].source == "prior"  # u: one item, no alpha
    m[60, 1] = 3  # 200
    cal = calibration_from_responses(q, m)
    s = cal["s"]
    assert s.source == "sample" and s.n == 200
    full = m[60:]
    keyed = full[:, :6].copy()
    keyed[:, 0] = 6 - keyed[:, 0]
    assert s.reliability == pytest.approx(_alpha_from_covariance(keyed), abs=1e-12)
    assert s.mean == pytest.approx(keyed.sum(axis=1).mean())
    assert s.sd == pytest.approx(keyed.sum(axis=1).std(ddof=1))
    # the engine records which calibration it used
    r = score(q, {f"i{k}": 4 for k in range(6)}, calibration=cal)
    assert r.dichotomies["D"].calibration == s
    assert score_many(q, m[:1] * 0 + 4, calibration=cal).p_high[0, 0] == r.dichotomies["D"].p_high


def test_scale_statistics_per_language_and_their_table():
    q = _one_scale()
    rng = np.random.default_rng(9)
    m = np.c_[_latent_items(rng, 300, 6), rng.integers(1, 6, size=(300, 1))]
    langs = ["ru"] * 180 + ["en"] * 120
    stats = scale_statistics(q, m, languages=langs)
    assert [(s.scale, s.language) for s in stats] == [
        ("s", None), ("u", None), ("s", "en"), ("u", "en"), ("s", "ru"), ("u", "ru")
    ]  # fmt: skip
    s_all, s_ru = stats[0], stats[4]
    assert s_all.n_complete == 300 and s_ru.n_complete == 180
    assert s_all.calibration_source == "sample"
    assert s_all.alpha_low < s_all.alpha < s_all.alpha_high
    assert set(s_all.item_total) == {f"i{k}" for k in range(6)}
    assert s_all.quantiles[50] == pytest.approx(np.median(score_many(q, m).raw[:, 0]))
    text = format_statistics(stats)
    assert text.count("\n") == 1 + len(stats) and " ru " in text


def test_answers_matrix_places_answers_in_item_order():
    q = _one_scale()
    m = answers_matrix(q, [{"i1": 2, "x": 5}, {}])
    assert m.shape == (2, 7) and m[0, 1] == 2 and m[0, 6] == 5 and m[1].sum() == 0
