"""Questionnaire versions: a result keeps the version it was scored with, the archive keeps that
version loadable, and an item id never changes its meaning from one version to the next."""

from __future__ import annotations

import random

import pytest

from questionnaires.engine import score
from questionnaires.loader import archived_versions, product_questionnaires, questionnaire_version
from questionnaires.simulate import leaning_answers

CURRENT = sorted(product_questionnaires())

# Raw scores of one fixed answer set (leaning_answers, every scale high, consistency 0.7,
# random.Random(14)) computed with the 1.0.0 files as they were in the repository before 2.0.0
# (git show 7dda273:questionnaires/<id>.yaml), by the engine of that commit.
GOLDEN_1_0_0 = {
    "introversion_extraversion": {"extraversion": 91.0},
    "socionics_16": {"extraversion_s": 67.0, "intuition": 62.0, "logic": 74.0, "rationality": 57.0},
}


@pytest.mark.parametrize("qid", CURRENT)
def test_the_current_version_is_2_0_0_and_1_0_0_stays_in_the_archive(qid: str) -> None:
    assert product_questionnaires()[qid].version == "2.0.0"
    assert archived_versions(qid) == ["1.0.0"]
    old = questionnaire_version(qid, "1.0.0")
    assert (old.id, old.version) == (qid, "1.0.0")
    assert questionnaire_version(qid, "2.0.0") is product_questionnaires()[qid]


def test_an_unknown_version_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        questionnaire_version("socionics_16", "0.9.0")
    with pytest.raises(KeyError):
        questionnaire_version("no_such_questionnaire", "1.0.0")


@pytest.mark.parametrize("qid", CURRENT)
def test_answers_given_to_1_0_0_re_score_exactly_as_they_did(qid: str) -> None:
    old = questionnaire_version(qid, "1.0.0")
    lean = {d.scale: True for d in old.dichotomies}
    answers = leaning_answers(old, lean, rng=random.Random(14), consistency=0.7)
    result = score(old, answers)
    assert result.questionnaire_version == "1.0.0"
    assert {s: v.raw for s, v in result.scales.items()} == GOLDEN_1_0_0[qid]
    # The current version cannot read them: rewritten items have new ids.
    with pytest.raises(ValueError, match="unknown item"):
        score(product_questionnaires()[qid], answers)


@pytest.mark.parametrize("qid", CURRENT)
def test_an_item_id_keeps_its_text_and_key_in_every_version(qid: str) -> None:
    # An answer stored under an id means the same in every version: a reworded item gets a new
    # id, so a candidate who started before a new version never has an old answer read as an
    # answer to a new text. (desirable_pole is a review note, not part of the item's meaning.)
    current = {i.id: i for i in product_questionnaires()[qid].items}
    for version in archived_versions(qid):
        for item in questionnaire_version(qid, version).items:
            if item.id in current:
                now = current[item.id].model_dump(exclude={"desirable_pole"})
                assert item.model_dump(exclude={"desirable_pole"}) == now, (version, item.id)


@pytest.mark.parametrize("qid", CURRENT)
def test_an_unchanged_item_keeps_its_reviewed_desirable_pole(qid: str) -> None:
    current = {i.id: i for i in product_questionnaires()[qid].items}
    for version in archived_versions(qid):
        for item in questionnaire_version(qid, version).items:
            if item.id in current:
                assert item.desirable_pole == current[item.id].desirable_pole, item.id
