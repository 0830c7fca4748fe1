"""The evidence model: the matrix tested on a company's own results (socionics/evidence.py)."""

from __future__ import annotations

import numpy as np
import pytest

from socionics import evidence
from socionics.evidence import MIN_PEOPLE, role_evidence
from socionics.matrix import default_matrix
from socionics.model import type_codes

CODES = type_codes()
FITS = [default_matrix().fit(c, "farmer") for c in CODES]


def _company(rng: np.random.Generator, people: int, beta: np.ndarray, certainty: float = 0.97):
    """People of known type, each given most of their probability on it."""
    true_type = rng.integers(0, 16, size=people)
    probs = np.full((people, 16), (1 - certainty) / 15)
    probs[np.arange(people), true_type] = certainty
    y = beta[true_type] + rng.standard_normal(people)
    return y, probs


def test_it_says_there_is_not_enough_evidence_below_the_minimum() -> None:
    rng = np.random.default_rng(1)
    y, probs = _company(rng, MIN_PEOPLE - 1, np.zeros(16))
    ev = role_evidence(
        role="farmer", codes=CODES, prior_fit=FITS, outcomes=y, type_probabilities=probs
    )
    assert not ev.enough
    assert ev.follows_matrix is None and ev.group_contrast is None
    assert ev.moved == ()
    assert [t.proposed_fit for t in ev.types] == FITS


def test_it_moves_the_one_cell_the_results_contradict() -> None:
    """ILI sits at 10 for farmer; here ILI farmers do best by far, the rest follow the matrix."""
    rng = np.random.default_rng(7)
    g = (np.array(FITS) - np.mean(FITS)) / np.std(FITS)
    beta = 0.3 * g
    ili = CODES.index("ILI")
    beta[ili] = 2.0
    y, probs = _company(rng, 400, beta)
    ev = role_evidence(
        role="farmer", codes=CODES, prior_fit=FITS, outcomes=y, type_probabilities=probs
    )
    assert [t.code for t in ev.moved] == ["ILI"]
    moved = ev.moved[0]
    assert moved.proposed_fit > moved.prior_fit
    assert moved.deviation.low > 0
    # The same interval on the matrix's scale: the deviation times the spread of the fits.
    iv = moved.fit_interval
    assert iv is not None and moved.prior_fit < iv.low <= moved.proposed_fit <= iv.high
    spread = float(np.std(FITS))
    assert iv.low == pytest.approx(min(100.0, moved.prior_fit + moved.deviation.low * spread))


def test_it_changes_nothing_when_results_follow_the_matrix() -> None:
    rng = np.random.default_rng(11)
    g = (np.array(FITS) - np.mean(FITS)) / np.std(FITS)
    y, probs = _company(rng, 300, 0.4 * g)
    ev = role_evidence(
        role="farmer", codes=CODES, prior_fit=FITS, outcomes=y, type_probabilities=probs
    )
    assert ev.enough and ev.moved == ()
    assert ev.group_contrast is not None and ev.group_contrast.low > 0


def test_its_posterior_at_a_fixed_spread_is_the_mixed_model_solution(monkeypatch) -> None:
    """At one λ the posterior mean is GLS for the fixed effects and the BLUP for the deviations
    (Henderson's equivalence), computed here the other way round: from V = I + λPPᵀ."""
    lam = 0.36
    monkeypatch.setattr(evidence, "ROOT_LAMBDA", np.array([np.sqrt(lam)]))
    rng = np.random.default_rng(3)
    n = 60
    probs = rng.dirichlet(np.ones(16) * 0.3, size=n)
    tenure = rng.uniform(0, 5, size=n)
    fixed = np.column_stack([np.ones(n), tenure, probs @ rng.standard_normal(16)])
    y = rng.standard_normal(n)
    mean, _cov = evidence._posterior(y, fixed, probs)

    v = np.eye(n) + lam * probs @ probs.T
    v_inv = np.linalg.inv(v)
    theta = np.linalg.solve(fixed.T @ v_inv @ fixed, fixed.T @ v_inv @ y)
    blup = lam * probs.T @ v_inv @ (y - fixed @ theta)
    np.testing.assert_allclose(mean[:3], theta, atol=1e-9)
    np.testing.assert_allclose(mean[3:], blup, atol=1e-9)


