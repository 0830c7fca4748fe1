"""Response quality flags and the overall level."""

from __future__ import annotations

from qhelpers import build

from questionnaires.engine import score
from questionnaires.result import Timing


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


def test_it_flags_opposite_worded_pairs_answered_the_same_way():
    pairs = [("i0", "i1"), ("i2", "i3"), ("i4", "i5"), ("i6", "i7"), ("i8", "i9")]
    q = _q(pairs=pairs)
    # i1, i3 reversed: agreeing with both contradicts
    two = dict(CAREFUL, i1=5, i3=4)
    assert _codes(score(q, two)) == {"inconsistent": "doubtful"}
    one = dict(CAREFUL, i1=5)
    assert _codes(score(q, one)) == {}
    three = dict(CAREFUL, i1=5, i3=4, i5=4)
    assert _codes(score(q, three)) == {"inconsistent": "unusable"}
    # a middle answer contradicts nothing
    assert _codes(score(q, dict(CAREFUL, i1=3, i3=3, i5=3))) == {}


def test_it_flags_missing_answers():
    q = _q()
    few = {k: v for k, v in CAREFUL.items() if k not in ("i0", "i1")}  # 2 of 15
    # 13% of all items missing; the scale itself (2 of 12) is still prorated
    assert _codes(score(q, few)) == {"missing_answers": "doubtful"}
    most = {"x": 3}
    assert _codes(score(q, most)) == {"missing_answers": "unusable"}
