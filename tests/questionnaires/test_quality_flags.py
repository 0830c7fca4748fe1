"""Response quality flags and the overall level."""

from __future__ import annotations

import pytest

from questionnaires.engine import score
from questionnaires.result import Timing
from tests.questionnaires.qhelpers import build


def _q(n=12, pairs=()):
    items = [
        {"id": f"i{k}", "response": "a5", "scale": "s", "reverse": k % 2 == 1} for k in range(n)
    ]
    items.insert(6, {"id": "ac", "response": "a5", "attention_check": {"expected": 4}})
    items.insert(3, {"id": "ac2", "response": "a5", "attention_check": {"expected": 1}})
    items.append({"id": "x", "kind": "bipolar", "scale": "u"})
    return build(items, page_size=5, consistency_pairs=[{"items": p} for p in pairs])


# varied, consistent answers: high on s whatever the keying
CAREFUL = {
    **{f"i{k}": (4 if k % 4 == 0 else 5) if k % 2 == 0 else (2 if k % 4 == 1 else 1)
       for k in range(12)},
    "ac": 4, "ac2": 1, "x": 3,
}  # fmt: skip


def _codes(result):
    return {f.code: f.severity for f in result.quality.flags}


def test_careful_answers_are_good():
    r = score(_q(pairs=[("i0", "i1"), ("i2", "i3")]), CAREFUL, timing=Timing(page_seconds=[30] * 3))
    assert r.quality.level == "good" and r.quality.flags == []
    assert r.quality.seconds_per_item == 6.0


def test_it_flags_answers_faster_than_two_seconds_per_item():
    q = _q()
    r = score(q, CAREFUL, timing=Timing(page_seconds=[8, 9, 7]))  # 1.6, 1.8, 1.4 s per item
    assert _codes(r) == {"too_fast": "doubtful"} and r.quality.level == "doubtful"
    assert r.quality.seconds_per_item == 1.6
    r = score(q, CAREFUL, timing=Timing(item_ms={i.id: 700 for i in q.items}))
    assert _codes(r) == {"too_fast": "unusable"} and r.quality.level == "unusable"


def test_pages_whose_time_was_not_measured_count_as_unknown_not_as_fast():
    q = _q()
    r = score(q, CAREFUL, timing=Timing(page_seconds=[None, None, None]))
    assert "too_fast" not in _codes(r) and r.quality.seconds_per_item is None
    r = score(q, CAREFUL, timing=Timing(page_seconds=[None, 8, None]))  # only page 2: 1.6 s
    assert _codes(r) == {"too_fast": "doubtful"} and r.quality.seconds_per_item == 1.6


def test_it_flags_a_long_run_of_one_answer():
    q = _q()
    answers = dict(CAREFUL, **{f"i{k}": 3 for k in range(8)})
    assert _codes(score(q, answers)) == {"straight_lining": "doubtful"}
    answers = dict(CAREFUL, **{f"i{k}": 3 for k in range(7)})
    assert _codes(score(q, answers)) == {}
    # an unanswered item ends a run
    answers = {k: v for k, v in dict(CAREFUL, **{f"i{k}": 3 for k in range(8)}).items()}
    del answers["i4"]
    assert "straight_lining" not in _codes(score(q, answers))
    long = _q(n=16)
    answers = dict(CAREFUL, **{f"i{k}": 2 for k in range(16)})
    assert _codes(score(long, answers)) == {"straight_lining": "unusable"}


def test_it_flags_failed_attention_checks():
    q = _q()
    assert _codes(score(q, dict(CAREFUL, ac=5))) == {"attention_failed": "doubtful"}
    assert _codes(score(q, dict(CAREFUL, ac=5, ac2=2))) == {"attention_failed": "unusable"}