def test_it_refuses_inputs_that_do_not_line_up() -> None:
    with pytest.raises(ValueError, match="line up"):
        role_evidence(
            role="farmer",
            codes=CODES,
            prior_fit=FITS[:-1],
            outcomes=np.zeros(40),
            type_probabilities=np.full((40, 16), 1 / 16),
        )


def test_the_pooled_slope_is_least_squares_with_a_t_interval() -> None:
    """Checked against scipy's linregress on the same standardised data."""
    from scipy import stats

    from socionics.evidence import fit_slope

    rng = np.random.default_rng(5)
    fit = rng.uniform(10, 95, size=50)
    y = 0.02 * fit + rng.standard_normal(50)
    got = fit_slope(outcomes=y, expected_fit=fit)
    assert got is not None
    ref = stats.linregress(fit / 10, (y - y.mean()) / y.std())
    t = stats.t.ppf(0.95, 48)
    assert got.mean == pytest.approx(ref.slope)
    assert got.low == pytest.approx(ref.slope - t * ref.stderr)
    assert fit_slope(outcomes=y[:29], expected_fit=fit[:29]) is None


def test_the_top_third_shares_are_expected_shares_with_welch_intervals() -> None:
    from socionics.evidence import top_third

    rng = np.random.default_rng(9)
    n = 60
    probs = rng.dirichlet(np.ones(16), size=n)
    y = probs[:, 0] * 5 + rng.standard_normal(n) * 0.1  # type 0 drives the outcome
    shares = top_third(codes=CODES, outcomes=y, type_probabilities=probs)
    assert shares is not None
    best = np.argsort(-y, kind="stable")[:20]
    others = np.argsort(-y, kind="stable")[20:]
    first = shares[0]
    assert first.top == pytest.approx(probs[best, 0].mean())
    assert first.rest == pytest.approx(probs[others, 0].mean())
    assert first.difference.low > 0
    assert sum(s.top for s in shares) == pytest.approx(1.0)
    assert top_third(codes=CODES, outcomes=y[:29], type_probabilities=probs[:29]) is None


def test_the_detectable_difference_is_seen_four_times_in_five() -> None:
    """Interval.detectable against an independent computation: estimates drawn around that
    difference with the interval's standard error clear zero 80% of the time."""
    from scipy import stats

    se = 0.2
    z = stats.norm.ppf(0.5 + evidence.LEVEL / 2)
    iv = evidence.Interval(0.1, 0.1 - z * se, 0.1 + z * se)
    assert iv.detectable == pytest.approx((stats.norm.ppf(0.95) + stats.norm.ppf(0.8)) * se)
    estimates = np.random.default_rng(3).normal(iv.detectable, se, size=400_000)
    assert np.mean(estimates - z * se > 0) == pytest.approx(evidence.DETECT_POWER, abs=0.003)
    # A wider interval (a smaller team) can only see larger differences.
    assert evidence.Interval(0.1, -0.5, 0.7).detectable > iv.detectable


def test_associations_are_least_squares_one_predictor_at_a_time() -> None:
    """Against an independent computation (numpy's lstsq and scipy's t): each predictor's slope
    on the standardised outcome, with tenure allowed for, and its 90% t interval."""
    from scipy import stats

    rng = np.random.default_rng(11)
    n = 80
    tenure = rng.uniform(0, 3, n)
    p_e = rng.uniform(0, 1, n)
    fit = rng.uniform(2, 9, n)
    y = 0.8 * p_e + 0.1 * tenure + rng.standard_normal(n)
    found = evidence.associations(
        outcomes=y,
        predictors={"EI": p_e, "fit": fit, "flat": np.full(n, 0.5)},
        covariates=tenure.reshape(-1, 1),
    )
    assert found is not None and found["flat"] is None  # no spread, nothing to say
    z = (y - y.mean()) / y.std()
    for name, x in (("EI", p_e), ("fit", fit)):
        design = np.column_stack([np.ones(n), x, tenure])
        beta, rss, *_ = np.linalg.lstsq(design, z, rcond=None)
        cov = rss[0] / (n - 3) * np.linalg.inv(design.T @ design)
        half = stats.t.ppf(0.95, n - 3) * np.sqrt(cov[1, 1])
        iv = found[name]
        assert iv is not None
        assert (iv.mean, iv.low, iv.high) == pytest.approx(
            (beta[1], beta[1] - half, beta[1] + half)
        )
    assert evidence.associations(outcomes=y[: MIN_PEOPLE - 1], predictors={"EI": p_e[:29]}) is None
