"""Questionnaire versions: a result keeps the version it was scored with, the archive keeps that
version loadable, and an item id never changes its meaning from one version to the next."""

from __future__ import annotations

import random

import pytest

from questionnaires.engine import score
from questionnaires.loader import (
    archived_versions,
    product_questionnaires,
    questionnaire_version,
    same_scoring_versions,
)
from questionnaires.simulate import leaning_answers, random_answers

CURRENT = sorted(product_questionnaires())
IE = "introversion_extraversion"

# The current version of each product questionnaire and the versions its archive keeps.
VERSIONS = {
    IE: ("2.1.0", ["1.0.0", "2.0.0"]),
    "socionics_16": ("2.1.0", ["1.0.0", "2.0.0"]),
}

# Raw scores of one fixed answer set (leaning_answers, every scale high, consistency 0.7,
# random.Random(14)) computed with the 1.0.0 files as they were in the repository before 2.0.0
# (git show 7dda273:questionnaires/<id>.yaml), by the engine of that commit.
GOLDEN_1_0_0 = {
    "introversion_extraversion": {"extraversion": 91.0},
    "socionics_16": {"extraversion_s": 67.0, "intuition": 62.0, "logic": 74.0, "rationality": 57.0},
}


# introversion_extraversion 2.0.0 (archived when 2.1.0 added a third attention check): one
# leaning answer set (as above) and three random clickers (random_answers, random.Random(seed)),
# scored with the 2.0.0 file as it was in the repository before 2.1.0 (git show
# 495df59:questionnaires/introversion_extraversion.yaml): raw score, quality level, flags.
GOLDEN_IE_2_0_0 = {
    "leaning": (91.0, "good", []),
    2: (64.0, "unusable", [("attention_failed", "doubtful"), ("random_like", "unusable")]),
    15: (74.0, "doubtful", [("attention_failed", "doubtful")]),
    36: (80.0, "good", []),
}


@pytest.mark.parametrize("qid", CURRENT)
def test_the_current_version_is_current_and_the_older_ones_stay_in_the_archive(qid: str) -> None:
    version, archived = VERSIONS[qid]
    assert product_questionnaires()[qid].version == version
    assert archived_versions(qid) == archived
    for old_version in archived:
        old = questionnaire_version(qid, old_version)
        assert (old.id, old.version) == (qid, old_version)
    assert questionnaire_version(qid, version) is product_questionnaires()[qid]


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


def _ie_2_0_0_answer_sets() -> dict[object, dict[str, int]]:
    old = questionnaire_version(IE, "2.0.0")
    sets: dict[object, dict[str, int]] = {
        "leaning": leaning_answers(
            old, {"extraversion": True}, rng=random.Random(14), consistency=0.7
        )
    }
    for seed in (2, 15, 36):
        sets[seed] = random_answers(old, rng=random.Random(seed))
    return sets


def test_answers_given_to_ie_2_0_0_re_score_exactly_as_they_did() -> None:
    old = questionnaire_version(IE, "2.0.0")
    for key, answers in _ie_2_0_0_answer_sets().items():
        result = score(old, answers)
        assert result.questionnaire_version == "2.0.0"
        flags = sorted((f.code, f.severity) for f in result.quality.flags)
        assert (result.scales["extraversion"].raw, result.quality.level, flags) == (
            GOLDEN_IE_2_0_0[key]
        ), key


def test_ie_2_1_0_only_adds_an_attention_check_to_2_0_0() -> None:
    old = questionnaire_version(IE, "2.0.0")
    new = product_questionnaires()[IE]
    assert [i.id for i in new.items if i.id not in {o.id for o in old.items}] == ["ie_ac3"]
    assert {i.id for i in old.items} < {i.id for i in new.items}
    assert new.item("ie_ac3").attention_check is not None
    assert new.dichotomies == old.dichotomies and new.scales == old.scales
    # So the answers a candidate gave to 2.0.0 score the same on 2.1.0 (the new check simply
    # unanswered: one item of 27 is no missing-answers flag).
    for answers in _ie_2_0_0_answer_sets().values():
        before, after = score(old, answers), score(new, answers)
        assert after.scales == before.scales
        assert after.dichotomies == before.dichotomies
        assert after.quality == before.quality


def test_versions_that_score_the_same_are_one_population() -> None:
    # Reliability, norms and the sample calibration pool the results of these (app.scoring,
    # app.stats): 2.1.0 only added an attention check; 1.0.0 had other items.
    assert same_scoring_versions(IE, "2.1.0") == ("2.0.0", "2.1.0")
    assert same_scoring_versions(IE, "2.0.0") == ("2.0.0", "2.1.0")
    assert same_scoring_versions(IE, "1.0.0") == ("1.0.0",)
    # socionics 2.1.0 only added the unscored self-description questions.
    assert same_scoring_versions("socionics_16", "2.0.0") == ("2.0.0", "2.1.0")
    assert same_scoring_versions("socionics_16", "1.0.0") == ("1.0.0",)
    assert same_scoring_versions(IE, "0.9.0") == ("0.9.0",)  # unknown: only itself
