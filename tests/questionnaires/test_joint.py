"""Extraversion measured twice (questionnaires/joint.py), checked against independent
computations: a numerical posterior on a grid, the engine's own posterior, a simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from questionnaires import joint
from questionnaires.engine import latent_posteriors, score
from questionnaires.loader import product_questionnaires
from questionnaires.simulate import graded_matrix


def _grid_posterior(x1: float, e1: float, x2: float, e2: float, rho: float) -> tuple[float, float]:
    """Brute force: prior N(0, 1) on z; x1 = z + N(0, e1); x2 = rho·z + √(1−rho²)·N(0, 1)
    + N(0, e2) (the second scale's own construct, then its own error)."""
    z = np.linspace(-8, 8, 160_001)
    log_post = (
        -0.5 * z**2 - 0.5 * (x1 - z) ** 2 / e1 - 0.5 * (x2 - rho * z) ** 2 / (1 - rho * rho + e2)
    )
    w = np.exp(log_post - log_post.max())
    w /= w.sum()
    mean = float((w * z).sum())
    return mean, float((w * (z - mean) ** 2).sum())


@pytest.mark.parametrize(
    ("r1", "r2", "x1", "x2", "rho"),
    [(0.72, 0.80, 0.6, 1.1, 1.0), (0.65, 0.85, -0.4, 0.9, 0.8), (0.79, 0.60, 1.5, -0.2, 0.5)],
)
def test_combining_two_readings_is_the_exact_normal_posterior(r1, r2, x1, x2, rho) -> None:
    # Each scale alone: posterior mean r·x and variance 1 − r, x read with error (1 − r)/r.
    m1, v1, m2, v2 = r1 * x1, 1 - r1, r2 * x2, 1 - r2
    m, v = joint.combine(m1, v1, m2, v2, rho)
    mean, var = _grid_posterior(x1, (1 - r1) / r1, x2, (1 - r2) / r2, rho)
    assert m == pytest.approx(mean, abs=1e-6)
    assert v == pytest.approx(var, abs=1e-6)
    assert v < v1  # a second reading always adds information while rho > 0


def test_an_unrelated_second_scale_changes_nothing() -> None:
    assert joint.combine(0.5, 0.3, 2.0, 0.2, 0.0) == (0.5, 0.3)


def test_latent_of_a_stored_result_is_the_engines_posterior_complete_or_prorated() -> None:
    q = dict(product_questionnaires())["introversion_extraversion"]
    rng = np.random.default_rng(7)
    answers = graded_matrix(q, rng.standard_normal((3, 1)), rng=rng)
    # The third person skipped two items: the scale is prorated with a lower reliability.
    answers[2, [0, 3]] = 0
    _, m, v = latent_posteriors(q, answers, None)
    d = q.dichotomies[0]
    for i in range(3):
        given = {item.id: int(c) for item, c in zip(q.items, answers[i], strict=True) if c}
        result = score(q, given)
        got = joint.latent_of(result.dichotomies[d.id], result.scales[d.scale])
        assert got is not None
        assert got[0] == pytest.approx(m[i, 0], abs=1e-9)
        assert got[1] == pytest.approx(v[i, 0], abs=1e-9)
    assert v[2, 0] > v[0, 0]


def test_the_construct_correlation_is_corrected_for_attenuation() -> None:
    rng = np.random.default_rng(3)
    n, rho, r_a, r_b = 200_000, 0.8, 0.7, 0.85
    z = rng.standard_normal(n)
    other = rho * z + math.sqrt(1 - rho * rho) * rng.standard_normal(n)
    # Observed = √r·true + √(1−r)·error: reliability r, unit variance.
    a = math.sqrt(r_a) * z + math.sqrt(1 - r_a) * rng.standard_normal(n)
    b = math.sqrt(r_b) * other + math.sqrt(1 - r_b) * rng.standard_normal(n)
    assert joint.construct_correlation(a, b, r_a, r_b) == pytest.approx(rho, abs=0.01)
    # Kept within 0..1: sampling noise cannot make two scales more than the same construct.
    assert joint.construct_correlation(z, z + 0.01 * rng.standard_normal(n), 0.5, 0.5) == 1.0
    assert joint.construct_correlation(a[:2], b[:2], r_a, r_b) == 0.0


def test_reading_both_gets_more_letters_right_on_simulated_people() -> None:
    catalog = dict(product_questionnaires())
    q, ie = catalog["socionics_16"], catalog["introversion_extraversion"]
    rng = np.random.default_rng(11)
    z = rng.standard_normal((4000, len(q.dichotomies)))
    k = next(j for j, d in enumerate(q.dichotomies) if d.id == "EI")
    _, m, v = latent_posteriors(q, graded_matrix(q, z, rng=rng), None)
    _, m2, v2 = latent_posteriors(ie, graded_matrix(ie, z[:, [k]], rng=rng), None)
    mc, vc = joint.combine(m[:, k], v[:, k], m2[:, 0], v2[:, 0], 1.0)
    alone = np.mean((m[:, k] > 0) == (z[:, k] > 0))
    both = np.mean((mc > 0) == (z[:, k] > 0))
    assert both > alone + 0.03
    assert (vc < v[:, k]).all()
