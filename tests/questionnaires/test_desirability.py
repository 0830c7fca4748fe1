"""Desirability: every item carries a reviewed ``desirable_pole``, every dichotomy is balanced,
and a candidate who fakes "the ideal salesperson" lands near the cut instead of at a pole.

The faking simulation (``questionnaires.simulate``): graded-response respondents with traits
N(0, 1) answer honestly, then the same people answer again with every item's latent moved
``shift`` SDs towards its desirable pole; the engine scores both. Version 1.0.0 (archived, the
items before the review) is the baseline the balance must beat. ``bench/bench_faking.py``
prints the full table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from questionnaires.engine import item_gain
from questionnaires.loader import QuestionnaireError, load_questionnaire, product_questionnaires
from questionnaires.loader import questionnaire_version as version_of
from questionnaires.schema import Questionnaire
from questionnaires.simulate import (
    FakingRow,
    desirability_ideal,
    faking_rows,
    faking_tables,
    on_ideal_type,
)
from socionics.model import type_for_poles

SEED = 14
N = 3000
STRONG = 4.0  # SDs of the trait: every item pushed far towards what the employer likes
SHIFTS = [0.0, 1.0, 2.0, STRONG]

CURRENT = sorted(product_questionnaires())


def desirability_pull(q: Questionnaire, scale: str) -> tuple[float, float]:
    """Score range pulled towards the high pole and towards the low pole by desirable answers."""
    up = down = 0.0
    for item in q.items:
        gains = item_gain(q, item, scale)
        if not gains:
            continue
        span = max(gains) - min(gains)
        sign = q.desirable_sign(item)
        up += span if sign > 0 else 0.0
        down += span if sign < 0 else 0.0
    return up, down


@pytest.mark.parametrize("qid", CURRENT)
def test_every_dichotomy_is_balanced_between_its_desirable_poles(qid: str) -> None:
    # Tolerance 0: as much score range pulled to one pole as to the other. The ideal faker's
    # desirable answers then cancel, and only the items marked "none" move the score.
    q = product_questionnaires()[qid]
    for d in q.dichotomies:
        up, down = desirability_pull(q, d.scale)
        assert up == down, f"{qid} {d.id}: {up} towards {d.high.code}, {down} towards {d.low.code}"
        assert up > 0, f"{qid} {d.id}: no item has a desirable pole at all; review them"


@pytest.mark.parametrize("qid", CURRENT)
def test_every_scored_item_names_a_pole_of_its_own_dichotomy_or_none(qid: str) -> None:
    q = product_questionnaires()[qid]
    for item in q.items:
        if item.attention_check is not None:
            assert item.desirable_pole is None
            continue
        d = next(d for d in q.dichotomies if item_gain(q, item, d.scale))
        assert item.desirable_pole in (d.low.code, d.high.code, "none"), item.id


def test_the_1_0_0_items_leaned_to_one_pole_which_is_why_they_were_rewritten() -> None:
    old = version_of("socionics_16", "1.0.0")
    for d in old.dichotomies:
        up, down = desirability_pull(old, d.scale)
        assert up > down, d.id  # E, N, L and J: the "ideal salesperson" of the old items
    assert desirability_ideal(old) == {"EI": "E", "SN": "N", "LF": "L", "RI": "J"}


def _write(tmp_path: Path, item_extra: str) -> Path:
    path = tmp_path / "draft.yaml"
    path.write_text(
        f"""
id: draft
version: "1.0"
title: {{ru: "Черновик", en: "Draft"}}
response_formats: {{a5: {{points: 5}}}}
scales: [{{id: x}}]
dichotomies: [{{id: XY, scale: x, low: {{code: "Y"}}, high: {{code: "X"}}}}]
items:
  - {{id: q1, kind: agreement, response: a5, scale: x,
     text: {{ru: "Текст", en: "Text"}}{item_extra}}}
""",
        encoding="utf-8",
    )
    return path


def test_a_product_item_without_a_desirable_pole_is_refused_at_load(tmp_path: Path) -> None:
    with pytest.raises(QuestionnaireError, match="item q1: no desirable_pole"):
        load_questionnaire(_write(tmp_path, ""))


def test_a_desirable_pole_of_another_dichotomy_is_refused_at_load(tmp_path: Path) -> None:
    with pytest.raises(QuestionnaireError, match=r"desirable_pole 'E' is not one of"):
        load_questionnaire(_write(tmp_path, ', desirable_pole: "E"'))
    assert load_questionnaire(_write(tmp_path, ', desirable_pole: "Y"')).items[0].desirable_pole


@dataclass(frozen=True)
class Figures:
    rows: dict[tuple[float, str], FakingRow]  # (shift, dichotomy) -> row
    on_ideal_type: dict[float, float]  # shift -> share typed with every ideal pole at once


@pytest.fixture(scope="module")
def figures() -> dict[tuple[str, str], Figures]:
    out = {}
    for qid in CURRENT:
        ideal = desirability_ideal(version_of(qid, "1.0.0"))
        for label in ("1.0.0", "current"):
            q = product_questionnaires()[qid] if label == "current" else version_of(qid, label)
            tables = faking_tables(q, shifts=SHIFTS, n=N, seed=SEED)
            rows = {(r.shift, r.dichotomy): r for r in faking_rows(tables, ideal=ideal)}
            out[(qid, label)] = Figures(
                rows=rows, on_ideal_type={s: on_ideal_type(t, ideal) for s, t in tables.items()}
            )
    return out


@pytest.mark.parametrize("qid", CURRENT)
def test_a_faker_of_the_ideal_salesperson_stays_near_the_cut_on_version_2(qid, figures) -> None:
    by = figures[(qid, "current")].rows
    for d in product_questionnaires()[qid].dichotomies:
        honest = by[(0.0, d.id)]
        for shift in SHIFTS[1:]:
            faked = by[(shift, d.id)]
            # The probability of the "ideal" pole barely moves: the balanced pulls cancel (not
            # exactly: items differ in discrimination). On 1.0.0 it moves by up to 0.46.
            assert abs(faked.p_ideal - honest.p_ideal) <= 0.06, (d.id, honest, faked)
            assert abs(faked.p_ideal - 0.5) <= 0.08, (d.id, faked)
        # Answers pushed to both ends carry less about the person: nearer 50%, never surer.
        assert by[(STRONG, d.id)].certainty < honest.certainty, d.id


@pytest.mark.parametrize("qid", CURRENT)
def test_the_same_faker_jumped_to_the_ideal_pole_on_version_1(qid, figures) -> None:
    # The baseline: on the old items the same simulated fakers reached the ideal E.
    by = figures[(qid, "1.0.0")].rows
    assert by[(0.0, "EI")].p_ideal < 0.55
    assert by[(STRONG, "EI")].p_ideal > 0.9


def test_fakers_are_typed_as_the_ideal_socionics_type_no_more_often_than_honest_people(
    figures,
) -> None:
    ideal = type_for_poles(desirability_ideal(version_of("socionics_16", "1.0.0")))
    assert ideal.code == "LIE"
    old = figures[("socionics_16", "1.0.0")].on_ideal_type
    new = figures[("socionics_16", "current")].on_ideal_type
    assert old[STRONG] > 3 * old[0.0]  # version 1.0.0: fakers crowd into LIE
    assert new[STRONG] <= new[0.0] + 0.02
