"""Simulated respondents (demo data): they answer every item, attention checks right, and the
engine reads them as the pole they lean to."""

from __future__ import annotations

import random

import pytest

from questionnaires.engine import score
from questionnaires.loader import product_questionnaires
from questionnaires.simulate import leaning_answers


@pytest.mark.parametrize("qid", ["introversion_extraversion", "socionics_16"])
@pytest.mark.parametrize("high", [True, False])
def test_a_consistent_respondent_is_scored_as_the_pole_they_lean_to(qid: str, high: bool) -> None:
    q = product_questionnaires()[qid]
    rng = random.Random(7)
    lean = {d.scale: high for d in q.dichotomies}
    for _ in range(5):
        answers = leaning_answers(q, lean, rng=rng, consistency=0.85)
        assert set(answers) == {item.id for item in q.items}
        for item in q.items:
            if item.attention_check is not None:
                assert answers[item.id] == item.attention_check.expected
        result = score(q, answers)
        for d in q.dichotomies:
            p_high = result.dichotomies[d.id].p_high
            # Clearly on their pole: how people describe themselves strays from their answers
            # (most on SN, tau .85), so even a consistent respondent is not said to be 90% sure
            # there; see questionnaires/README.md, "Uncertainty".
            assert p_high is not None and (p_high > 0.85 if high else p_high < 0.15), (d.id, p_high)


def test_consistency_outside_half_to_one_is_refused() -> None:
    q = product_questionnaires()["introversion_extraversion"]
    with pytest.raises(ValueError, match="consistency"):
        leaning_answers(q, {"extraversion": True}, rng=random.Random(1), consistency=0.3)
