"""The one-by-one engine path, pinned by hand-computed answer sets."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import yaml

from questionnaires.engine import (
    check_answer,
    p_high_of,
    prior_calibration,
    scale_range,
    score,
)
from questionnaires.result import ScaleCalibration
from tests.questionnaires.qhelpers import build, mixed

ALL = {
    "a1": 4, "a2": 2, "a3": 6, "a4": 1, "b1": 5, "b2": 2,
    "ac": 2, "f1": 1, "f2": 2, "a5": 3, "a6": 4,
}  # fmt: skip


def test_it_scores_every_item_kind_with_keys_and_weights():
    q = mixed()
    r = score(q, ALL)
    # s: a1 4 + a2 (6-2)=4 + a3 2*6=12 + b1 5 + f1 choice 1 -> 1 point  = 26
    assert r.scales["s"].raw == 26
    # u: a4 0.5*(5-1)=2 + b2 1.5*(6-2)=6 + f1 choice 1 -> 0 + f2 choice 2 -> 1 + a5 3 + a6 (6-4)=2
    assert r.scales["u"].raw == 14
    assert r.scales["u"].answered_sum == 14
    assert not r.scales["s"].prorated


def test_it_keeps_attention_checks_out_of_scales():
    q = mixed()
    changed = dict(ALL, ac=5)
    assert score(q, changed).scales == score(q, ALL).scales
    assert scale_range(q, "s") == (1 + 1 + 2 + 1 + 0, 5 + 5 + 14 + 5 + 1)


def test_it_normalizes_over_the_possible_range():
    q = mixed()
    lo, hi = scale_range(q, "u")
    assert (lo, hi) == (0.5 + 1.5 + 0 + 0 + 1 + 1, 2 + 7.5 + 2 + 1 + 5 + 5)
    r = score(q, ALL)
    assert r.scales["u"].normalized == pytest.approx((14 - lo) / (hi - lo))


def test_it_prorates_a_scale_missing_at_most_a_fifth_of_its_items():
    q = build(
        [{"id": f"i{k}", "response": "a5", "scale": "s"} for k in range(5)]
        + [{"id": "x", "response": "a5", "scale": "u"}]
    )
    r = score(q, {"i0": 5, "i1": 4, "i2": 4, "i3": 3, "x": 1})
    # mean keyed score of the answered items times the item count
    assert r.scales["s"].raw == pytest.approx(4 * 5)
    assert r.scales["s"].prorated
    assert r.scales["s"].answered_sum == 16
    assert r.scales["s"].answered == 4


def test_it_leaves_a_scale_unscored_beyond_a_fifth_missing_and_says_why():
    q = build(
        [{"id": f"i{k}", "response": "a5", "scale": "s"} for k in range(5)]
        + [{"id": "x", "response": "a5", "scale": "u"}],
        dichotomies=[{"id": "D", "scale": "s", "low": {"code": "L"}, "high": {"code": "H"}}],
    )
    r = score(q, {"i0": 5, "i1": 4, "i2": 4, "x": 1})
    s = r.scales["s"]
    assert not s.scored and s.raw is None and s.normalized is None
    assert s.reason == "2 of 5 items unanswered (more than 20%)"
    d = r.dichotomies["D"]
    assert not d.scored and d.pole is None and d.probability is None
    assert any(f.code == "missing_answers" for f in r.quality.flags)


def test_it_gives_a_tie_at_the_cut_to_the_low_pole_as_borderline():
    q = build(
        [{"id": f"i{k}", "kind": "bipolar", "scale": "s"} for k in range(4)]
        + [{"id": "x", "response": "a5", "scale": "u"}],
        dichotomies=[{"id": "D", "scale": "s", "low": {"code": "I"}, "high": {"code": "E"}}],
    )
    r = score(q, {"i0": 1, "i1": 5, "i2": 3, "i3": 3, "x": 2})
    d = r.dichotomies["D"]
    assert d.cut == 12 and r.scales["s"].raw == 12
    assert d.pole == "I" and d.probability == 0.5 and d.borderline


def _phi(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def _self_knowledge_file() -> tuple[float, float]:
    """(mean spread, unaware share) read straight from the reviewed data file."""
    raw = yaml.safe_load(
        (
            Path(__file__).resolve().parents[2] / "questionnaires/data/self_knowledge.yaml"
        ).read_text()
    )
    spreads = list(raw["spreads"].values())
    return sum(spreads) / len(spreads), raw["unaware_share"]


def test_the_pole_probability_is_how_likely_the_person_describes_themselves_with_it():
    q = build(
        [{"id": f"i{k}", "response": "a5", "scale": "s"} for k in range(4)]
        + [{"id": "x", "response": "a5", "scale": "u"}],
        dichotomies=[{"id": "D", "scale": "s", "low": {"code": "L"}, "high": {"code": "H"}}],
    )
    cal = ScaleCalibration(reliability=0.84, mean=11.0, sd=3.0, n=250, source="sample")
    answers = {"i0": 5, "i1": 4, "i2": 3, "i3": 3, "x": 2}
    d = score(q, answers, calibration={"s": cal}).dichotomies["D"]
    # Latent score beyond the cut: T = 12 + .84 * 3 = 14.52, SE = 3 * sqrt(.84 * .16); in
    # units of the true-score SD 3 * sqrt(.84): mean 2.52 / (3 sqrt(.84)), variance .16. The
    # self-description adds tau^2 (a dichotomy the file does not map: the mean spread) and the
    # unaware share answers 50/50.
    tau, omega = _self_knowledge_file()
    m, v = 2.52 / (3 * math.sqrt(0.84)), 0.16
    expected = (1 - omega) * _phi(m / math.sqrt(v + tau**2)) + omega / 2
    assert d.model == "self_report" and d.self_knowledge_sd == pytest.approx(tau)
    assert d.pole == "H"
    assert d.p_high == pytest.approx(expected, abs=1e-12)
    assert d.probability == pytest.approx(expected, abs=1e-12)
    assert d.reliability == pytest.approx(0.84)
    assert d.calibration == cal


def test_the_old_model_is_the_true_score_posterior_beyond_the_cut():
    q = build(
        [{"id": f"i{k}", "response": "a5", "scale": "s"} for k in range(4)]
        + [{"id": "x", "response": "a5", "scale": "u"}],
        dichotomies=[{"id": "D", "scale": "s", "low": {"code": "L"}, "high": {"code": "H"}}],
    )
    cal = ScaleCalibration(reliability=0.84, mean=11.0, sd=3.0, n=250, source="sample")
    answers = {"i0": 5, "i1": 4, "i2": 3, "i3": 3, "x": 2}
    d = score(q, answers, calibration={"s": cal}, model="neutral").dichotomies["D"]
    # Neutral prior at the cut: T = 12 + .84 * 3 = 14.52, SE = 3 * sqrt(.84 * .16) = 1.09982
    expected = 0.5 * (1 + math.erf(2.52 / (3 * math.sqrt(0.84 * 0.16)) / math.sqrt(2)))
    assert d.pole == "H"
    assert d.p_high == pytest.approx(expected, abs=1e-12)
    assert not d.borderline  # 0.989
    # SEM model: N(15, 1.2^2) beyond 12
    sem = p_high_of(15, 12, cal, "sem")
    assert sem == pytest.approx(0.5 * (1 + math.erf(3 / 1.2 / math.sqrt(2))), 1e-9)
    # Kelley: T = 11 + .84 * 4 = 14.36, SE = 3 * sqrt(.84 * .16) = 1.09982
    k = p_high_of(15, 12, cal, "kelley")
    assert k == pytest.approx(0.5 * (1 + math.erf(2.36 / 1.0998181667 / math.sqrt(2))), 1e-9)


def test_it_marks_a_pole_below_three_quarters_borderline():
    q = build(
        [{"id": f"i{k}", "response": "a5", "scale": "s"} for k in range(4)]
        + [{"id": "x", "response": "a5", "scale": "u"}],
        dichotomies=[{"id": "D", "scale": "s", "low": {"code": "L"}, "high": {"code": "H"}}],
    )
    cal = ScaleCalibration(reliability=0.5, mean=12.0, sd=3.0, n=0, source="prior")
    r = score(q, {"i0": 4, "i1": 3, "i2": 3, "i3": 3, "x": 2}, calibration={"s": cal})
    d = r.dichotomies["D"]
    # 13 vs cut 12: latent mean sqrt(.5) / 3, variance .5, plus the self-knowledge spread
    tau, omega = _self_knowledge_file()
    m = math.sqrt(0.5) / 3
    expected = (1 - omega) * _phi(m / math.sqrt(0.5 + tau**2)) + omega / 2
    assert d.pole == "H" and d.borderline
    assert d.probability == pytest.approx(expected, abs=1e-12)
    assert 0.5 < d.probability < 0.6
    old = score(
        q, {"i0": 4, "i1": 3, "i2": 3, "i3": 3, "x": 2}, calibration={"s": cal}, model="neutral"
    )
    # The old model: T = 12.5, SE = 3 * sqrt(.25) = 1.5, p_high = Phi(1/3) = 0.6306
    assert old.dichotomies["D"].probability == pytest.approx(0.6306, abs=1e-4)
    assert old.dichotomies["D"].borderline


def test_the_prior_has_the_midpoint_mean_and_the_sd_an_equicorrelated_sum_implies():
    q = mixed()
    prior = prior_calibration(q)["u"]
    lo, hi = scale_range(q, "u")
    assert prior.mean == (lo + hi) / 2 and prior.source == "prior" and prior.n == 0
    # Independent: build the covariance matrix and sum it.
    sds = [0.3 * 0.5 * 3, 0.3 * 1.5 * 4, 0.45 * 2, 0.45 * 1, 0.3 * 4, 0.3 * 4]
    k, r = len(sds), 0.75
    rho = r / (k - (k - 1) * r)
    var = sum(sds[i] * sds[j] * (1 if i == j else rho) for i in range(k) for j in range(k))
    assert prior.sd == pytest.approx(math.sqrt(var), rel=1e-12)


def test_the_prior_sd_grows_with_the_prior_reliability():
    low = build(
        [{"id": f"i{k}", "response": "a5", "scale": "s"} for k in range(6)]
        + [{"id": "x", "response": "a5", "scale": "u"}],
        scales=[{"id": "s", "prior_reliability": 0.6}, {"id": "u"}],
    )
    high = build(
        [{"id": f"i{k}", "response": "a5", "scale": "s"} for k in range(6)]
        + [{"id": "x", "response": "a5", "scale": "u"}],
        scales=[{"id": "s", "prior_reliability": 0.9}, {"id": "u"}],
    )
    assert prior_calibration(low)["s"].sd < prior_calibration(high)["s"].sd


@pytest.mark.parametrize(
    ("item", "value", "message"),
    [
        ("nope", 1, "unknown item 'nope'"),
        ("a1", 0, "item a1: answer 0 outside 1..5"),
        ("a3", 8, "item a3: answer 8 outside 1..7"),
        ("b1", 6, "item b1: answer 6 outside 1..5"),
        ("f1", 3, "item f1: answer 3 outside 1..2"),
        ("a1", 2.0, "answer must be an integer"),
        ("a1", True, "answer must be an integer"),
    ],
)
def test_it_rejects_unknown_items_and_answers_out_of_range(item, value, message):
    q = mixed()
    with pytest.raises(ValueError, match=re.escape(message)):
        check_answer(q, item, value)
    with pytest.raises(ValueError, match=re.escape(message)):
        score(q, {**ALL, item: value})


def test_it_refuses_calibration_for_a_scale_it_does_not_have():
    cal = ScaleCalibration(reliability=0.8, mean=1, sd=1, n=300, source="sample")
    with pytest.raises(ValueError, match="unknown scales"):
        score(mixed(), ALL, calibration={"zz": cal})


def test_it_records_the_questionnaire_version_and_dumps_to_json():
    r = score(mixed(), ALL)
    assert (r.questionnaire_id, r.questionnaire_version) == ("t", "1.0")
    assert r.model_dump(mode="json")["dichotomies"]["U"]["calibration"]["source"] == "prior"
