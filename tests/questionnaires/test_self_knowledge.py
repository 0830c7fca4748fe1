"""The self-report model: prorated reliability (Spearman-Brown), the limits of certainty, and
the type probabilities as orthant probabilities of a correlated normal, each checked against an
independent computation."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy.stats import multivariate_normal, norm

from questionnaires.engine import score, score_many
from questionnaires.loader import product_questionnaires
from questionnaires.result import ScaleCalibration
from questionnaires.selfknowledge import (
    DATA_FILE,
    latent_correlation,
    orthant_probabilities,
    self_knowledge,
    self_view_correlation,
    spread_for,
    type_distribution,
)
from tests.questionnaires.qhelpers import build

TEN = build(
    [{"id": f"i{k}", "response": "a5", "scale": "s"} for k in range(10)]
    + [{"id": "x", "response": "a5", "scale": "u"}],
    dichotomies=[{"id": "D", "scale": "s", "low": {"code": "L"}, "high": {"code": "H"}}],
)
CAL = ScaleCalibration(reliability=0.8, mean=30.0, sd=6.0, n=300, source="sample")


def _file() -> dict:
    return yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))


def test_the_reviewed_data_file_says_where_its_numbers_come_from_and_maps_our_dichotomies():
    raw = _file()
    text = DATA_FILE.read_text(encoding="utf-8")
    assert "rolefit validate --fit" in text and "oejts/data.csv" in text and "seed" in text
    assert set(raw["spreads"]) == {"IE", "SN", "FT", "JP"}
    assert 0 < raw["unaware_share"] < 0.1
    qs = product_questionnaires()
    for qid, mapping in raw["applies_to"].items():
        if qid in qs:
            assert set(mapping) == {d.id for d in qs[qid].dichotomies}, qid
    assert spread_for("socionics_16", "SN") == raw["spreads"]["SN"]
    assert spread_for("socionics_16", "RI") == raw["spreads"]["JP"]
    assert spread_for("unknown", "X") == pytest.approx(np.mean(list(raw["spreads"].values())))


def test_a_prorated_scale_uses_the_spearman_brown_reliability_of_the_items_answered():
    answers = {f"i{k}": 4 for k in range(8)} | {"x": 3}  # 8 of 10 answered, i8 and i9 missing
    d = score(TEN, answers, calibration={"s": CAL}).dichotomies["D"]
    s = score(TEN, answers, calibration={"s": CAL}).scales["s"]
    assert s.prorated and s.raw == 40.0
    # Independent: 8 parallel items of 10; reliability by Spearman-Brown with length 0.8, and
    # the posterior of the true score T ~ N(cut, r sd^2) given X = T + E, Var E = (1-r) sd^2 / L.
    r, L, sd, cut = 0.8, 0.8, 6.0, 30.0
    r8 = L * r / (1 + (L - 1) * r)
    assert d.reliability == pytest.approx(r8, abs=1e-12)
    true_var, err_var = r * sd**2, (1 - r) * sd**2 / L
    post_mean = cut + true_var / (true_var + err_var) * (40.0 - cut)
    post_var = true_var * err_var / (true_var + err_var)
    tau, omega = d.self_knowledge_sd, self_knowledge().unaware_share
    assert tau is not None
    z = (post_mean - cut) / math.sqrt(post_var + tau**2 * true_var)
    assert d.p_high == pytest.approx((1 - omega) * norm.cdf(z) + omega / 2, abs=1e-12)
    # Less sure than the same score with every item answered (today's code used full length).
    full = score(TEN, {f"i{k}": 4 for k in range(10)} | {"x": 3}, calibration={"s": CAL})
    assert full.dichotomies["D"].p_high > d.p_high
    # The batch path agrees.
    m = np.array([[4] * 8 + [0, 0, 3]], dtype=float)
    assert score_many(TEN, m, calibration={"s": CAL}).p_high[0, 0] == pytest.approx(d.p_high)


def test_spearman_brown_matches_the_reliability_of_prorated_scores_in_simulation():
    # Parallel items: the squared correlation of the prorated score with the true score is its
    # reliability; it must equal the engine's for the answered share.
    rng = np.random.default_rng(5)
    n, k, answered = 40_000, 10, 7
    true = rng.standard_normal(n)
    items = true[:, None] + rng.standard_normal((n, k)) * 1.5
    full = items.sum(axis=1)
    prorated = items[:, :answered].mean(axis=1) * k
    r_full = np.corrcoef(full, true)[0, 1] ** 2
    r_part = np.corrcoef(prorated, true)[0, 1] ** 2
    cal = ScaleCalibration(reliability=float(r_full), mean=0.0, sd=1.0, n=n, source="sample")
    from questionnaires.engine import effective

    assert effective(cal, answered / k)[0] == pytest.approx(r_part, abs=0.01)


def test_no_answers_make_a_pole_more_certain_than_97_or_less_than_3_percent():
    for value in (1, 5):
        answers = {f"i{k}": value for k in range(10)} | {"x": 3}
        for cal in (
            None,
            {"s": ScaleCalibration(reliability=0.95, mean=30, sd=8, n=900, source="sample")},
        ):
            p = score(TEN, answers, calibration=cal).dichotomies["D"].p_high
            assert p is not None and 0.03 <= p <= 0.97


def test_orthant_probabilities_equal_scipys_multivariate_normal():
    c = np.array(
        [[1.0, 0.4, -0.2, 0.1], [0.4, 1.0, 0.0, 0.3], [-0.2, 0.0, 1.0, -0.25], [0.1, 0.3, -0.25, 1]]
    )
    p = np.array([0.8, 0.35, 0.6, 0.9])
    probs = orthant_probabilities(p, c)
    mu = norm.ppf(p)
    for index in range(16):
        sign = np.array([1 if (index >> j) & 1 else -1 for j in range(4)])
        # P(all sign_j * s_j > 0) with s ~ N(mu, c) = CDF of -sign*s at 0
        cov = c * np.outer(sign, sign)
        want = multivariate_normal.cdf(
            sign * mu, mean=np.zeros(4), cov=cov, rng=np.random.default_rng(1)
        )
        assert probs[index] == pytest.approx(want, abs=0.004), index
    bits = (np.arange(16)[:, None] >> np.arange(4)) & 1
    assert probs.sum() == pytest.approx(1.0)
    assert (probs * bits.T).sum(axis=1) == pytest.approx(p, abs=1e-9)


def test_without_correlation_the_type_is_the_product_of_its_letters_plus_the_unaware_share():
    p = np.array([0.9, 0.2, 0.65, 0.7])
    omega = 0.06
    probs = type_distribution(p, None, unaware=omega)
    informed = (p - omega / 2) / (1 - omega)
    bits = (np.arange(16)[:, None] >> np.arange(4)) & 1
    want = (1 - omega) * np.prod(np.where(bits == 1, informed, 1 - informed), axis=1) + omega / 16
    assert probs == pytest.approx(want, abs=1e-12)
    assert (probs * bits.T).sum(axis=1) == pytest.approx(p, abs=1e-12)


def test_the_latent_correlation_is_the_observed_one_corrected_for_attenuation():
    rng = np.random.default_rng(3)
    raw = rng.multivariate_normal([0, 0], [[1, 0.3], [0.3, 1]], size=5000)
    c = latent_correlation(raw, np.array([0.6, 0.75]))
    obs = np.corrcoef(raw, rowvar=False)[0, 1]
    assert c[0, 1] == pytest.approx(obs / math.sqrt(0.6 * 0.75), abs=1e-9)
    # Given the answers the self-descriptions are far less correlated than the traits.
    s = self_view_correlation(c, np.array([0.6, 0.75]), np.array([0.5, 0.5]))
    assert 0 < s[0, 1] < c[0, 1]


def test_engine_results_carry_the_self_view_correlation_when_stored_responses_give_one():
    latent = {"s": {"s": 1.0, "u": 0.5}, "u": {"s": 0.5, "u": 1.0}}
    q = build(
        [{"id": f"i{k}", "response": "a5", "scale": "s"} for k in range(4)]
        + [{"id": f"j{k}", "response": "a5", "scale": "u"} for k in range(4)],
        dichotomies=[
            {"id": "A", "scale": "s", "low": {"code": "L"}, "high": {"code": "H"}},
            {"id": "B", "scale": "u", "low": {"code": "M"}, "high": {"code": "N"}},
        ],
    )
    answers = {f"i{k}": 4 for k in range(4)} | {f"j{k}": 2 for k in range(4)}
    r = score(q, answers, latent_correlation=latent)
    assert r.self_view_correlation is not None
    rel = [r.dichotomies[d].reliability for d in "AB"]
    tau = [r.dichotomies[d].self_knowledge_sd for d in "AB"]
    want = self_view_correlation(np.array([[1, 0.5], [0.5, 1]]), np.array(rel), np.array(tau))
    assert r.self_view_correlation["A"]["B"] == pytest.approx(want[0, 1], abs=1e-6)
    assert score(q, answers).self_view_correlation is None


def test_the_data_file_lives_where_the_package_ships_it():
    assert (
        Path(__file__).resolve().parents[2] / "questionnaires/data/self_knowledge.yaml" == DATA_FILE
    )


def test_borderline_is_judged_on_the_figure_the_reader_sees():
    from questionnaires.engine import BORDERLINE_BELOW
    from questionnaires.shown import reads_below
    from socionics.recommend import type_result

    assert BORDERLINE_BELOW == 0.75
    assert reads_below(0.72, 0.75) and not reads_below(0.73, 0.75)  # shown 70% and 75%
    r = type_result({"EI": 0.73, "SN": 0.27, "LF": 0.72, "RI": 0.9})
    assert r.borderline == ["LF"]  # EI and SN read 75%, LF 70%


def test_the_universal_warning_and_the_extraversion_check_judge_the_shown_figures():
    from socionics.matrix import default_matrix
    from socionics.model import types
    from socionics.recommend import recommend

    rest = (1 - 0.68) / 15
    probs = {t.code: (0.68 if t.code == "ESE" else rest) for t in types()}
    # 0.68 reads "70%": the book's exception (at least 70%) holds, so no warning.
    assert recommend(probs, default_matrix(), target_role="universal").universal_warning is None
    probs = {t.code: (0.67 if t.code == "ESE" else (1 - 0.67) / 15) for t in types()}
    warned = recommend(probs, default_matrix(), target_role="universal").universal_warning
    assert warned is not None and warned.p_ese == 0.67  # reads 65%: below the exception
