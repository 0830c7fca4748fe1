"""The optional self-description questions: unscored, and what an installation learns from them
(``selfknowledge.learn``; README "Uncertainty": "Learned from your own candidates")."""

from __future__ import annotations

import random

import numpy as np
import pytest
from pydantic import ValidationError

from questionnaires.engine import check_answer, score
from questionnaires.psychometrics import self_described_letters, self_knowledge_from_responses
from questionnaires.schema import SELF_HIGH, SELF_LOW, SELF_UNSURE, Questionnaire
from questionnaires.selfknowledge import MIN_SELF_DESCRIPTIONS, Learned, learn
from questionnaires.simulate import leaning_answers, self_description_answers
from tests.fitflow import SOC, questionnaire


def _answers(seed: int) -> tuple[dict[str, int], dict[str, int]]:
    q = questionnaire(SOC)
    rng = random.Random(seed)
    lean = {d.id: rng.random() < 0.5 for d in q.dichotomies}
    items = leaning_answers(q, {d.scale: lean[d.id] for d in q.dichotomies}, rng=rng)
    return items, self_description_answers(q, lean, rng=rng, unsure=0.2)


def test_the_socionics_questionnaire_asks_one_self_description_per_dichotomy():
    q = questionnaire(SOC)
    assert sorted(sd.self_description for sd in q.self_descriptions) == sorted(
        d.id for d in q.dichotomies
    )
    assert all(sd.desirable_pole == "none" for sd in q.self_descriptions)
    assert not {sd.id for sd in q.self_descriptions} & {i.id for i in q.items}


@pytest.mark.parametrize("seed", range(5))
def test_self_descriptions_change_no_score_flag_or_probability(seed):
    q = questionnaire(SOC)
    items, said = _answers(seed)
    assert said
    without, with_them = score(q, items), score(q, {**items, **said})
    assert with_them.scales == without.scales
    assert with_them.dichotomies == without.dichotomies
    assert with_them.quality == without.quality


def test_a_self_description_answer_is_low_high_or_hard_to_say():
    q = questionnaire(SOC)
    sd = q.self_descriptions[0].id
    for value in (SELF_LOW, SELF_HIGH, SELF_UNSURE):
        check_answer(q, sd, value)
    for value in (0, 4):
        with pytest.raises(ValueError):
            check_answer(q, sd, value)


def test_the_schema_refuses_a_self_description_with_a_desirable_pole_or_a_bad_dichotomy():
    raw = questionnaire(SOC).model_dump(mode="json", exclude_none=True)
    first = raw["self_descriptions"][0]
    for change in (
        {"desirable_pole": "E"},
        {"self_description": "XY"},
        {"id": raw["items"][0]["id"]},
    ):
        bad = {**raw, "self_descriptions": [{**first, **change}]}
        with pytest.raises(ValidationError):
            Questionnaire.model_validate(bad)
    twice = {**raw, "self_descriptions": [first, {**first, "id": "sd_again"}]}
    with pytest.raises(ValidationError):
        Questionnaire.model_validate(twice)


@pytest.mark.parametrize("lean", [0.8, -0.8])
def test_learn_recovers_the_direction_of_a_populations_lean(lean):
    rng = np.random.default_rng(3)
    n = 600
    m = rng.normal(0, 1, (n, 1))
    v = np.full((n, 1), 0.3)
    said = (m + lean + rng.normal(0, np.sqrt(0.3 + 0.25), (n, 1)) > 0).astype(float)
    said[rng.random((n, 1)) < 0.1] = np.nan  # "hard to say"
    (got,) = learn(m, v, said, unaware=0.06)
    assert got is not None
    assert got.n == int((~np.isnan(said)).sum())
    assert abs(got.beta - lean) < 0.25
    assert got.base == pytest.approx(float(np.nanmean(said)), abs=0.01)


def test_learn_keeps_the_shipped_values_below_the_minimum():
    m = np.zeros((10, 2))
    y = np.column_stack([np.ones(10), np.full(10, np.nan)])
    assert learn(m, m + 0.3, y, unaware=0.06, minimum=11) == [None, None]
    assert learn(m, m + 0.3, y, unaware=0.06, minimum=10)[1] is None


def test_letters_and_learning_from_stored_answer_sets():
    q = questionnaire(SOC)
    rng = random.Random(5)
    sets = []
    for _ in range(MIN_SELF_DESCRIPTIONS):
        lean = {d.id: rng.random() < 0.5 for d in q.dichotomies}
        answers = leaning_answers(q, {d.scale: lean[d.id] for d in q.dichotomies}, rng=rng)
        # Everyone says N when unsure of S: this population's line sits towards S.
        said = self_description_answers(q, lean, rng=rng, towards_high={"SN": 0.4})
        sets.append({**answers, **said})
    y = self_described_letters(q, sets)
    assert y.shape == (MIN_SELF_DESCRIPTIONS, 4) and not np.isnan(y).any()
    learned = self_knowledge_from_responses(q, sets, None)
    assert set(learned) == {"EI", "SN", "LF", "RI"}
    assert learned["SN"].beta > 0.3 and learned["SN"].base > 0.6
    assert all(abs(learned[d].beta) < learned["SN"].beta for d in ("EI", "LF", "RI"))
    # One set fewer: below the minimum, nothing is learned.
    assert self_knowledge_from_responses(q, sets[1:], None) == {}


def test_with_a_learned_lean_the_reported_letter_is_the_more_probable_one():
    q = questionnaire(SOC)
    rng = random.Random(8)
    for _ in range(200):  # an answer set just on the S side of the SN cut
        answers = leaning_answers(
            q, {d.scale: rng.random() < 0.5 for d in q.dichotomies}, rng=rng, consistency=0.55
        )
        plain = score(q, answers).dichotomies["SN"]
        if plain.pole == "S" and plain.probability is not None and plain.probability < 0.7:
            break
    else:
        raise AssertionError("no answer set near the SN cut")
    towards_n = {"SN": Learned(tau=0.8, beta=1.0, base=0.8, n=300)}
    leaning = score(q, answers, learned=towards_n).dichotomies["SN"]
    assert leaning.pole == "N" and leaning.probability is not None and leaning.probability > 0.5
    assert leaning.p_high == leaning.probability
    assert plain.p_high is not None and leaning.p_high > plain.p_high