def test_it_flags_opposite_statements_both_answered_at_the_same_end_of_the_scale():
    pairs = [("i0", "i1"), ("i2", "i3"), ("i4", "i5"), ("i6", "i7"), ("i8", "i9")]
    q = _q(pairs=pairs)
    # i1, i3, i5 reversed: full agreement with both statements of two pairs, full rejection
    # of both of a third (both ways, so this is not yea-saying)
    three = dict(CAREFUL, i0=5, i1=5, i2=5, i3=5, i4=1, i5=1)
    r = score(q, three)
    assert _codes(r) == {"inconsistent": "doubtful"}
    (flag,) = r.quality.flags
    assert flag.scales == ["s"] and flag.facts == {"contradicted": 3, "pairs": 5}
    assert _codes(score(q, dict(three, i4=2))) == {}  # two are not enough
    # Leaning the wrong way one step in is what honest people near a cut do: the rule before
    # issue 14 counted these (and flagged three as unusable); now they count for nothing.
    assert _codes(score(q, dict(CAREFUL, i0=2, i3=4, i4=2, i5=1))) == {}
    assert _codes(score(q, dict(CAREFUL, i1=3, i3=3, i5=3))) == {}


def test_a_doubled_too_fast_reading_is_one_flag_with_the_worse_figure():
    q = _q()
    # 1.6 s per item by page times, 0.7 s by the browser's item times: once, unusable, 0.7 s
    timing = Timing(page_seconds=[8, 9, 7], item_ms={i.id: 700 for i in q.items})
    r = score(q, CAREFUL, timing=timing)
    assert [f.code for f in r.quality.flags] == ["too_fast"]
    assert r.quality.flags[0].severity == "unusable"
    assert r.quality.flags[0].facts == {"seconds": 0.7, "source": "item"}


def test_no_code_appears_twice_even_when_every_kind_of_item_runs_straight():
    q = build(
        [{"id": f"a{k}", "response": "a5", "scale": "s", "reverse": k % 2 == 1} for k in range(16)]
        + [{"id": f"b{k}", "kind": "bipolar", "scale": "u"} for k in range(16)]
    )
    answers = {i.id: 3 for i in q.items}
    codes = [f.code for f in score(q, answers).quality.flags]
    assert codes.count("straight_lining") == 1 and len(codes) == len(set(codes))


def test_it_flags_missing_answers():
    q = _q()
    few = {k: v for k, v in CAREFUL.items() if k not in ("i0", "i1")}  # 2 of 15
    # 13% of all items missing; the scale itself (2 of 12) is still prorated
    assert _codes(score(q, few)) == {"missing_answers": "doubtful"}
    most = {"x": 3}
    assert _codes(score(q, most)) == {"missing_answers": "unusable"}


def _long(n=24):
    """Two scales of ``n`` agreement items each, keyed both ways, and two attention checks."""
    items = [
        {"id": f"{s}{k}", "response": "a5", "scale": s, "reverse": k % 2 == 1}
        for k in range(n)
        for s in ("s", "u")
    ]
    items.insert(10, {"id": "ac", "response": "a5", "attention_check": {"expected": 4}})
    items.insert(30, {"id": "ac2", "response": "a5", "attention_check": {"expected": 1}})
    return build(items)


def test_the_acquiescence_index_equals_an_independent_balanced_mean():
    import numpy as np

    from questionnaires.quality import acquiescence

    q = _long()
    rng = np.random.default_rng(5)
    for _ in range(20):
        answers = {i.id: int(rng.integers(1, 6)) for i in q.items}
        by_scale = []
        for s in ("s", "u"):
            fwd = [answers[f"{s}{k}"] for k in range(0, 24, 2)]
            rev = [answers[f"{s}{k}"] for k in range(1, 24, 2)]
            by_scale.append((np.mean(fwd) + np.mean(rev)) / 2 - 3)
        assert abs(acquiescence(q, answers) - np.mean(by_scale)) < 1e-12


def test_the_random_likeness_equals_an_independent_computation():
    import numpy as np

    from questionnaires.quality import (
        PERSON_FIT_A,
        PERSON_FIT_GRID,
        PERSON_FIT_SPREAD,
        random_likeness,
    )

    q = _long()
    theta = np.array(PERSON_FIT_GRID)
    b = np.linspace(-PERSON_FIT_SPREAD, PERSON_FIT_SPREAD, 4)
    at_least = 1 / (1 + np.exp(-(PERSON_FIT_A * theta[:, None] - b[None, :])))
    cum = np.hstack([np.ones((theta.size, 1)), at_least, np.zeros((theta.size, 1))])
    logp = np.log(cum[:, :-1] - cum[:, 1:])  # (grid, level 0..4)
    rng = np.random.default_rng(8)
    for _ in range(10):
        answers = {i.id: int(rng.integers(1, 6)) for i in q.items}
        expected = {}
        for s in ("s", "u"):
            levels = [
                (5 - answers[f"{s}{k}"]) if k % 2 else (answers[f"{s}{k}"] - 1) for k in range(24)
            ]
            loglik = logp[:, levels].sum(axis=1).max()
            expected[s] = loglik - 24 * np.log(1 / 5) - np.log(24) / 2
        total, per_scale = random_likeness(q, answers)
        assert per_scale == pytest.approx(expected, abs=1e-9)
        assert total == pytest.approx(sum(expected.values()), abs=1e-9)


def test_agreeing_with_statements_whatever_they_say_is_flagged_as_acquiescence():
    q = _long()
    # a trait-driven person (high on s, low on u) who also agrees one step more with everything
    honest = {}
    for i in q.items:
        if i.attention_check is not None:
            honest[i.id] = i.attention_check.expected
            continue
        k = int(i.id[1:])
        high = (i.scale == "s") != i.reverse
        honest[i.id] = (5 if k % 3 else 4) if high else (1 if k % 3 else 2)
    assert _codes(score(q, honest)) == {}
    yea = {k: v if k.startswith("ac") else min(v + 1, 5) for k, v in honest.items()}
    r = score(q, yea)
    assert _codes(r) == {"acquiescence": "doubtful"}
    assert r.quality.flags[0].facts["index"] >= 0.5


def test_random_answers_are_flagged_with_the_scales_they_do_not_follow():
    import random

    from questionnaires.simulate import random_answers

    q = _long()
    rng = random.Random(4)
    flagged = doubtful = 0
    for _ in range(100):
        answers = dict(random_answers(q, rng=rng), ac=4, ac2=1)  # checks passed by luck
        r = score(q, answers)
        flag = next((f for f in r.quality.flags if f.code == "random_like"), None)
        if flag is not None:
            flagged += 1
            assert set(flag.scales) <= {"s", "u"} and flag.scales
            if flag.severity == "unusable":
                continue
            doubtful += 1
            failed_check = score(q, dict(answers, ac=5)).quality
            assert failed_check.level == "unusable"
            assert {f.code: f.severity for f in failed_check.flags}["random_like"] == "unusable"
    # two 24-item scales: about half of random clickers (bench/README.md)
    assert flagged >= 40 and doubtful >= 30


def test_a_failed_attention_check_with_answers_favouring_random_clicking_is_unusable():
    import random

    from questionnaires.quality import RANDOM_DOUBTFUL, RANDOM_WITH_FAILED_CHECK, random_likeness
    from questionnaires.simulate import random_answers

    q = _long()
    rng = random.Random(11)
    seen = 0
    for _ in range(200):
        answers = dict(random_answers(q, rng=rng), ac=4, ac2=1)
        ratio = random_likeness(q, answers)[0]
        if not RANDOM_DOUBTFUL <= ratio < RANDOM_WITH_FAILED_CHECK:
            continue
        seen += 1
        # weak evidence alone: no flag; with one failed check: both signs, unusable
        assert "random_like" not in _codes(score(q, answers))
        failed = score(q, dict(answers, ac=5))
        codes = _codes(failed)
        assert codes["attention_failed"] == "doubtful" and codes["random_like"] == "unusable"
        assert failed.quality.level == "unusable"
    assert seen >= 10
